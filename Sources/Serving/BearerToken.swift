/// The `Authorization: Bearer …` check, in constant time: the comparison looks at every byte of the longer
/// of the two strings whatever they hold, so response timing does not reveal how much of a guess was right.
package struct BearerToken: Sendable {
    let token: [UInt8]

    package init(_ token: String) { self.token = Array(token.utf8) }

    /// Whether an `Authorization` header value carries this token.
    package func accepts(_ header: String?) -> Bool {
        guard let header else { return false }
        let prefix = "Bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix.lowercased() else {
            return false
        }
        let given = Array(header.utf8.dropFirst(prefix.utf8.count))
        return Self.equal(given, token)
    }

    package static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let n = max(a.count, b.count)
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count) | (a.count == b.count ? 0 : 1)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
