/// A strict RFC 4180 reader for the tests: quoted fields (with doubled quotes, commas and line breaks
/// inside), CRLF record ends. It fails on anything else, so a writer that quotes wrongly fails the test.
enum CSVReader {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    static func records(_ text: String) throws -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var chars = Array(text.unicodeScalars)[...]
        var quoted = false
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" {
                        field.unicodeScalars.append(chars.removeFirst())
                    } else {
                        quoted = false
                        guard [",", "\r", nil].contains(chars.first) else {
                            throw Malformed(description: "text after a closing quote in \(field)")
                        }
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                guard field.isEmpty else { throw Malformed(description: "a quote inside an unquoted field \(field)") }
                quoted = true
            case ",":
                record.append(field)
                field = ""
            case "\r":
                guard chars.popFirst() == "\n" else { throw Malformed(description: "CR without LF") }
                record.append(field)
                records.append(record)
                record = []
                field = ""
            case "\n": throw Malformed(description: "a bare LF ends a record (RFC 4180 wants CRLF)")
            default: field.unicodeScalars.append(c)
            }
        }
        guard !quoted, record.isEmpty, field.isEmpty else { throw Malformed(description: "unterminated record") }
        return records
    }
}
