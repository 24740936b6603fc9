import Foundation

/// One CSV record as RFC 4180 writes it: fields separated by commas, a field that holds a comma, a double
/// quote, a CR or an LF enclosed in double quotes with its quotes doubled, and the line ended by CRLF.
enum CSVLine {
    static func encode(_ fields: [String]) -> String {
        fields.map(quoted).joined(separator: ",") + "\r\n"
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
