import CiblageSupport
import Dispatch
import Foundation
import LinearAlgebra
#if canImport(Glibc)
import Glibc
#endif

/// Parallel reading of a CSV file: the file is cut into blocks of whole records, workers parse the
/// blocks at the same time, and the caller merges their results in file order.
///
/// Parsing (tokenising and converting every field) is the most expensive part of reading a CSV, and
/// it is independent from record to record; finding where records end is cheap. So one thread reads
/// the file in large blocks, finds the last record boundary of each (a line break outside quotes)
/// and counts its lines, while the workers parse the blocks already read with an ordinary
/// `CSVReader` over memory. Results are merged in block order, so the output is the same bytes for
/// any thread count, and the first error reported is the first error in the file: a block's error is
/// thrown only after every earlier block has been merged without one. The merging thread also feeds
/// the file's bytes, in order, to `onBytes` (the training-data fingerprint).
///
/// Memory: at most 4 × `threads` + 2 blocks (1 MiB each by default) read and not yet merged, plus
/// what their results hold; the slack lets a worker go on while one block parses slower.
public final class CSVBlockReader {
    public let file: String
    public let header: [String]
    public let format: CSVFormat
    public let delimiter: UInt8
    /// Data records parsed so far, and bytes of the file read so far (header included).
    public private(set) var recordCount = 0
    public private(set) var bytesRead = 0
    /// The file's size in bytes when it was opened (for progress).
    public let fileSize: Int
    /// Told the bytes done after each batch is parsed, under the phase `reading <file name>`.
    public var progress: ProgressHandler?

    private let dataOffset: Int
    /// The file line of the first data record.
    public let firstDataLine: Int
    private let blockSize: Int
    private let onBytes: ((UnsafeBufferPointer<UInt8>) -> Void)?

    /// Opens `path` and reads its header (delimiter detection, BOM, quoting: as `CSVReader`).
    /// - Parameter onBytes: told every byte of the file once, in order, by `forEachBlock` on its
    ///   calling thread: the header's bytes first, then each block's before it is merged. Not on the
    ///   reading thread: a SHA-256 there ran at 1.75 GB/s in series with the reads, and the workers
    ///   waited for blocks (reading the 684 MB benchmark file took 1.0 to 1.45 s with the hash there,
    ///   0.57 to 0.71 s without it).
    public init(path: String, format: CSVFormat = CSVFormat(), blockSize: Int = 1 << 20,
                onBytes: ((UnsafeBufferPointer<UInt8>) -> Void)? = nil) throws(DataError) {
        let headerReader = try CSVReader(path: path, format: format)
        file = path
        header = headerReader.header
        delimiter = headerReader.delimiter
        self.format = format
        (dataOffset, firstDataLine) = headerReader.dataStart
        self.blockSize = max(blockSize, 64)
        self.onBytes = onBytes
        var st = stat()
        fileSize = stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    /// An upper estimate of the file's data lines (1.25 × the rate of line breaks in its first
    /// 256 KiB, + 64), read with one `pread`: what a caller sizes its arrays by before any block is
    /// parsed. Capacity that is never written is never resident.
    public func estimatedDataLines() -> Int {
        let fd = open(file, O_RDONLY)
        guard fd >= 0 else { return 64 }
        defer { close(fd) }
        let sample = 1 << 18
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: sample)
        defer { bytes.deallocate() }
        let n = pread(fd, bytes, sample, off_t(dataOffset))
        guard n > 0 else { return 64 }
        var breaks = 0
        for k in 0..<n where bytes[k] == 0x0A { breaks += 1 }
        let dataBytes = Double(max(0, fileSize - dataOffset))
        return Int(1.25 * dataBytes * Double(max(1, breaks)) / Double(n)) + 64
    }

    /// A block of whole records and the file line of its first byte.
    /// `plain`: no quote and no carriage return in it (the reader's plain-record path applies).
    fileprivate struct Block { var bytes: UnsafeMutableBufferPointer<UInt8>; var firstLine: Int; var plain: Bool }

    /// Parses every block with `parse` on up to `threads` workers, then hands each result to `merge`
    /// on the calling thread, in file order. `parse` gets a `CSVReader` positioned before the block's
    /// first record; it reads with `next()` as usual and must not keep the reader.
    ///
    /// Three kinds of thread run at once, with no barrier between them: one reads and splits the
    /// file ahead, the workers each take the next block not yet parsed, and the calling thread merges
    /// the parsed blocks in order. At most `4 × threads + 2` blocks are in flight (read and not yet
    /// merged), which bounds the memory; a worker never waits for a slower block to finish before
    /// taking the next one (a batch barrier left a core idle at the end of every batch: about a fifth
    /// of `ciblage score`'s time on 2 cores).
    public func forEachBlock<R>(threads: Int, parse: @escaping (CSVReader) throws -> R, merge: (R) throws -> Void) throws {
        let fd = open(file, O_RDONLY)
        guard fd >= 0 else { throw DataError.cannotOpen(file: file, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let workers = max(1, threads)
        if let onBytes, dataOffset > 0 {
            let header = UnsafeMutablePointer<UInt8>.allocate(capacity: dataOffset)
            defer { header.deallocate() }
            guard readExactly(fd, into: header, count: dataOffset, at: 0) else {
                throw DataError.cannotOpen(file: file, reason: "the header's \(dataOffset) bytes could not be read again")
            }
            onBytes(UnsafeBufferPointer(start: header, count: dataOffset))
        }
        let splitter = Splitter(file: file, fd: fd, blockSize: blockSize, skip: dataOffset, firstLine: firstDataLine)
        defer { splitter.release() }
        let pipeline = BlockPipeline<R>(capacity: 4 * workers + 2)
        let header = self.header, delimiter = self.delimiter, format = self.format, file = self.file
        let box = UncheckedSendable((splitter, pipeline, parse))
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            box.value.1.read { try box.value.0.nextBlock() }
            finished.signal()
        }
        for _ in 0..<workers {
            Thread.detachNewThread {
                box.value.1.work { block in
                    let reader = CSVReader(block: block.bytes, file: file, header: header, delimiter: delimiter,
                                           format: format, firstLine: block.firstLine, plain: block.plain)
                    return (Result { try box.value.2(reader) }, reader.recordCount)
                }
                finished.signal()
            }
        }
        defer {
            pipeline.cancel()
            for _ in 0...workers { finished.wait() }
            pipeline.releaseBlocks()
        }
        var bytesDone = dataOffset, merged = 0
        let phase = "reading " + (file.split(separator: "/").last.map(String.init) ?? file)
        func report() {
            progress?(ProgressUpdate(phase: phase, done: Double(bytesDone), total: fileSize > 0 ? Double(fileSize) : nil, unit: .bytes))
        }
        while let next = try pipeline.nextInOrder() {
            let (block, result, records) = next
            bytesDone += block.bytes.count
            defer { pipeline.merged(block) }
            onBytes?(UnsafeBufferPointer(block.bytes))
            switch result {
            case .success(let value): recordCount += records; try merge(value)
            case .failure(let error): throw error
            }
            merged += 1
            if merged % (4 * workers) == 0 { report() }
        }
        report()
        bytesRead = splitter.bytesRead
    }
}

/// The blocks between the reading thread, the workers and the merging thread, under one lock.
///
/// Block k is read, then parsed by whichever worker is free, then merged once blocks 0…k−1 are.
/// The reader stops while `capacity` blocks are in flight; `cancel` stops everyone at their next
/// step (the merger threw), and the caller frees what was read once every thread has returned.
private final class BlockPipeline<R>: @unchecked Sendable {
    typealias Parsed = (result: Result<R, Error>, records: Int)
    private struct Slot { var block: CSVBlockReader.Block; var parsed: Parsed? }
    private let condition = NSCondition()
    private let capacity: Int
    private var slots: [Slot?] = []
    private var nextToParse = 0, nextToMerge = 0
    private var readingDone = false, readError: Error?, cancelled = false

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// The reading thread: blocks from `next` until it returns nil or throws.
    func read(_ next: () throws -> CSVBlockReader.Block?) {
        var error: Error?
        while true {
            condition.lock()
            while slots.count - nextToMerge >= capacity && !cancelled { condition.wait() }
            let stop = cancelled
            condition.unlock()
            if stop { break }
            let block: CSVBlockReader.Block?
            do { block = try next() } catch let e { error = e; break }
            guard let block else { break }
            condition.lock()
            slots.append(Slot(block: block, parsed: nil))
            condition.broadcast()
            condition.unlock()
        }
        condition.lock(); readError = error; readingDone = true; condition.broadcast(); condition.unlock()
    }

    /// A worker: parses the next unparsed block until there is none left.
    func work(_ parse: (CSVBlockReader.Block) -> Parsed) {
        while true {
            condition.lock()
            while nextToParse == slots.count && !readingDone && !cancelled { condition.wait() }
            guard !cancelled, nextToParse < slots.count else { condition.unlock(); return }
            let k = nextToParse
            nextToParse += 1
            let block = slots[k]!.block
            condition.unlock()
            let parsed = parse(block)
            condition.lock()
            slots[k]!.parsed = parsed
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The merger: the next block in file order once parsed; nil after the last; the read error
    /// once every block read before it is merged.
    func nextInOrder() throws -> (CSVBlockReader.Block, Result<R, Error>, Int)? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if nextToMerge < slots.count, let parsed = slots[nextToMerge]!.parsed {
                return (slots[nextToMerge]!.block, parsed.result, parsed.records)
            }
            if nextToMerge == slots.count && readingDone {
                if let readError { throw readError }
                return nil
            }
            condition.wait()
        }
    }

    /// The merger is done with `block`: it is freed, and the reader may read one more.
    func merged(_ block: CSVBlockReader.Block) {
        block.bytes.deallocate()
        condition.lock()
        slots[nextToMerge] = nil
        nextToMerge += 1
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock(); cancelled = true; condition.broadcast(); condition.unlock()
    }

    /// After every thread has returned: frees the blocks read but not merged.
    func releaseBlocks() {
        for k in nextToMerge..<slots.count { slots[k]?.block.bytes.deallocate(); slots[k] = nil }
    }
}

/// Cuts the file into blocks that end just after a line break outside quotes.
private final class Splitter {
    let file: String
    let fd: Int32
    let blockSize: Int
    /// Header bytes still to drop from the front of the file.
    var skip: Int
    /// File line of the next block's first byte.
    var line: Int
    var carry: UnsafeMutablePointer<UInt8>?
    var carryCount = 0
    var eof = false
    var bytesRead = 0

    init(file: String, fd: Int32, blockSize: Int, skip: Int, firstLine: Int) {
        self.file = file; self.fd = fd; self.blockSize = blockSize; self.skip = skip; line = firstLine
    }

    func release() { carry?.deallocate(); carry = nil }

    func nextBatch(_ n: Int) throws -> [CSVBlockReader.Block] {
        var out: [CSVBlockReader.Block] = []
        while out.count < n, let b = try nextBlock() { out.append(b) }
        return out
    }

    func nextBlock() throws -> CSVBlockReader.Block? {
        var capacity = blockSize + carryCount
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        var count = carryCount
        if let carry { buffer.update(from: carry, count: carryCount); carry.deallocate() }
        carry = nil; carryCount = 0
        while true {
            while !eof && count < capacity {
                var n = 0
                repeat { n = read(fd, buffer + count, capacity - count) } while n < 0 && errno == EINTR
                if n < 0 { buffer.deallocate(); throw DataError.cannotOpen(file: file, reason: String(cString: strerror(errno))) }
                if n == 0 { eof = true; break }
                bytesRead += n
                if skip > 0 {  // the header, already parsed
                    let drop = min(skip, n)
                    (buffer + count).update(from: buffer + count + drop, count: n - drop)
                    skip -= drop
                    count += n - drop
                } else {
                    count += n
                }
            }
            if count == 0 { buffer.deallocate(); return nil }
            if eof {
                return CSVBlockReader.Block(bytes: UnsafeMutableBufferPointer(start: buffer, count: count), firstLine: line,
                                            plain: Self.isPlain(buffer, count))
            }
            if let (boundary, lines, plain) = Self.boundary(buffer, count) {
                carryCount = count - boundary
                if carryCount > 0 {
                    carry = .allocate(capacity: carryCount)
                    carry!.update(from: buffer + boundary, count: carryCount)
                }
                let block = CSVBlockReader.Block(bytes: UnsafeMutableBufferPointer(start: buffer, count: boundary), firstLine: line,
                                                 plain: plain)
                line += lines
                return block
            }
            // A record longer than the block: grow and read on.
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            grown.update(from: buffer, count: count)
            buffer.deallocate()
            buffer = grown; capacity *= 2
        }
    }

    /// Whether the `n` bytes hold no quote and no carriage return.
    static func isPlain(_ p: UnsafeMutablePointer<UInt8>, _ n: Int) -> Bool { plainLineCount(p, n) != nil }

    /// The number of LFs in the `n` bytes, or nil if they hold a quote or a CR. The hits are
    /// accumulated in byte lanes and reduced once per 4 KiB: a horizontal reduction per 16-byte
    /// window (`any`, `wrappedSum`) cost more than the comparisons in the profile.
    @inline(__always)
    static func plainLineCount(_ p: UnsafeMutablePointer<UInt8>, _ n: Int) -> Int? {
        let q = SIMD16<UInt8>(repeating: UInt8(ascii: "\"")), cr = SIMD16<UInt8>(repeating: 0x0D), lf = SIMD16<UInt8>(repeating: 0x0A)
        var i = 0, lines = 0
        while i + 16 <= n {
            var counts = SIMD16<UInt8>(), special = SIMD16<UInt8>()
            let stop = min(n - 16, i + 16 * 254)  // at most 255 windows: a lane's count stays ≤ 255
            while i <= stop {
                let v = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<UInt8>.self)
                special |= unsafeBitCast((v .== q) .| (v .== cr), to: SIMD16<UInt8>.self)
                counts &-= unsafeBitCast(v .== lf, to: SIMD16<UInt8>.self)  // a hit is 0xFF, i.e. −1
                i += 16
            }
            let words = unsafeBitCast(special, to: SIMD2<UInt64>.self)
            if words[0] | words[1] != 0 { return nil }
            for k in 0..<16 { lines += Int(counts[k]) }
        }
        while i < n {
            let c = p[i]
            if c == UInt8(ascii: "\"") || c == 0x0D { return nil }
            if c == 0x0A { lines += 1 }
            i += 1
        }
        return lines
    }

    /// The offset just after the last line break outside quotes, the number of lines before it
    /// (counted as `CSVReader` counts them: every LF, and every CR not followed by LF), and whether
    /// the bytes hold no quote and no CR. Blocks start outside quotes, because they start at such a
    /// boundary.
    static func boundary(_ p: UnsafeMutablePointer<UInt8>, _ n: Int) -> (Int, Int, Bool)? {
        // Fast path: no quote and no CR, the usual case.
        if let lines = plainLineCount(p, n) {
            var j = n - 1
            while j >= 0 && p[j] != 0x0A { j -= 1 }
            return j >= 0 ? (j + 1, lines, true) : nil
        }
        // Quotes or carriage returns: the state machine's view of line breaks.
        var inQuotes = false
        var found: (Int, Int, Bool)?
        var lines = 0
        for k in 0..<n {
            let c = p[k]
            if c == UInt8(ascii: "\"") {
                inQuotes.toggle()
            } else if c == 0x0A {
                lines += 1
                if !inQuotes { found = (k + 1, lines, false) }
            } else if c == 0x0D, k + 1 < n, p[k + 1] != 0x0A {
                lines += 1
                if !inQuotes { found = (k + 1, lines, false) }
            }
        }
        return found
    }
}
