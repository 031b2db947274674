/// A check run on TOML text before it reaches TOMLKit's parser (toml++).
///
/// toml++ asserts, aborting the whole process, on a table header whose first key character is neither a
/// bare-key character nor a quote (`[=]`, `[[!x]]`, `[` alone on a line); SwiftPM builds its C++ without
/// NDEBUG, so this happens in release builds too. Found by fuzzing (tools/fuzz, targets `config` and `peers`).
/// Such a header is a syntax error anyway, so it is refused here with a line number instead.
enum TOMLGuard {
    /// The 1-based line of the first table header toml++ would abort on, or nil.
    static func badTableHeaderLine(_ text: String) -> Int? {
        for (index, line) in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
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
