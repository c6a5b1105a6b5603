/// Appends a field's bytes to a CSV line, quoted only when it holds a delimiter, quote or line break
/// (the same rule as `csvField`, without building a String: the scorer's per-row path).
public func appendCSVField(_ field: UnsafeBufferPointer<UInt8>, to line: inout [UInt8]) {
    var plain = true
    for c in field where c == 0x2C || c == 0x22 || c == 0x0A || c == 0x0D || c == 0x3B || c == 0x09 { plain = false; break }
    if plain { line.append(contentsOf: field); return }
    line.append(0x22)
    for c in field { line.append(c); if c == 0x22 { line.append(0x22) } }
    line.append(0x22)
}

/// Quotes a CSV field when it needs it (RFC 4180): a delimiter (comma, semicolon, tab), a quote or a
/// line break.
public func csvField(_ s: String) -> String {
    guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == ";" || $0 == "\t" }) else { return s }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
