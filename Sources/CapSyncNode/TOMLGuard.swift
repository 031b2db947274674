/// A check run on TOML text before it reaches TOMLKit's parser (toml++).
///
/// toml++ asserts, aborting the whole process, on a table header whose first key character is neither a
/// bare-key character nor a quote (`[=]`, `[[!x]]`, `[` alone on a line); SwiftPM builds its C++ without
/// NDEBUG, so this happens in release builds too. Found by fuzzing (tools/fuzz, targets `config` and `peers`).
/// Such a header is a syntax error anyway, so it is refused here with a line number instead.
///
/// It also asserts on a `}` where an array expects a value (`a = [ }`, `a = [1, }`): toml++'s array parser
/// handles `,` and `]` there but hands `}` to its value parser, which asserts it is not given a value
/// terminator. Found by a long fuzzing run (tools/fuzz/regressions/config).
enum TOMLGuard {
    /// The first construct toml++ would abort on, as an error reason naming its line, or nil.
    static func abortingSyntax(_ text: String) -> String? {
        if let line = badTableHeaderLine(text) { return "a table header must start with a key at line \(line)" }
        if let line = braceWhereValueExpectedLine(text) { return "'}' where a value is expected at line \(line)" }
        return nil
    }

    /// The 1-based line of the first `}` that follows `[` or `,` (whitespace, line breaks and comments
    /// between), outside strings and comments, or nil. Valid TOML never has one: after `[` or `,` comes a value,
    /// `]` or (in an array) another line.
    static func braceWhereValueExpectedLine(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        let quote = UInt8(ascii: "\"")
        let apostrophe = UInt8(ascii: "'")
        let backslash = UInt8(ascii: "\\")
        let newline = UInt8(ascii: "\n")
        var line = 1
        var previous: UInt8 = 0  // the last significant byte outside strings and comments
        var index = 0
        func isTriple(_ at: Int, _ mark: UInt8) -> Bool {
            at + 2 < bytes.count && bytes[at] == mark && bytes[at + 1] == mark && bytes[at + 2] == mark
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case newline:
                line += 1
                index += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != newline { index += 1 }
            case quote, apostrophe:
                // A string: basic strings have backslash escapes, literal strings none; single-line ones end at
                // the line's end at the latest (toml++ reports that error itself).
                let multiline = isTriple(index, byte)
                index += multiline ? 3 : 1
                while index < bytes.count {
                    let c = bytes[index]
                    if c == byte && (!multiline || isTriple(index, byte)) {
                        index += multiline ? 3 : 1
                        break
                    }
                    if c == newline {
                        if !multiline { break }
                        line += 1
                    }
                    index += (c == backslash && byte == quote) ? 2 : 1
                }
                previous = byte
            case UInt8(ascii: "}"):
                if previous == UInt8(ascii: "[") || previous == UInt8(ascii: ",") { return line }
                previous = byte
                index += 1
            default:
                previous = byte
                index += 1
            }
        }
        return nil
    }

    /// The 1-based line of the first table header toml++ would abort on, or nil.
    static func badTableHeaderLine(_ text: String) -> Int? {
        for (index, line) in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .enumerated()
        {
            var rest = line.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            guard rest.first == UInt8(ascii: "[") else { continue }
            rest = rest.dropFirst()
            if rest.first == UInt8(ascii: "[") { rest = rest.dropFirst() }
            rest = rest.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            guard let first = rest.first else { return index + 1 }
            if !startsKey(first) { return index + 1 }
        }
        return nil
    }

    /// A bare-key character (A–Z, a–z, 0–9, `_`, `-`), a quote, or the `]` toml++ reports itself.
    private static func startsKey(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "\""),
            UInt8(ascii: "'"), UInt8(ascii: "]"):
            true
        default:
            false
        }
    }
}
