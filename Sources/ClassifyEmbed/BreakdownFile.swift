import Foundation

/// A per-image attribute table for `evaluate --breakdown`: a `|`- or `,`-separated file with a header line,
/// a `path` column (relative to the file's folder, like a split's paths) and any other columns, such as the
/// `kind`, `view` and `display` columns of `make-dataset`'s `captures.csv`. Absolute paths are taken as they are.
struct BreakdownFile {
    /// The chosen columns' values by standardised image path.
    var values: [String: [String]]
    var columns: [String]

    /// Reads `file`, keeping the `columns` asked for; every malformed line is reported as `file:line`.
    init(file: URL, columns: [String]) throws {
        let text: String
        do { text = try String(contentsOf: file, encoding: .utf8) } catch {
            let reason =
                FileManager.default.fileExists(atPath: file.path) ? "not readable as UTF-8 text" : "no such file"
            throw EvaluationRun.Failure(description: "\(file.path): \(reason) (the --breakdown file)")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().filter {
            let t = $0.element.trimmingCharacters(in: .whitespaces)
            return !t.isEmpty && !t.hasPrefix("#")
        }
        guard let header = lines.first else {
            throw EvaluationRun.Failure(description: "\(file.path): empty; expected a header line with a `path` column")
        }
        lines.removeFirst()
        let separator: Character = header.element.contains("|") ? "|" : ","
        let names = header.element.split(separator: separator, omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard let pathColumn = names.firstIndex(of: "path") else {
            throw EvaluationRun.Failure(
                description: "\(file.path):\(header.offset + 1): the header has no `path` column (it has: "
                    + names.joined(separator: ", ") + ")")
        }
        var chosen: [Int] = []
        for column in columns {
            guard let at = names.firstIndex(of: column) else {
                throw EvaluationRun.Failure(
                    description: "\(file.path): no column `\(column)` to break the accuracy down by (columns: "
                        + names.joined(separator: ", ") + ")")
            }
            chosen.append(at)
        }
        let folder = file.deletingLastPathComponent()
        var values: [String: [String]] = [:]
        var problems: [String] = []
        for (offset, line) in lines {
            let fields = line.split(separator: separator, omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard fields.count == names.count else {
                problems.append("\(file.path):\(offset + 1): \(fields.count) fields, the header has \(names.count)")
                continue
            }
            let listed = fields[pathColumn]
            let url = listed.hasPrefix("/") ? URL(fileURLWithPath: listed) : folder.appendingPathComponent(listed)
            let path = url.standardizedFileURL.path
            guard values[path] == nil else {
                problems.append("\(file.path):\(offset + 1): \(fields[pathColumn]) is listed twice")
                continue
            }
            values[path] = chosen.map { fields[$0].isEmpty ? "-" : fields[$0] }
        }
        guard problems.isEmpty else {
            throw EvaluationRun.Failure(
                description: "\(problems.count) bad line\(problems.count == 1 ? "" : "s") in the breakdown file:\n"
                    + problems.prefix(50).joined(separator: "\n")
                    + (problems.count > 50 ? "\n… and \(problems.count - 50) more" : ""))
        }
        self.values = values
        self.columns = columns
    }
}
