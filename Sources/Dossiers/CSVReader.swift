#if canImport(Glibc)
import Glibc
#endif

/// How a CSV file is laid out. `delimiter == nil` means: detect it from the header line.
public struct CSVFormat: Sendable, Equatable {
    public var delimiter: UInt8?
    /// Numbers use ',' as the decimal mark (French spreadsheets); the delimiter is then ';' or tab.
    public var decimalComma: Bool

    public init(delimiter: UInt8? = nil, decimalComma: Bool = false) {
        self.delimiter = delimiter
        self.decimalComma = decimalComma
    }

    /// Parses a delimiter given on the command line: ",", ";", "tab" or "\t".
    public static func delimiter(named name: String) -> UInt8? {
        switch name {
        case ",", "comma": UInt8(ascii: ",")
        case ";", "semicolon": UInt8(ascii: ";")
        case "\t", "\\t", "tab": UInt8(ascii: "\t")
        case "|", "pipe": UInt8(ascii: "|")
        default: nil
        }
    }
}

/// A streaming RFC 4180 reader: quoted fields, doubled quotes, embedded newlines, CRLF or LF,
/// a UTF-8 BOM, and a header row. Blank lines are skipped.
///
/// The file is read in 1 MiB chunks into one buffer. A record is parsed in place: fields are
/// (start, end) offsets into the buffer, and doubled quotes are removed by compacting the quoted
/// field inside the buffer, so unquoted fields are never copied. When a record runs past the end of
/// the buffer, its bytes are moved to the front and the next chunk is read after them (the buffer
/// grows only for a record longer than itself). Memory therefore stays at one chunk plus the
/// longest record, whatever the file size.
///
/// Use: `while try reader.next() { reader.withField(j) { bytes in … } }`.
public final class CSVReader {
    public let file: String
    // @exclusivity(unchecked) on the state the per-record path reads and writes: a reader is used
    // by one thread at a time and no access to these properties is held across a call (no inout
    // argument of them), so the dynamic checks could never fire; they were 3 % of `ciblage score`.
    @exclusivity(unchecked) public private(set) var header: [String] = []
    @exclusivity(unchecked) public private(set) var delimiter: UInt8 = UInt8(ascii: ",")
    public let format: CSVFormat
    /// The line (1-based, header = 1) at which the current record starts.
    @exclusivity(unchecked) public internal(set) var line = 0
    /// The number of data records returned so far.
    @exclusivity(unchecked) public internal(set) var recordCount = 0
    /// The file line of the first byte this reader was given (for a block, the line it starts on).
    public private(set) var startLine = 1
    /// Bytes consumed from the file so far.
    public private(set) var bytesRead = 0
    @exclusivity(unchecked) public internal(set) var fieldCount = 0

    private let fd: Int32
    private var borrowed = false
    private let chunkSize = 1 << 20
    // Internal rather than private for the plain-record path (CSVReader+PlainRecords.swift).
    @exclusivity(unchecked) var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    @exclusivity(unchecked) var end = 0
    @exclusivity(unchecked) var position = 0
    @exclusivity(unchecked) var recordStart = 0
    var atEOF = false
    @exclusivity(unchecked) var fieldStarts: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) var fieldEnds: UnsafeMutablePointer<Int>
    private var fieldCapacity = 64
    @exclusivity(unchecked) var physicalLine = 1
    /// In a block without quotes or carriage returns, the offset just after its last LF: records
    /// before it may take the plain-record path. 0 elsewhere.
    @exclusivity(unchecked) var plainEnd = 0
    private var skipLineFeed = false
    private var onChunk: ((UnsafeBufferPointer<UInt8>) -> Void)?

    /// Opens `path` and reads its header. `onChunk`, if given, sees every byte of the file once
    /// (used to fingerprint training data without a second read).
    public init(path: String, format: CSVFormat = CSVFormat(),
                onChunk: ((UnsafeBufferPointer<UInt8>) -> Void)? = nil) throws(DataError) {
        file = path
        self.format = format
        self.onChunk = onChunk
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .cannotOpen(file: path, reason: String(cString: strerror(errno))) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw .cannotOpen(file: path, reason: "it is a directory")
        }
        self.fd = fd
        capacity = 2 * chunkSize
        buffer = .allocate(capacity: capacity)
        fieldStarts = .allocate(capacity: fieldCapacity)
        fieldEnds = .allocate(capacity: fieldCapacity)
        try readHeader()
    }

    /// A reader over one block of whole records already in memory (see `CSVBlockReader`): `bytes` is
    /// borrowed, not copied, and must outlive the reader; quoted fields are unescaped in place.
    /// `firstLine` is the file line of the block's first byte, so that errors name the right line.
    /// `plain`: the block holds no quote and no carriage return (the plain-record path applies; it
    /// reads no byte past the block's last LF).
    init(block bytes: UnsafeMutableBufferPointer<UInt8>, file: String, header: [String], delimiter: UInt8,
         format: CSVFormat, firstLine: Int, plain: Bool = false) {
        self.file = file
        self.format = format
        self.header = header
        self.delimiter = delimiter
        fd = -1
        borrowed = true
        precondition(!bytes.isEmpty, "a block holds at least one byte")  // the splitter never makes empty blocks
        buffer = bytes.baseAddress!
        capacity = bytes.count
        end = bytes.count
        atEOF = true
        physicalLine = firstLine
        startLine = firstLine
        fieldCapacity = max(fieldCapacity, header.count)
        fieldStarts = .allocate(capacity: fieldCapacity)
        fieldEnds = .allocate(capacity: fieldCapacity)
        if plain {
            var last = bytes.count - 1
            while last >= 0 && bytes[last] != 0x0A { last -= 1 }
            plainEnd = last + 1
        }
    }

    /// Reads records built in memory (`records` holds data lines only, without the header) exactly as
    /// a file's are read: for rows made in code, such as counterfactual profiles, so that levels,
    /// missing values and numbers are decoded by the same code as `ciblage score`'s. `name` stands for
    /// the file in error messages.
    public static func withRecords<R>(_ records: [UInt8], header: [String], name: String, format: CSVFormat = CSVFormat(),
                                      _ body: (CSVReader) throws -> R) rethrows -> R {
        var bytes = records.isEmpty ? [0x0A] : records
        let delimiter = format.delimiter ?? UInt8(ascii: ",")
        return try bytes.withUnsafeMutableBufferPointer { buffer in
            let reader = CSVReader(block: buffer, file: name, header: header, delimiter: delimiter, format: format, firstLine: 2)
            return try body(reader)
        }
    }

    /// Where the data records start: the byte offset just after the header record, and its line.
    var dataStart: (offset: Int, line: Int) { (bytesRead - (end - position), physicalLine) }

    deinit {
        if fd >= 0 { close(fd) }
        if !borrowed { buffer.deallocate() }
        fieldStarts.deallocate(); fieldEnds.deallocate()
    }

    // MARK: Header

    private func readHeader() throws(DataError) {
        _ = refill()
        if end >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { position = 3 }  // UTF-8 BOM
        delimiter = format.delimiter ?? detectDelimiter()
        guard try nextRecord() else { throw .emptyFile(file: file) }
        var names: [String] = []
        var seen = Set<String>()
        for j in 0..<fieldCount {
            let name = withField(j) { String(validating: $0, as: UTF8.self) }
            guard let name else { throw .invalidUTF8(file: file, line: 1, column: "#\(j + 1)") }
            let trimmed = name.trimmingSpaces
            if trimmed.isEmpty { throw .emptyColumnName(file: file, position: j + 1) }
            if !seen.insert(trimmed).inserted { throw .duplicateColumn(file: file, name: trimmed) }
            names.append(trimmed)
        }
        header = names
    }

    /// Counts ',', ';' and tab outside quotes on the first line; the most frequent wins (',' on ties).
    private func detectDelimiter() -> UInt8 {
        var counts: [UInt8: Int] = [UInt8(ascii: ","): 0, UInt8(ascii: ";"): 0, UInt8(ascii: "\t"): 0]
        var inQuotes = false
        var i = position
        while i < end {
            let c = buffer[i]
            if c == UInt8(ascii: "\"") { inQuotes.toggle() } else if !inQuotes {
                if c == 0x0A || c == 0x0D { break }
                if counts[c] != nil { counts[c]! += 1 }
            }
            i += 1
        }
        if format.decimalComma { counts[UInt8(ascii: ",")] = 0 }
        let best = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")].max { counts[$0]! < counts[$1]! }!
        if counts[best]! == 0 { return format.decimalComma ? UInt8(ascii: ";") : UInt8(ascii: ",") }
        return best
    }

    // MARK: Records

    /// Advances to the next data record. Returns false at the end of the file.
    /// Throws on malformed quoting and on a record whose field count differs from the header's.
    public func next() throws(DataError) -> Bool {
        guard try nextRecord() else { return false }
        if fieldCount != header.count {
            throw .raggedRow(file: file, line: line, expected: header.count, found: fieldCount)
        }
        recordCount += 1
        return true
    }

    /// Calls `body` with the unescaped bytes of field `index` of the current record.
    @inline(__always)
    public func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: buffer + fieldStarts[index], count: fieldEnds[index] - fieldStarts[index]))
    }

    /// The raw bytes of field `index` (valid until the next call to `next()`).
    @inline(__always)
    public func field(_ index: Int) -> (start: UnsafePointer<UInt8>, count: Int) {
        (UnsafePointer(buffer + fieldStarts[index]), fieldEnds[index] - fieldStarts[index])
    }

    /// Field `index` as a String, refusing invalid UTF-8 with the place named.
    public func string(_ index: Int) throws(DataError) -> String {
        guard let s = withField(index, { String(validating: $0, as: UTF8.self) }) else {
            throw .invalidUTF8(file: file, line: line, column: columnName(index))
        }
        return s
    }

    public func columnName(_ index: Int) -> String {
        index < header.count ? header[index] : "#\(index + 1)"
    }

    /// Makes room and reads the next chunk after the bytes of the current record, which move to the
    /// front of the buffer. Returns the shift applied to offsets (callers subtract it from theirs) and
    /// whether new bytes arrived (false at the end of the file).
    private func refill() -> (shift: Int, more: Bool) {
        guard !atEOF else { return (0, false) }
        let shift = recordStart
        if shift > 0 {
            let keep = end - shift
            if keep > 0 { buffer.update(from: buffer + shift, count: keep) }
            for k in 0..<fieldCount { fieldStarts[k] -= shift; fieldEnds[k] -= shift }
            end = keep; position -= shift; recordStart = 0
        }
        if capacity - end < chunkSize {
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            grown.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = grown; capacity *= 2
        }
        var n = 0
        repeat { n = read(fd, buffer + end, chunkSize) } while n < 0 && errno == EINTR
        if n <= 0 { atEOF = true; return (shift, false) }
        onChunk?(UnsafeBufferPointer(start: buffer + end, count: n))
        end += n; bytesRead += n
        return (shift, true)
    }

    @inline(__always) private func endField(_ start: Int, _ stop: Int) {
        if fieldCount == fieldCapacity {
            let starts = UnsafeMutablePointer<Int>.allocate(capacity: fieldCapacity * 2)
            let ends = UnsafeMutablePointer<Int>.allocate(capacity: fieldCapacity * 2)
            starts.update(from: fieldStarts, count: fieldCount); ends.update(from: fieldEnds, count: fieldCount)
            fieldStarts.deallocate(); fieldEnds.deallocate()
            fieldStarts = starts; fieldEnds = ends; fieldCapacity *= 2
        }
        fieldStarts[fieldCount] = start
        fieldEnds[fieldCount] = stop
        fieldCount += 1
    }

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    /// Skips, 16 bytes at a time, the bytes that cannot end an unquoted field; returns the position of
    /// the first 16-byte window holding a delimiter, quote or line break (or of the last partial window).
    @inline(__always) private func scanUnquoted(from start: Int, delimiter: UInt8) -> Int {
        var i = start
        let d = SIMD16<UInt8>(repeating: delimiter), q = SIMD16<UInt8>(repeating: UInt8(ascii: "\""))
        let lf = SIMD16<UInt8>(repeating: 0x0A), cr = SIMD16<UInt8>(repeating: 0x0D)
        while i + 16 <= end {
            let v = UnsafeRawPointer(buffer + i).loadUnaligned(as: SIMD16<UInt8>.self)
            let hit = (v .== d) .| (v .== q) .| (v .== lf) .| (v .== cr)
            let lanes = unsafeBitCast(hit, to: SIMD2<UInt64>.self)  // 0xFF per byte that hits; no `any`: it is not inlined
            if lanes[0] | lanes[1] != 0 {
                return i + (lanes[0] != 0 ? lanes[0].trailingZeroBitCount / 8 : 8 + lanes[1].trailingZeroBitCount / 8)
            }
            i += 16
        }
        return i
    }

    /// The RFC 4180 state machine over the buffer.
    private func nextRecord() throws(DataError) -> Bool {
        let quote = UInt8(ascii: "\""), lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
        let delim = delimiter
        fieldCount = 0
        var state = State.fieldStart
        var fieldStart = position  // first byte of the current field's content
        var write = position       // quoted fields: where the next unescaped byte goes
        var pendingLineFeed = skipLineFeed
        skipLineFeed = false
        recordStart = position
        line = physicalLine
        while true {
            if position == end {
                let (shift, more) = refill()
                fieldStart -= shift; write -= shift
                guard more else {
                    switch state {
                    case .quoted: throw .unclosedQuote(file: file, line: line)
                    case .fieldStart where fieldCount == 0: return false
                    case .fieldStart: endField(position, position)
                    case .unquoted: endField(fieldStart, position)
                    case .quoteInQuoted: endField(fieldStart, write)
                    }
                    return true
                }
                continue
            }
            if pendingLineFeed {  // the LF of a CRLF that ended a blank line
                pendingLineFeed = false
                if buffer[position] == lf { position += 1; recordStart = position; fieldStart = position; continue }
            }
            switch state {
            case .fieldStart:
                let c = buffer[position]
                if c == quote {
                    position += 1; fieldStart = position; write = position; state = .quoted
                    continue
                }
                if fieldCount == 0 && (c == lf || c == cr) {  // blank line
                    position += 1; physicalLine += 1
                    pendingLineFeed = c == cr
                    recordStart = position; fieldStart = position; line = physicalLine
                    continue
                }
                fieldStart = position
                state = .unquoted
                fallthrough
            case .unquoted:
                var i = scanUnquoted(from: position, delimiter: delim)
                while i < end {
                    let c = buffer[i]
                    if c == delim || c == lf || c == cr || c == quote { break }
                    i += 1
                }
                position = i
                if i == end { continue }
                let c = buffer[i]
                if c == delim {
                    endField(fieldStart, i); position = i + 1; state = .fieldStart
                } else if c == quote {
                    throw .strayQuote(file: file, line: physicalLine, column: columnName(fieldCount))
                } else {
                    endField(fieldStart, i)
                    try finishLine(at: i)
                    return true
                }
            case .quoted:
                var i = position, w = write
                while i < end {
                    let c = buffer[i]
                    if c == quote { break }
                    if c == lf { physicalLine += 1 } else if c == cr, i + 1 < end, buffer[i + 1] != lf { physicalLine += 1 }
                    if w != i { buffer[w] = c }
                    w += 1; i += 1
                }
                position = i; write = w
                if i < end { position += 1; state = .quoteInQuoted }
            case .quoteInQuoted:
                let c = buffer[position]
                if c == quote {
                    buffer[write] = quote; write += 1; position += 1; state = .quoted
                } else if c == delim {
                    endField(fieldStart, write); position += 1; state = .fieldStart
                } else if c == lf || c == cr {
                    endField(fieldStart, write)
                    try finishLine(at: position)
                    return true
                } else {
                    throw .textAfterClosingQuote(file: file, line: physicalLine, column: columnName(fieldCount))
                }
            }
        }
    }

    /// Consumes the line break at `i` (LF, CR or CRLF) that ends the current record. The LF of a CRLF
    /// split across two reads is skipped at the start of the next record.
    @inline(__always) private func finishLine(at i: Int) throws(DataError) {
        physicalLine += 1
        position = i + 1
        if buffer[i] == 0x0D {
            if position < end { if buffer[position] == 0x0A { position += 1 } } else { skipLineFeed = true }
        }
    }
}

extension String {
    public var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
