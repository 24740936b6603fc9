import Foundation
import Imaging

/// One written capture as `captures.csv` lists it: `path|split|label|identity|kind|view|display|fill|moire|
/// tags|package` (tags joined by `+`, empty fields where a setting does not apply).
package struct CaptureRow: Equatable, Sendable {
    package static let header = "path|split|label|identity|kind|view|display|fill|moire|tags|package"

    package var path: String
    package var split: String
    package var label: String
    package var identity: String
    package var kind: CaptureKind
    package var view: String
    package var notes: CaptureNotes
    package var package: String

    package var line: String {
        [
            path, split, label, identity, kind.rawValue, view, notes.display?.rawValue ?? "",
            String(format: "%.3f", notes.fill), String(format: "%.2f", notes.moire), notes.tags.joined(separator: "+"),
            package,
        ].joined(separator: "|")
    }

    /// The row of a split CSV (`path|label|identity`).
    package var splitLine: String { "\(path)|\(label)|\(identity)" }

    init(
        path: String, split: String, label: String, identity: String, kind: CaptureKind, view: String,
        notes: CaptureNotes, package: String
    ) {
        self.path = path
        self.split = split
        self.label = label
        self.identity = identity
        self.kind = kind
        self.view = view
        self.notes = notes
        self.package = package
    }

    /// Parses `line` (as written by `line`); nil when it is not such a row.
    package init?(line: String) {
        let f = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard f.count == 11, let kind = CaptureKind(rawValue: f[4]), let fill = Double(f[7]), let moire = Float(f[8])
        else { return nil }
        var notes = CaptureNotes()
        notes.display = Display(rawValue: f[6])
        notes.fill = fill
        notes.moire = moire
        notes.tags = f[9].isEmpty ? [] : f[9].split(separator: "+").map(String.init)
        self.init(
            path: f[0], split: f[1], label: f[2], identity: f[3], kind: kind, view: f[5], notes: notes, package: f[10])
    }
}
