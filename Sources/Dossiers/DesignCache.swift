#if canImport(Glibc)
import Glibc
#endif
import CiblageSupport
import Dispatch
import Foundation
import LinearAlgebra

/// A training file already encoded: the design matrix, the target, the weights, the amounts and the
/// lines, as raw little-endian doubles behind a JSON header (`ciblage convert`, the `.cbl` files).
///
/// Why: a data scientist refits dozens of times on one file (variable selection, a changed
/// penalty), and parsing the CSV costs more than the fit. The design is mapped from the file where
/// it can be (`mapSection`: the page cache's pages are used in place, no fresh page to zero, no
/// copy), and read with `pread` straight into the arrays, by all the cores at once, otherwise
/// (`readSection`), as are the other sections.
///
/// Layout, all little-endian:
///
/// ```
/// 0      "CBLCACHE"  magic
/// 8      UInt64      header length h
/// 16     h bytes     header (JSON: `Header`)
///        zeros       format 2: to the next offset ≡ `designResidue` (mod 65,536), where the design
///                    is congruent with the array it is read into (see `mapSection`);
///                    format 1: to the next multiple of 64
///        sections    design (rows × columns), target (rows), weights (rows, if any),
///                    amounts (rows, if any), lines (rows, as doubles): Float64 each
/// ```
///
/// The header records the source CSV's fingerprint (path, size, SHA-256: the model trained on the
/// cache records the CSV, not the cache), the settings it was encoded with (`TableSpec.signature`:
/// a cache is refused under other settings), and a checksum of the sections, verified on every read.
public enum DesignCache {
    public static let magic = Array("CBLCACHE".utf8)
    /// 2: the design section starts at an offset ≡ `designResidue` (mod 65,536); 1 (still read):
    /// sections aligned to 64 bytes.
    public static let formatVersion = 2
    /// Where a large `[Double]`'s elements begin within a page: glibc serves an allocation of more
    /// than 32 MiB with its own `mmap` (page-aligned) behind a 16-byte chunk header, and Swift's
    /// array storage puts its elements after a 32-byte object header. A design section at an offset
    /// with the same residue can be mapped over the array's pages (`mapSection`); 65,536 is a
    /// multiple of every page size Linux uses. Elsewhere the read falls back to `pread`.
    static let designResidue = 48
    static let residueModulus = 65_536

    /// The zeros after the header, so that the design section starts where `version` puts it.
    static func padding(afterPrefix length: Int, version: Int) -> Int {
        version >= 2 ? ((designResidue - length) % residueModulus + residueModulus) % residueModulus : (64 - length % 64) % 64
    }

    struct Header: Codable {
        var formatVersion: Int
        var generator: String
        var signature: String
        var rows: Int
        var columns: Int
        var weighted: Bool
        var hasAmounts: Bool
        var encoding: DesignEncoding
        var targetName: String
        var weightName: String?
        var amountName: String?
        var fingerprint: DataFingerprint
        var featureSpec: FeatureSpec?
        var sensitiveOverrides: [SensitiveOverride]
        var selection: SelectionSummary?
        var sensitiveSample: SensitiveSample?
        /// `checksum(_:)` of the sections, in order.
        var checksum: String
    }

    /// Is this file a cache (by its first bytes)?
    public static func isCache(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 8)
        return Glibc.read(fd, &head, 8) == 8 && head == magic
    }

    /// Writes `data` as a cache at `path` (temporary file, then rename), in the current format
    /// unless `version` says otherwise (the tests write format 1 to check it is still read).
    public static func write(_ data: TrainingData, signature: String, to path: String,
                             formatVersion version: Int = DesignCache.formatVersion) throws(DataError) {
        let sections = Self.sections(of: data)
        var sum = Checksum()
        for s in sections { s.withUnsafeBufferPointer { sum.add($0) } }
        let header = Header(formatVersion: version, generator: "ciblage", signature: signature, rows: data.design.rows,
                            columns: data.design.columns, weighted: data.weights != nil, hasAmounts: data.amounts != nil,
                            encoding: data.encoding, targetName: data.targetName, weightName: data.weightName, amountName: data.amountName,
                            fingerprint: data.fingerprint, featureSpec: data.featureSpec, sensitiveOverrides: data.sensitiveOverrides,
                            selection: data.selection, sensitiveSample: data.sensitiveSample, checksum: sum.hex)
        let json: [UInt8]
        do { json = Array(try JSONEncoder().encode(header)) } catch { throw .invalidOption("\(path): cannot encode the cache header: \(error)") }
        var prefix = magic
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { prefix.append(contentsOf: $0) }
        prefix += json
        prefix += [UInt8](repeating: 0, count: padding(afterPrefix: prefix.count, version: version))
        let out = try AtomicFile(path: path)
        try out.write(prefix)
        for s in sections {
            let written: DataError? = s.withUnsafeBytes { raw in
                do throws(DataError) { try out.write(raw.bindMemory(to: UInt8.self)); return nil } catch { return error }
            }
            if let written { throw written }
        }
        try out.commit()
    }

    /// Reads a cache written under `signature`, checking its header, its size and its checksum.
    ///
    /// The design may be mapped from the file (see `mapSection`): a cache must not be rewritten in
    /// place while it is read (`ciblage convert` writes a new file and renames it, which never does).
    public static func read(_ path: String, signature: String) throws(DataError) -> TrainingData {
        try read(path, signature: signature, mapping: true).data
    }

    /// `read`, and how many bytes of the design were mapped rather than copied (for the tests).
    static func read(_ path: String, signature: String, mapping: Bool) throws(DataError) -> (data: TrainingData, mappedBytes: Int) {
        func bad(_ why: String) -> DataError { .invalidOption("\(path): \(why)") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(file: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var start = [UInt8](repeating: 0, count: 16)
        guard readExactly(fd, into: &start, count: 16, at: 0), Array(start[0..<8]) == magic else { throw bad("not a Ciblage cache (convert the CSV with 'ciblage convert')") }
        let length = start[8..<16].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length < 1 << 30 else { throw bad("the cache header is damaged") }
        var json = [UInt8](repeating: 0, count: Int(length))
        guard readExactly(fd, into: &json, count: json.count, at: 16) else { throw bad("the cache is truncated in its header") }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(json)) } catch { throw bad("the cache header is damaged (\(error))") }
        guard header.formatVersion <= formatVersion else { throw bad("the cache was written by a newer Ciblage (format \(header.formatVersion))") }
        guard header.signature == signature else {
            throw bad("the cache was encoded with other settings (spec, target, features, weights or CSV format) than these: convert \(header.fingerprint.file) again with them")
        }
        let padding = Self.padding(afterPrefix: 16 + json.count, version: header.formatVersion)
        let n = header.rows
        var offset = off_t(16 + json.count + padding)
        var sum = Checksum()
        var mappedBytes = 0
        if mapping { MappedFileFault.watch(path) }  // a file truncated under its mapping is named, not a silent crash
        func section(_ count: Int, mappable: Bool = false) throws(DataError) -> [Double] {
            var ok = true
            let values = [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
                if mappable && mapping, let mapped = Self.mapSection(fd, at: offset, into: buffer, threads: Parallelism.defaultThreads, checksum: &sum) {
                    ok = mapped.complete
                    mappedBytes = mapped.bytes
                } else {
                    if let base = buffer.baseAddress { adviseHugePages(base, bytes: count * MemoryLayout<Double>.stride) }
                    ok = Self.readSection(fd, at: offset, into: buffer, threads: Parallelism.defaultThreads, checksum: &sum)
                }
                initialized = ok ? count : 0
            }
            guard ok else { throw bad("the cache is truncated: convert the CSV again") }
            offset += off_t(count * 8)
            return values
        }
        let design = try section(n * header.columns, mappable: true), target = try section(n)
        let weights = header.weighted ? try section(n) : nil, amounts = header.hasAmounts ? try section(n) : nil
        let lines = try section(n)
        guard sum.hex == header.checksum else { throw bad("the cache's content does not match its checksum: it was damaged; convert the CSV again") }
        var data = TrainingData(design: Matrix(rows: n, columns: header.columns, storage: design), target: target, weights: weights,
                                lines: lines.map { Int($0) }, encoding: header.encoding, targetName: header.targetName,
                                weightName: header.weightName, fingerprint: header.fingerprint)
        data.featureSpec = header.featureSpec
        data.sensitiveOverrides = header.sensitiveOverrides
        data.selection = header.selection
        data.amounts = amounts
        data.amountName = header.amountName
        data.sensitiveSample = header.sensitiveSample
        return (data, mappedBytes)
    }

    static func sections(of data: TrainingData) -> [[Double]] {
        [data.design.storage, data.target] + [data.weights, data.amounts].compactMap { $0 } + [data.lines.map(Double.init)]
    }

    /// Fills `buffer` from the file at `offset` with `pread`, in 1 MiB chunks shared among `threads`
    /// workers, and adds the words to `checksum` in file order.
    ///
    /// Why: the read is the first touch of hundreds of megabytes, and on a virtual machine the
    /// kernel's zeroing of fresh pages costs as much as the copy; two cores share both. Each chunk is
    /// summed right after its read, while it is still in cache, instead of in a second pass over the
    /// whole matrix. The chunks are fixed by the size alone, and `Checksum.append` combines them
    /// exactly (integer sums), so the result does not depend on the thread count.
    static func readSection(_ fd: Int32, at offset: off_t, into buffer: UnsafeMutableBufferPointer<Double>, threads: Int,
                            checksum: inout Checksum) -> Bool {
        sumChunks(of: buffer, threads: threads, checksum: &checksum) { start, first, words in
            readExactly(fd, into: start, count: words * 8, at: offset + off_t(first * 8))
        }
    }

    /// Adds `buffer`'s words to `checksum` in 1 MiB chunks shared among `threads` workers, each chunk
    /// after `load` (given its start, first word and word count) has filled it, if there is one.
    /// False when a load failed. The chunks depend on the size alone, so the sum does not depend on
    /// the thread count (`readSection`, and `mapSection`, whose pages are already there).
    static func sumChunks(of buffer: UnsafeMutableBufferPointer<Double>, threads: Int, checksum: inout Checksum,
                          load: ((UnsafeMutablePointer<Double>, Int, Int) -> Bool)? = nil) -> Bool {
        let count = buffer.count
        guard count > 0 else { return true }
        let chunkWords = 1 << 17
        let chunks = (count + chunkWords - 1) / chunkWords
        // A chunk's part, or nil if it could not be loaded whole (the file is shorter than its header says).
        var parts = [Checksum.Part?](repeating: nil, count: chunks)
        let base = UncheckedSendable(buffer.baseAddress!), loader = UncheckedSendable(load)
        let workers = max(1, min(threads, chunks))
        parts.withUnsafeMutableBufferPointer { out in
            let ps = UncheckedSendable(out.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for c in stride(from: w, to: chunks, by: workers) {
                    let first = c * chunkWords, words = min(chunkWords, count - first)
                    let start = base.value + first
                    if let load = loader.value, !load(start, first, words) { continue }
                    ps.value[c] = Checksum.Part(UnsafeBufferPointer(start: start, count: words))
                }
            }
        }
        for part in parts {
            guard let part else { return false }
            checksum.append(part)
        }
        return true
    }

    /// Maps the file's pages over `buffer`'s whole pages, reads the partial pages at its ends with
    /// `pread`, and adds the words to `checksum` as `readSection` does (the same chunks, so the same
    /// sum). Returns nil, having touched nothing, when the two are not congruent modulo the page size
    /// (the file is of format 1, or the allocator put the array elsewhere) or the section is under
    /// 16 MiB, and nil with the array's whole pages given back as fresh memory when the kernel
    /// refuses the mapping (`read` then reads the whole section); `complete` is false when the file
    /// is shorter than the section.
    ///
    /// Why: a fresh array of hundreds of megabytes is written page by page by the kernel twice, once
    /// to zero it and once to copy the page cache into it; on this VM that was 40 % of `train` from
    /// the cache. A private mapping over the array uses the page cache's pages themselves until
    /// something writes to them (copy on write: the file never changes). 2,000,000 × 41 (688 MB):
    /// 0.26 s to `pread` into fresh memory and sum, 0.03 to 0.05 s to map and sum, on one core.
    /// When the array is freed, `free` unmaps its whole range, the file's pages with it.
    static func mapSection(_ fd: Int32, at offset: off_t, into buffer: UnsafeMutableBufferPointer<Double>, threads: Int,
                           checksum: inout Checksum) -> (bytes: Int, complete: Bool)? {
        #if os(Linux)
        guard let base = buffer.baseAddress, buffer.count * 8 >= 1 << 24 else { return nil }
        let page = sysconf(Int32(_SC_PAGESIZE))
        let address = Int(bitPattern: base), bytes = buffer.count * 8
        guard page > 0, address % page == Int(offset) % page else { return nil }
        var status = stat()
        guard fstat(fd, &status) == 0 else { return nil }
        guard Int(status.st_size) >= Int(offset) + bytes else { return (0, false) }
        let head = (page - address % page) % page
        let body = (bytes - head) / page * page
        let tail = bytes - head - body
        let raw = UnsafeMutableRawPointer(base)
        guard let start = UnsafeMutableRawPointer(bitPattern: address + head) else { return nil }
        // The partial pages first: once the mapping exists, the file is only read through its pages.
        guard readExactly(fd, into: raw, count: head, at: offset),
              readExactly(fd, into: raw + head + body, count: tail, at: offset + off_t(head + body)) else { return (0, false) }
        let mapped = mmap(start, body, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, offset + off_t(head))
        guard mapped == start else {
            // The range may have been unmapped by the failed call: give the array its memory back.
            let anonymous = mmap(start, body, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0)
            precondition(anonymous == start, "cannot restore the memory of an array after a failed mmap")
            return nil
        }
        _ = sumChunks(of: buffer, threads: threads, checksum: &checksum)  // nothing to load: it cannot fail
        return (body, true)
        #else
        return nil
        #endif
    }

    /// Two running sums over the 64-bit words (a Fletcher-style checksum): cheap enough to run on
    /// every read (one add per word), and it sees a flipped bit, a zeroed page or swapped words.
    ///
    /// Over words v₁…vₙ from (a₀, b₀): a = a₀ + Σvᵢ and b = b₀ + n·a₀ + Σₖ Pₖ, with Pₖ = v₁ + … + vₖ.
    /// So a chunk summed from zero (its `Part`: n, Σvᵢ, ΣPₖ) is appended to any state exactly, in
    /// wrapping arithmetic, and chunks can be summed in parallel.
    struct Checksum {
        var a: UInt64 = 0x9E37_79B9_7F4A_7C15, b: UInt64 = 0

        struct Part {
            var words: UInt64, sum: UInt64, prefixSums: UInt64
            init(_ values: UnsafeBufferPointer<Double>) {
                var s: UInt64 = 0, t: UInt64 = 0
                for v in values {
                    s = s &+ v.bitPattern
                    t = t &+ s
                }
                words = UInt64(values.count); sum = s; prefixSums = t
            }
        }

        mutating func add(_ values: UnsafeBufferPointer<Double>) { append(Part(values)) }

        mutating func append(_ part: Part) {
            b = b &+ part.words &* a &+ part.prefixSums
            a = a &+ part.sum
        }
        var hex: String { String(format: "%016llx%016llx", a, b) }
    }
}

extension TableSpec {
    /// The settings that decide the encoding, as one text: a cache is read only under the settings it
    /// was written with.
    public var signature: String {
        struct Signature: Encodable {
            var target: String, features: [String]?, categorical: [String], boolean: [String], dates: [String]
            var references: [String: String], weight: String?, id: String?, delimiter: UInt8?, decimalComma: Bool
            var missing: [String: MissingPolicy], bins: [String: Binning], declaredLevels: [String: [String]]
            var provenance: [String]?, featureSpec: FeatureSpec?, sensitiveOverrides: [SensitiveOverride], amount: String?
            var rows: [String]?
        }
        let p = provenance.map { [$0.column, $0.use.map(\.rawValue).sorted().joined(separator: ","), $0.inclusionColumn ?? "", $0.weighting.rawValue] }
        let s = Signature(target: target, features: features, categorical: categorical, boolean: boolean, dates: dates, references: references,
                          weight: weight, id: id, delimiter: format.delimiter, decimalComma: format.decimalComma, missing: missing, bins: bins,
                          declaredLevels: declaredLevels, provenance: p, featureSpec: featureSpec, sensitiveOverrides: sensitiveOverrides, amount: amount,
                          rows: rowFilter.map { [$0.column] + $0.values.sorted() })
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(s)) ?? Data(), as: UTF8.self)
    }
}

extension TrainingData {
    /// A training file: a cache written by `ciblage convert` (checked against `spec`), or a CSV.
    public static func load(path: String, spec: TableSpec) throws(DataError) -> TrainingData {
        DesignCache.isCache(path) ? try DesignCache.read(path, signature: spec.signature) : try read(path: path, spec: spec)
    }
}

extension DataFingerprint {
    /// The fingerprint of a file read once more, in 1 MiB reads: for a cache whose rows were read
    /// by another loop than `TrainingData.read` (an evaluation cache, encoded under a model).
    public static func of(file path: String, rows: Int) throws(DataError) -> DataFingerprint {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(file: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let hasher = HashBox()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var total = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw .cannotOpen(file: path, reason: String(cString: strerror(errno))) }
            if n == 0 { break }
            buffer.withUnsafeBufferPointer { hasher.update(UnsafeBufferPointer(rebasing: $0[0..<n])) }
            total += n
        }
        return DataFingerprint(file: path, rows: rows, bytes: total, sha256: hasher.hexDigest())
    }
}

