import Foundation
import Imaging

/// Settings of `classify-and-embed make-dataset`.
package struct DatasetBuildSettings: Sendable {
    /// The folder `Tools/fetch-sources` wrote (holding `manifest.csv`).
    package var sources: URL
    /// Where the captures, the split CSVs, `captures.csv`, `summary.json` and the progress files go.
    package var output: URL
    /// About this many training captures, a third per class.
    package var trainCaptures = 20_000
    /// Fewest captures of one identity: when a class's budget cannot give every identity this many, a seeded
    /// subset of its identities is used.
    package var minCapturesPerIdentity = 3
    /// Fractions of the source identities held out for validation and for test (zero-shot: disjoint).
    package var validationFraction = 0.1
    package var testFraction = 0.1
    package var seed: UInt64 = 0
    /// Frame sizes and shapes of the captures.
    package var sizes = FrameSizes()
    /// Shares of the document pages that become cards, receipts and two-page spreads (each its own identity).
    package var cardFraction = 0.15
    package var receiptFraction = 0.08
    package var spreadFraction = 0.12
    /// Share of document pages that are also shown on a screen in a reader app (identity `reader:…`).
    package var readerFraction = 0.3
    /// Captures per class of the shift split (sources from the manifest's `shift` pool, held-out settings);
    /// 0 leaves the shift split out.
    package var shiftCapturesPerClass = 600
    /// The settings the shift split draws outside the training ranges (all of them by default; fewer for the
    /// shift ablation, which builds the same shift identities with some factors back in training's ranges).
    package var shiftFactors = Set(ShiftFactor.allCases)
    /// Build only the selection split of the data set in this folder: its validation identities photographed
    /// in `SynthesisRegime.selection`'s ranges, for choosing between models (README, "Selection split"). The
    /// folder's `progress/key.txt` must match these settings, or the identities would not be its validation's.
    package var selectionFor: URL?
    package var selectionSplit: Bool { selectionFor != nil }
    /// Identities per progress chunk: a killed build resumes at the first unfinished chunk.
    package var chunkSize = 64
    /// At most this many photos and textures are loaded as backgrounds (evenly spaced over the manifest).
    package var maxBackgrounds = 300

    package init(sources: URL, output: URL) {
        self.sources = sources
        self.output = output
    }

    /// Everything that decides the output, as text: a resumed build must have been started with the same.
    var fingerprint: String { fullBuildFingerprint + (selectionSplit ? ";selection" : "") }

    /// The fingerprint of the full build (train / val / test / shift) with these settings.
    var fullBuildFingerprint: String {
        [
            "v2", "\(trainCaptures)", "\(minCapturesPerIdentity)", "\(validationFraction)", "\(testFraction)",
            "\(seed)", "\(sizes.longSides)", "\(sizes.aspects)", "\(cardFraction)", "\(receiptFraction)",
            "\(spreadFraction)", "\(readerFraction)", "\(shiftCapturesPerClass)", "\(chunkSize)", "\(maxBackgrounds)",
        ].joined(separator: ";") + shiftFactorsFingerprint
    }

    /// Empty for the full shift, so that data sets built before the ablation existed still resume.
    private var shiftFactorsFingerprint: String {
        if shiftFactors == Set(ShiftFactor.allCases) { return "" }
        return ";shift " + shiftFactors.map(\.rawValue).sorted().joined(separator: ",")
    }
}

/// What `DatasetBuilder.build` made.
package struct DatasetSummary: Codable, Sendable {
    /// split → class → captures.
    package var captures: [String: [String: Int]]
    /// split → class → identities.
    package var identities: [String: [String: Int]]
    /// split → capture kind → captures.
    package var kinds: [String: [String: Int]] = [:]
    /// Sources that could not be read (file: reason); they are left out.
    package var skipped: [String]
    /// Seconds of the whole build (this run; a resumed build counts only what it did).
    package var seconds: Double
    /// Seconds per stage of this run, in order: plan, backgrounds, captures, shift, files.
    package var stages: [String: Double] = [:]
    /// Identity chunks found finished by an earlier, interrupted run.
    package var resumedChunks = 0
}
