/// Classification accuracy per value of a per-image attribute (a capture's kind, view, device …): the
/// "accuracy by kind" table of a data set whose builder records how each image was made (`captures.csv`).
package struct AccuracyBreakdown: Codable, Equatable, Sendable {
    /// One attribute value: how many labelled images carry it, how many the head got right, and what the wrong
    /// ones were taken for.
    package struct Group: Codable, Equatable, Sendable {
        package var value: String
        package var images: Int
        package var correct: Int
        package var accuracy: Double
        /// Predicted class name → count, over the misclassified images only.
        package var mistakenFor: [String: Int]
    }

    /// The attribute (the breakdown file's column name).
    package var attribute: String
    /// Groups in ascending order of their value.
    package var groups: [Group]
    /// Labelled images of the split that the breakdown file does not list (left out of every group).
    package var unlisted: Int

    /// Groups the scored images by `values[i]` (nil: the image is not listed). `truth` and `predicted` are
    /// class indices into `classNames`, one per scored image.
    package init(attribute: String, values: [String?], truth: [Int], predicted: [Int], classNames: [String]) {
        precondition(values.count == truth.count && truth.count == predicted.count)
        var byValue: [String: Group] = [:]
        var unlisted = 0
        for i in truth.indices {
            guard let value = values[i] else {
                unlisted += 1
                continue
            }
            var g = byValue[value] ?? Group(value: value, images: 0, correct: 0, accuracy: 0, mistakenFor: [:])
            g.images += 1
            if truth[i] == predicted[i] {
                g.correct += 1
            } else {
                let name = predicted[i] < classNames.count ? classNames[predicted[i]] : "class \(predicted[i])"
                g.mistakenFor[name, default: 0] += 1
            }
            byValue[value] = g
        }
        self.attribute = attribute
        self.groups = byValue.values.sorted { $0.value < $1.value }.map { group in
            var g = group
            g.accuracy = Double(g.correct) / Double(g.images)
            return g
        }
        self.unlisted = unlisted
    }

    /// The printed table: one line per value.
    package var summary: [String] {
        let width = max(attribute.count, groups.map(\.value.count).max() ?? 0)
        func padded(_ s: String) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }
        var lines = ["accuracy by \(attribute):"]
        for g in groups {
            let confusions = g.mistakenFor.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append(
                "  \(padded(g.value))  \(String(format: "%.4f", g.accuracy))  (\(g.correct)/\(g.images))"
                    + (confusions.isEmpty ? "" : "  wrong: \(confusions)"))
        }
        if unlisted > 0 { lines.append("  (\(unlisted) labelled images not listed in the breakdown file)") }
        return lines
    }
}
