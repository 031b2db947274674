/// Text made safe for HTML element content and double-quoted attribute values.
enum HTMLText {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters other than tab and newline have no business in a page; show their code.
                if scalar.value < 0x20 && scalar != "\t" && scalar != "\n" || scalar.value == 0x7F {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// An element id from arbitrary text: letters, digits and '-' kept, anything else as '_' plus its code, so two
    /// different texts never share an id.
    static func identifier(_ prefix: String, _ text: String) -> String {
        var out = prefix + "-"
        for scalar in text.unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" {
                out.unicodeScalars.append(scalar)
            } else {
                out += "_\(String(scalar.value, radix: 16))"
            }
        }
        return out
    }

    /// 1234567 as "1,234,567": people read grouped digits; the exact value stays in `data-value`.
    static func number(_ value: UInt64) -> String {
        let digits = String(value)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return out
    }

    static func number(_ value: Int) -> String { value < 0 ? "-" + number(UInt64(-value)) : number(UInt64(value)) }
}
