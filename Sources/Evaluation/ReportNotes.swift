import Foundation

/// The notes that qualify an evaluation's figures, gathered for printing and for the report pages.
extension EvaluationReport {
    /// Every note of `reports` (absent classes, pair counts, thin TPR@FPR levels) once each, so that several
    /// runs on one split (with and without TTA, or several models) say what they share once; then the zero-shot
    /// check of the first, or that it was not made.
    package static func notes(of reports: [EvaluationReport]) -> [String] {
        var notes: [String] = []
        for r in reports {
            for note in (r.classification?.notes ?? []) + (r.verification?.notes ?? []) where !notes.contains(note) {
                notes.append(note)
            }
        }
        if let z = reports.first?.zeroShot {
            notes.append(
                z.holds
                    ? "zero-shot protocol holds: no test identity occurs in \(z.trainSplit)"
                    : "zero-shot protocol VIOLATED: \(z.sharedIdentities.count) test identities also occur in "
                        + "\(z.trainSplit): " + z.sharedIdentities.prefix(20).joined(separator: ", ")
                        + (z.sharedIdentities.count > 20 ? ", …" : ""))
        } else if reports.contains(where: { $0.verification != nil }) {
            notes.append("zero-shot protocol not checked (pass --train-split to list test identities seen in training)")
        }
        return notes
    }
}

/// An FPR level as the tables name it: powers of ten as `1e-4`, other values as `%g` writes them.
func fprLabel(_ f: Double) -> String {
    let exponent = log10(f).rounded()
    guard f < 1, abs(f - pow(10, exponent)) < f * 1e-9 else { return String(format: "%g", f) }
    return "1e\(Int(exponent))"
}
