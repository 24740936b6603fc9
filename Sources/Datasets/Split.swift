import Foundation

/// One row of a split: an image, its class (nil = no class label, the classification loss is masked) and its
/// identity (nil = no identity label, the margin loss is masked).
package struct SplitRow: Equatable, Sendable {
    package var path: URL
    package var line: Int
    package var label: Int?
    package var identity: String?
}

/// Problems found in an input file, each `file:line: what is wrong` (or `file: what is wrong` about the
/// whole file), and what kind of file they are about, so that the message says "the split has 2 bad rows"
/// only of a split.
package struct SplitError: Error, CustomStringConvertible, Equatable {
    /// What the problems are about.
    package enum Subject: Sendable, Equatable {
        /// Rows of a split CSV.
        case splitRows
        /// Lines of a pairs file (`evaluate --pairs-file`).
        case pairsFile
        /// Lines of a sources folder's `manifest.csv`.
        case sourceManifest
        /// Problems that each name their file and stand on their own: a missing or empty file, a refused
        /// package, a failed write.
        case files
    }

    package var problems: [String]
    package var subject: Subject
    package init(problems: [String], subject: Subject = .splitRows) {
        self.problems = problems
        self.subject = subject
    }

    package var description: String {
        let shown = problems.prefix(50).joined(separator: "\n")
        let more = problems.count > 50 ? "\n… and \(problems.count - 50) more" : ""
        let n = problems.count
        let header: String
        switch subject {
        case .splitRows: header = "the split has \(n) bad row\(n == 1 ? "" : "s"):\n"
        case .pairsFile: header = "the pairs file has \(n) bad line\(n == 1 ? "" : "s"):\n"
        case .sourceManifest: header = "the source manifest has \(n) bad line\(n == 1 ? "" : "s"):\n"
        case .files: header = n == 1 ? "" : "\(n) problems:\n"
        }
        return header + shown + more
    }
}

/// How identity labels are formed.
package enum IdentityMode: String, Codable, Sendable {
    /// The CSV's identity column (template / page / person).
    case template
    /// Every image is its own identity (DocClassifier's mode).
    case instance
}

/// A CSV split as DESIGN.md defines it: `relative/path | label [| identity]`, `|` or `,` separated, fields
/// trimmed, an optional header line, paths relative to the CSV's folder, `label` a class index or name,
/// `-` for "no label" in either column, `#` comment lines and blank lines ignored.
package struct Split: Sendable {
    package var file: URL
    package var rows: [SplitRow]
    package var classNames: [String]
    /// Identity strings in order of first appearance; `identityIndex[row]` indexes this (−1 = none).
    package var identities: [String]
    package var identityIndex: [Int]

    /// Parses `file`. Every problem is collected and thrown together as a `SplitError`.
    package init(
        file: URL, classNames: [String], identityMode: IdentityMode = .template, checkFiles: Bool = true
    ) throws {
        self.file = file
        self.classNames = classNames
        let text: String
        do { text = try String(contentsOf: file, encoding: .utf8) } catch {
            let reason =
                FileManager.default.fileExists(atPath: file.path) ? "not readable as UTF-8 text" : "no such file"
            throw SplitError(problems: ["\(file.path): \(reason)"], subject: .files)
        }
        let folder = file.deletingLastPathComponent()
        var problems: [String] = []
        var rows: [SplitRow] = []
        var separator: Character?
        var expectedColumns: Int?
        var first = true
        var labelOfPath: [String: (line: Int, label: Int?)] = [:]
        // `isNewline`, not "\n": in Swift "\r\n" is one Character, so CRLF files would read as one line.
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let lineNo = index + 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if separator == nil { separator = line.contains("|") ? "|" : "," }
            let fields = line.split(separator: separator!, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            let where_ = "\(file.path):\(lineNo)"
            if first {
                first = false
                if ["path", "image", "file", "filename", "relative_path", "image_path"].contains(fields[0].lowercased())
                {
                    expectedColumns = fields.count
                    continue
                }
            }
            guard fields.count == 2 || fields.count == 3 else {
                problems.append("\(where_): expected 2 or 3 columns (path | label [| identity]), found \(fields.count)")
                continue
            }
            if let e = expectedColumns, e != fields.count {
                problems.append("\(where_): \(fields.count) columns, but earlier rows have \(e)")
                continue
            }
            expectedColumns = fields.count
            guard !fields[0].isEmpty else {
                problems.append("\(where_): empty image path")
                continue
            }
            let path =
                fields[0].hasPrefix("/") ? URL(fileURLWithPath: fields[0]) : folder.appendingPathComponent(fields[0])
            var label: Int?
            let l = fields[1]
            if l != "-" {
                if let i = Int(l) {
                    if i >= 0 && i < classNames.count {
                        label = i
                    } else {
                        problems.append("\(where_): class index \(i) is outside 0…\(classNames.count - 1)")
                        continue
                    }
                } else if let i = classNames.firstIndex(of: l) {
                    label = i
                } else {
                    problems.append("\(where_): unknown label '\(l)' (classes: \(classNames.joined(separator: ", ")))")
                    continue
                }
            }
            var identity: String?
            if fields.count == 3 && fields[2] != "-" && !fields[2].isEmpty { identity = fields[2] }
            if checkFiles {
                var isFolder: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isFolder) else {
                    problems.append("\(where_): missing file \(path.path)")
                    continue
                }
                guard !isFolder.boolValue else {
                    problems.append("\(where_): \(path.path) is a folder, not an image")
                    continue
                }
            }
            let key = path.standardizedFileURL.path
            if let earlier = labelOfPath[key] {
                if earlier.label != label {
                    let name = { (l: Int?) in l.map { classNames[$0] } ?? "-" }
                    problems.append(
                        "\(where_): \(fields[0]) is labelled '\(name(label))' here but '\(name(earlier.label))' on line "
                            + "\(earlier.line)")
                    continue
                }
            } else {
                labelOfPath[key] = (lineNo, label)
            }
            rows.append(SplitRow(path: path, line: lineNo, label: label, identity: identity))
        }
        if rows.isEmpty && problems.isEmpty { throw SplitError(problems: ["\(file.path): no rows"], subject: .files) }
        guard problems.isEmpty else { throw SplitError(problems: problems) }
        self.rows = rows
        var ids: [String] = []
        var index: [String: Int] = [:]
        var perRow: [Int] = []
        for row in rows {
            let key: String?
            switch identityMode {
            case .template:
                // Without an identity column every distinct image is its own identity.
                key = expectedColumns == 3 ? row.identity : row.path.standardizedFileURL.path
            case .instance:
                key = row.path.standardizedFileURL.path
            }
            guard let key else {
                perRow.append(-1)
                continue
            }
            if let i = index[key] {
                perRow.append(i)
            } else {
                index[key] = ids.count
                perRow.append(ids.count)
                ids.append(key)
            }
        }
        identities = ids
        identityIndex = perRow
    }

    /// Rows per class (index = class), for balance reports and class weights.
    package var classCounts: [Int] {
        var c = Array(repeating: 0, count: classNames.count)
        for r in rows { if let l = r.label { c[l] += 1 } }
        return c
    }
}
