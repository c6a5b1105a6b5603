import Dossiers

/// Tokenises and converts every field of a numeric CSV file with the workers of `CSVBlockReader` and
/// the reader's plain-record path (the fields converted as they are tokenised), and returns their sum
/// so that nothing is optimised away: the parsing half of reading a training file, without the
/// design matrix and the fingerprint.
public func sumOfEveryField(path: String, threads: Int) throws -> Double {
    let reader = try CSVBlockReader(path: path)
    let n = reader.header.count
    let numbers = NumberColumns(fieldCount: n, destinations: Dictionary(uniqueKeysWithValues: (0..<n).map { ($0, $0) }))
    var sum = 0.0
    try reader.forEachBlock(threads: threads, parse: { block -> Double in
        var values = [Double](repeating: 0, count: n)
        return try values.withUnsafeMutableBufferPointer { out -> Double in
            var part = 0.0
            while try block.next(numbers: numbers, into: out.baseAddress!) {
                for j in 0..<n {
                    let v = out[j]
                    part += v.isNaN ? try block.number(j) : v
                }
            }
            return part
        }
    }) { sum += $0 }
    return sum
}
