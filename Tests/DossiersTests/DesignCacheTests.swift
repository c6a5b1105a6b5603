import CiblageSupport
import Foundation
import Testing
@testable import Dossiers
import LinearAlgebra

/// The training cache: the same table as the CSV, refused under other settings, and a damaged or
/// truncated file named as such.
@Suite struct DesignCacheTests {
    static func table() -> (path: String, spec: TableSpec) {
        var g = SplitMix64(seed: 9)
        var text = "id,y,w,region,x,montant\n"
        for i in 0..<3000 {
            let y = g.next() % 2
            text += "D\(i),\(y),\(1 + g.next() % 3),\(["A", "B", "C"][Int(g.next() % 3)]),\(g.normal()),\(y == 1 ? 100 + Double(g.next() % 900) : 0)\n"
        }
        var spec = TableSpec(target: "y", categorical: ["region"], weight: "w")
        spec.amount = "montant"
        return (temporaryFile(text), spec)
    }

    @Test func theCacheGivesBackTheTableOfTheCSV() throws {
        let (path, spec) = Self.table()
        var csv = try TrainingData.read(path: path, spec: spec)
        csv.sensitiveSample = SensitiveSample(attributes: ["handicap"], rows: [0, 2], values: [["1"], ["0"]])
        let cache = path + ".cbl"
        try DesignCache.write(csv, signature: spec.signature, to: cache)
        #expect(DesignCache.isCache(cache) && !DesignCache.isCache(path))
        let back = try TrainingData.load(path: cache, spec: spec)
        #expect(back.design == csv.design && back.target == csv.target && back.weights == csv.weights && back.amounts == csv.amounts)
        #expect(back.lines == csv.lines && back.encoding == csv.encoding && back.fingerprint == csv.fingerprint)
        #expect(back.fingerprint.file == path, "a model trained from the cache records the CSV")
        #expect(back.sensitiveSample == csv.sensitiveSample && back.amountName == "montant" && back.weightName == "w")
        // The CSV path still reads the CSV.
        #expect(try TrainingData.load(path: path, spec: spec).design == csv.design)
    }

    @Test func otherSettingsADamagedOrATruncatedCacheAreRefused() throws {
        let (path, spec) = Self.table()
        let cache = path + ".cbl"
        try DesignCache.write(try TrainingData.read(path: path, spec: spec), signature: spec.signature, to: cache)
        var other = spec
        other.references = ["region": "B"]
        let settings = #expect(throws: DataError.self) { try TrainingData.load(path: cache, spec: other) }
        #expect("\(settings!)".contains("encoded with other settings") && "\(settings!)".contains(path))

        var bytes = try Data(contentsOf: URL(fileURLWithPath: cache))
        bytes[bytes.count - 100] ^= 0x10
        let damagedPath = path + ".damaged.cbl"
        try bytes.write(to: URL(fileURLWithPath: damagedPath))
        let damaged = #expect(throws: DataError.self) { try TrainingData.load(path: damagedPath, spec: spec) }
        #expect("\(damaged!)".contains("does not match its checksum"))

        let truncatedPath = path + ".truncated.cbl"
        try bytes.prefix(bytes.count - 8).write(to: URL(fileURLWithPath: truncatedPath))
        let truncated = #expect(throws: DataError.self) { try TrainingData.load(path: truncatedPath, spec: spec) }
        #expect("\(truncated!)".contains("truncated"))
    }

    /// The parallel read: chunks land where they belong, and their checksums, summed apart and
    /// appended, equal one running sum over the whole section, for any number of workers.
    @Test func aSectionReadInParallelChunksIsTheFileAndItsChecksumIsTheSequentialOne() throws {
        var g = SplitMix64(seed: 31)
        let count = 3 * (1 << 17) + 12_345
        let values = (0..<count).map { _ in Double(bitPattern: g.next()) }
        let skip = 24
        var bytes = Data(repeating: 7, count: skip)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        let path = temporaryFile("")
        try bytes.write(to: URL(fileURLWithPath: path))
        var expected = DesignCache.Checksum()
        values.withUnsafeBufferPointer { expected.add($0) }
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        for threads in [1, 2, 3] {
            var sum = DesignCache.Checksum()
            var back = [Double](repeating: 0, count: count)
            let ok = back.withUnsafeMutableBufferPointer { DesignCache.readSection(fd, at: off_t(skip), into: $0, threads: threads, checksum: &sum) }
            #expect(ok)
            #expect(back.map(\.bitPattern) == values.map(\.bitPattern), "threads \(threads)")
            #expect(sum.hex == expected.hex, "threads \(threads)")
        }
        var sum = DesignCache.Checksum()
        var tooMany = [Double](repeating: 0, count: count + 1)
        #expect(!tooMany.withUnsafeMutableBufferPointer { DesignCache.readSection(fd, at: off_t(skip), into: $0, threads: 2, checksum: &sum) },
                "a section longer than the file is a truncated cache")
    }

    /// The table of `table()` repeated to a design of more than 32 MiB (glibc serves it with its own
    /// mapping, so the array and a format-2 cache are congruent and the design can be mapped).
    static func largeTable() throws -> (data: TrainingData, spec: TableSpec) {
        let (path, spec) = table()
        var data = try TrainingData.read(path: path, spec: spec)
        let copies = (40 << 20) / (data.design.storage.count * 8) + 1
        data.design = Matrix(rows: data.design.rows * copies, columns: data.design.columns,
                             storage: Array((0..<copies).map { c in data.design.storage.map { $0 + Double(c) } }.joined()))
        data.target = Array(repeatElement(data.target, count: copies).joined())
        data.weights = data.weights.map { Array(repeatElement($0, count: copies).joined()) }
        data.amounts = data.amounts.map { Array(repeatElement($0, count: copies).joined()) }
        data.lines = Array(repeatElement(data.lines, count: copies).joined())
        return (data, spec)
    }

    /// A large design is mapped from the file, not copied: the same table as a read with `pread`,
    /// the checksum still verified, and writing to the matrix changes the process's copy only.
    @Test func aLargeDesignIsMappedAndIsTheSameTableAsOneRead() throws {
        let (data, spec) = try Self.largeTable()
        let cache = temporaryFile("") + ".cbl"
        try DesignCache.write(data, signature: spec.signature, to: cache)
        var mapped = try DesignCache.read(cache, signature: spec.signature, mapping: true)
        let copied = try DesignCache.read(cache, signature: spec.signature, mapping: false)
        #if os(Linux)
        #expect(mapped.mappedBytes >= data.design.storage.count * 8 - 2 * 65_536, "the design was mapped")
        #endif
        #expect(copied.mappedBytes == 0)
        #expect(mapped.data.design.storage.map(\.bitPattern) == data.design.storage.map(\.bitPattern))
        #expect(copied.data.design == data.design && mapped.data.target == data.target && mapped.data.weights == data.weights)
        #expect(mapped.data.amounts == data.amounts && mapped.data.lines == data.lines)
        // Copy on write: the file keeps its bytes.
        let middle = data.design.rows / 2
        mapped.data.design[middle, 1] = 1e300
        #expect(mapped.data.design[middle, 1] == 1e300)
        #expect(try DesignCache.read(cache, signature: spec.signature).design == data.design)

        // A flipped bit inside the mapped pages, and a file that ends inside the design.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: cache))
        let designStart = bytes.count - (data.design.storage.count + 4 * data.design.rows) * 8
        bytes[designStart + 8 * 65_536 + 3] ^= 0x04
        let damagedPath = cache + ".damaged.cbl"
        try bytes.write(to: URL(fileURLWithPath: damagedPath))
        let damaged = #expect(throws: DataError.self) { try DesignCache.read(damagedPath, signature: spec.signature, mapping: true) }
        #expect("\(damaged!)".contains("does not match its checksum"))
        let truncatedPath = cache + ".truncated.cbl"
        try bytes.prefix(designStart + 8 * data.design.storage.count / 2).write(to: URL(fileURLWithPath: truncatedPath))
        let truncated = #expect(throws: DataError.self) { try DesignCache.read(truncatedPath, signature: spec.signature, mapping: true) }
        #expect("\(truncated!)".contains("truncated"))
    }

    /// A cache of format 1 (sections aligned to 64 bytes) is still read, with `pread`.
    @Test func aCacheOfFormatOneIsStillRead() throws {
        let (data, spec) = try Self.largeTable()
        let cache = temporaryFile("") + ".cbl"
        try DesignCache.write(data, signature: spec.signature, to: cache, formatVersion: 1)
        let back = try DesignCache.read(cache, signature: spec.signature, mapping: true)
        #expect(back.mappedBytes == 0 && back.data.design == data.design && back.data.lines == data.lines)
    }

    /// A mapping the kernel refuses (here the descriptor is open for writing only) gives the array
    /// its pages back as memory of its own, writable, and says so (nil), so `read` falls back to
    /// `pread`; with a hole left there, the writes below would fault. The buffer is page-aligned and
    /// a whole number of pages, so that there is no partial page to `pread` (which the descriptor
    /// would refuse first).
    @Test func aRefusedMappingGivesTheArrayItsMemoryBack() throws {
        #if os(Linux)
        let page = sysconf(Int32(_SC_PAGESIZE))
        let count = 3 << 20  // 24 MiB: over the size worth mapping, a whole number of pages
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * 8, alignment: page)
        defer { raw.deallocate() }
        let buffer = UnsafeMutableBufferPointer(start: raw.bindMemory(to: Double.self, capacity: count), count: count)
        buffer.initialize(repeating: 1)
        let path = temporaryFile("")
        let fd = open(path, O_WRONLY)
        defer { close(fd) }
        #expect(ftruncate(fd, off_t(count * 8)) == 0)
        var sum = DesignCache.Checksum()
        let mapped = DesignCache.mapSection(fd, at: 0, into: buffer, threads: 2, checksum: &sum)
        #expect(mapped.map { _ in true } == nil)
        for i in stride(from: 0, to: count, by: 512) { buffer[i] = Double(i) }
        #expect(stride(from: 0, to: count, by: 512).allSatisfy { buffer[$0] == Double($0) })
        #endif
    }
}
