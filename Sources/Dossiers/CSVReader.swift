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
/// a UTF-8 BOM, and a header row. It reads the file in 1 MiB chunks and exposes one record at a
/// time as byte ranges, so memory does not grow with the file and numeric fields are parsed without
/// building Strings. Blank lines are skipped.
///
/// Use: `while try reader.next() { reader.withField(j) { bytes in … } }`.
public final class CSVReader {
    public let file: String
    public private(set) var header: [String] = []
    public private(set) var delimiter: UInt8 = UInt8(ascii: ",")
    public let format: CSVFormat
    /// The line (1-based, header = 1) at which the current record starts.
    public private(set) var line = 0
    /// The number of data records returned so far.
    public private(set) var recordCount = 0
    /// Bytes consumed from the file so far.
    public private(set) var bytesRead = 0

    private let fd: Int32
    private let chunkSize = 1 << 20
    private var chunk: UnsafeMutablePointer<UInt8>
    private var position = 0, end = 0, atEOF = false
    private var record: UnsafeMutablePointer<UInt8>
    private var recordCapacity = 4096, recordLength = 0
    private var fieldEnds: UnsafeMutablePointer<Int>
    private var fieldCapacity = 64
    public private(set) var fieldCount = 0
    private var physicalLine = 1
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
        chunk = .allocate(capacity: chunkSize)
        record = .allocate(capacity: recordCapacity)
        fieldEnds = .allocate(capacity: fieldCapacity)
        try readHeader()
    }

    deinit {
        close(fd)
        chunk.deallocate(); record.deallocate(); fieldEnds.deallocate()
    }

    // MARK: Header

    private func readHeader() throws(DataError) {
        refill()
        if end >= 3, chunk[0] == 0xEF, chunk[1] == 0xBB, chunk[2] == 0xBF { position = 3 }  // UTF-8 BOM
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
            let c = chunk[i]
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
        let start = index == 0 ? 0 : fieldEnds[index - 1]
        return try body(UnsafeBufferPointer(start: record + start, count: fieldEnds[index] - start))
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

    private func refill() {
        guard !atEOF else { position = 0; end = 0; return }
        var n = 0
        repeat { n = read(fd, chunk, chunkSize) } while n < 0 && errno == EINTR
        if n <= 0 { atEOF = true; position = 0; end = 0; return }
        position = 0; end = n; bytesRead += n
        onChunk?(UnsafeBufferPointer(start: chunk, count: n))
    }

    @inline(__always) private func append(_ from: UnsafePointer<UInt8>, _ count: Int) {
        if recordLength + count > recordCapacity {
            var newCapacity = recordCapacity * 2
            while recordLength + count > newCapacity { newCapacity *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: record, count: recordLength)
            record.deallocate()
            record = grown; recordCapacity = newCapacity
        }
        (record + recordLength).update(from: from, count: count)
        recordLength += count
    }

    @inline(__always) private func endField() {
        if fieldCount == fieldCapacity {
            let grown = UnsafeMutablePointer<Int>.allocate(capacity: fieldCapacity * 2)
            grown.update(from: fieldEnds, count: fieldCount)
            fieldEnds.deallocate()
            fieldEnds = grown; fieldCapacity *= 2
        }
        fieldEnds[fieldCount] = recordLength
        fieldCount += 1
    }

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    /// The RFC 4180 state machine. Unquoted runs are copied with one memcpy per run.
    private func nextRecord() throws(DataError) -> Bool {
        let quote = UInt8(ascii: "\""), lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
        let delim = delimiter
        recordLength = 0; fieldCount = 0
        var state = State.fieldStart
        var started = false
        line = physicalLine
        while true {
            if position == end {
                refill()
                if end == 0 {
                    switch state {
                    case .quoted: throw .unclosedQuote(file: file, line: line)
                    case .fieldStart where !started: return false
                    default: endField(); return true
                    }
                }
            }
            if skipLineFeed {
                skipLineFeed = false
                if chunk[position] == lf { position += 1; continue }
            }
            switch state {
            case .fieldStart, .unquoted:
                let runStart = position
                var i = position
                while i < end {
                    let c = chunk[i]
                    if c == delim || c == lf || c == cr || c == quote { break }
                    i += 1
                }
                if i > runStart {
                    append(chunk + runStart, i - runStart)
                    state = .unquoted; started = true
                }
                position = i
                if i == end { continue }
                let c = chunk[i]
                position += 1
                if c == delim {
                    endField(); state = .fieldStart; started = true
                } else if c == quote {
                    if state == .unquoted { throw .strayQuote(file: file, line: physicalLine, column: columnName(fieldCount)) }
                    state = .quoted; started = true
                } else {  // end of line
                    physicalLine += 1
                    if c == cr { skipLineFeed = true }
                    if !started { line = physicalLine; continue }  // blank line
                    endField(); return true
                }
            case .quoted:
                let runStart = position
                var i = position
                while i < end {
                    let c = chunk[i]
                    if c == quote { break }
                    if c == lf { physicalLine += 1 } else if c == cr, i + 1 < end, chunk[i + 1] != lf { physicalLine += 1 }
                    i += 1
                }
                if i > runStart { append(chunk + runStart, i - runStart) }
                position = i
                if i < end { position += 1; state = .quoteInQuoted }
            case .quoteInQuoted:
                let c = chunk[position]
                position += 1
                if c == quote {
                    var q = quote; append(&q, 1); state = .quoted
                } else if c == delim {
                    endField(); state = .fieldStart
                } else if c == lf || c == cr {
                    physicalLine += 1
                    if c == cr { skipLineFeed = true }
                    endField(); return true
                } else {
                    throw .textAfterClosingQuote(file: file, line: physicalLine, column: columnName(fieldCount))
                }
            }
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
