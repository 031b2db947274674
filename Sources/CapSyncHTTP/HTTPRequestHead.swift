/// The request line and headers of an HTTP/1.x request, parsed from the bytes up to the blank line. Pure: the
/// connection handler feeds it what arrived and acts on the result.
struct HTTPRequestHead: Equatable {
    var method: String
    var target: String
    var version: String
    var headers: [HTTPHeaderField]

    struct HTTPHeaderField: Equatable {
        var name: String
        var value: String
    }

    enum ParseResult: Equatable {
        /// More bytes are needed (no blank line yet).
        case incomplete
        case complete(HTTPRequestHead)
        /// Not an HTTP/1.x request head; the reason goes into the 400 answer.
        case malformed(String)
    }

    /// The end of the head: the index just past the first CRLF CRLF, if any.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count
        where bytes[index - 3] == 13 && bytes[index - 2] == 10 && bytes[index - 1] == 13 && bytes[index] == 10 {
            return index + 1
        }
        return nil
    }

    static func parse(_ bytes: [UInt8]) -> ParseResult {
        guard let end = headEnd(bytes) else { return .incomplete }
        guard let text = String(validating: bytes[0..<(end - 4)], as: UTF8.self) else {
            return .malformed("the request head is not UTF-8")
        }
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst()
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            return .malformed("the request line is not 'METHOD TARGET HTTP/1.x'")
        }
        guard parts[2] == "HTTP/1.1" || parts[2] == "HTTP/1.0" else {
            return .malformed("unsupported protocol version '\(parts[2])' (HTTP/1.0 or HTTP/1.1)")
        }
        guard parts[0].allSatisfy({ $0.isLetter && $0.isUppercase }) else {
            return .malformed("the method '\(parts[0])' is not a token")
        }
        var headers: [HTTPHeaderField] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                return .malformed("a header line has no name: '\(line.prefix(40))'")
            }
            let name = String(line[..<colon])
            guard !name.contains(" "), !name.contains("\t") else {
                return .malformed("the header name '\(name.prefix(40))' contains white space")
            }
            let value = line[line.index(after: colon)...].trimmingSpaces
            headers.append(HTTPHeaderField(name: name, value: value))
        }
        return .complete(HTTPRequestHead(method: parts[0], target: parts[1], version: parts[2], headers: headers))
    }

    /// The target split into path and query.
    var pathAndQuery: (path: String, query: String) {
        guard let mark = target.firstIndex(of: "?") else { return (target, "") }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
