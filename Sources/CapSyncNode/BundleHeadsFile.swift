public import CapSyncWire

/// The heads file (Protocol/bundle.md §Heads file): what a node holds, exported with `capsync bundle heads` and
/// carried to a partner so it can make a bundle of exactly what this node lacks. Text, one head a line, so that
/// whoever checks the media can read it.
public struct BundleHeadsFile: Sendable, Equatable {
    public static let firstLine = "capsync-heads 1"

    public var partner: String
    /// Ascending by author.
    public var heads: [Head]

    public init(partner: String, heads: [Head]) {
        self.partner = partner
        self.heads = heads.filter { $0.seq > 0 }.sorted { $0.author < $1.author }
    }

    public var text: String {
        var lines = [Self.firstLine, "partner \(partner)"]
        for head in heads { lines.append("head \(head.author.hex) \(head.seq) \(head.id.hex)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses a heads file; a wrong line is named by its number.
    public init(text: String, file: String) throws(NodeError) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        func fail(_ line: Int, _ reason: String) -> NodeError {
            NodeError(
                .usage,
                "line \(line): \(reason)",
                context: file,
                hint: "a heads file is written by 'capsync bundle heads --out FILE' on the receiving node"
            )
        }
        guard lines.first == Self.firstLine else { throw fail(1, "expected '\(Self.firstLine)'") }
        guard lines.count >= 2, lines[1].hasPrefix("partner ") else { throw fail(2, "expected 'partner CODE'") }
        let partner = String(lines[1].dropFirst("partner ".count))
        do { try Roster.validatePartnerCode(partner) } catch { throw fail(2, error.reason) }
        var heads: [Head] = []
        for (index, line) in lines.enumerated().dropFirst(2) {
            let words = line.split(separator: " ", omittingEmptySubsequences: false)
            guard words.count == 4, words[0] == "head", let author = AuthorKey(hex: words[1]),
                let seq = UInt64(words[2]), seq >= 1, seq <= Entry.maxSeq, let id = EntryID(hex: words[3])
            else {
                throw fail(index + 1, "expected 'head AUTHOR-HEX SEQ ID-HEX' (64 hex digits, seq 1 to 2^62)")
            }
            if let last = heads.last, !(last.author < author) {
                throw fail(index + 1, "authors must be strictly ascending")
            }
            heads.append(Head(author: author, seq: seq, id: id))
        }
        self.partner = partner
        self.heads = heads
    }
}
