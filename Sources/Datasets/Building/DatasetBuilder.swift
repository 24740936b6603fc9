import Engine
import Foundation
import Imaging

/// Turns the fetched sources into photographed-looking captures for both heads and writes the splits
/// (DESIGN.md's CSV format, `path|label|identity`): train / val / test from the manifest's `train` pool,
/// assigned by a seeded hash of each source file so that test identities never occur in training and a page
/// shown on a screen lands in the same split as the page itself; and `shift.csv` from the `shift` pool with
/// the synthesiser's held-out settings. `captures.csv` lists every capture with its kind and settings. With
/// `selectionSplit` it builds only the selection split (`selectionJobs`), in a folder of its own.
/// Deterministic for a seed, and resumable: a killed build continues at its first unfinished chunk.
package struct DatasetBuilder: Sendable {
    package static let classNames = ["document", "not_a_document", "screen"]
    package static let splits = ["train", "val", "test", "shift"]

    package var settings: DatasetBuildSettings
    package init(settings: DatasetBuildSettings) { self.settings = settings }

    /// Builds (or finishes) every capture with all workers, then writes the CSVs and `summary.json`.
    package func build(progress: (String) -> Void = { _ in }) throws -> DatasetSummary {
        let start = Date()
        var stageStart = start
        var summary = DatasetSummary(captures: [:], identities: [:], skipped: [], seconds: 0)
        func stage(_ name: String) {
            let now = Date()
            summary.stages[name] = now.timeIntervalSince(stageStart)
            progress("make-dataset: \(name) took \(String(format: "%.1f", now.timeIntervalSince(stageStart))) s")
            stageStart = now
        }
        let manifest = try SourceManifest(folder: settings.sources)
        let manifestText = (try? String(contentsOf: settings.sources.appendingPathComponent("manifest.csv"))) ?? ""
        let jobs = settings.selectionSplit ? selectionJobs(manifest) : plan(manifest)
        let mainCount = jobs.firstIndex { $0.split == "shift" } ?? jobs.count
        let fm = FileManager.default
        let written = settings.selectionSplit ? ["selection"] : Self.splits
        for split in written {
            for name in Self.classNames {
                try fm.createDirectory(
                    at: settings.output.appendingPathComponent("\(split)/\(name)"), withIntermediateDirectories: true)
            }
        }
        let manifestKey = "\nmanifest " + String(stableHash(manifestText, seed: 0), radix: 16) + "\n"
        if let dataset = settings.selectionFor {
            try checkSelectionTarget(dataset, key: settings.fullBuildFingerprint + manifestKey)
        }
        let key = settings.fingerprint + manifestKey
        let store = try BuildProgress(output: settings.output, key: key)
        let chunkSize = max(1, settings.chunkSize)
        var outcomes = [Result<[CaptureRow], BuildFailure>?](repeating: nil, count: jobs.count)
        var pending: [Int] = []
        for c in 0..<((jobs.count + chunkSize - 1) / chunkSize) {
            let range = (c * chunkSize)..<min((c + 1) * chunkSize, jobs.count)
            if let done = store.finished(c, jobs: range.count) {
                for (j, o) in zip(range, done) { outcomes[j] = o }
                summary.resumedChunks += 1
            } else {
                pending += range
            }
        }
        if summary.resumedChunks > 0 {
            progress("make-dataset: resuming, \(summary.resumedChunks) chunks of \(chunkSize) identities already done")
        }
        stage("plan")

        let results = JobResults(
            count: jobs.count, pending: pending, chunkSize: chunkSize,
            captures: pending.reduce(0) { $0 + jobs[$1].captures })
        let trainPhotos = manifest.items(.photo).filter { jobSplit(of: $0) == "train" }
        var backgrounds = try Backgrounds(
            items: manifest.items(.surface), photos: trainPhotos, limit: settings.maxBackgrounds)
        stage("backgrounds")
        var errors: [String] = []
        let errorLock = NSLock()
        for phase in ["captures", "shift"] {
            if phase == "shift" {
                if mainCount == jobs.count { break }
                let shiftPhotos = manifest.items(.photo, pool: .shift)
                if !shiftPhotos.isEmpty && settings.shiftFactors.contains(.backgrounds) {
                    backgrounds = try Backgrounds(items: [], photos: shiftPhotos, limit: settings.maxBackgrounds)
                }
            }
            let limit = phase == "shift" ? jobs.count : mainCount
            let renderer = CaptureRenderer(
                output: settings.output, seed: settings.seed,
                synth: CaptureSynthesizer(
                    sizes: settings.sizes,
                    regime: phase == "shift"
                        ? SynthesisRegime(heldOut: settings.shiftFactors)
                        : (settings.selectionSplit ? .selection : .training)),
                backgrounds: backgrounds)
            DispatchQueue.concurrentPerform(iterations: max(1, Parallel.workers)) { _ in
                while let j = results.claim(below: limit) {
                    let outcome = Result { try renderer.render(jobs[j], index: j) }.mapError {
                        $0 as? BuildFailure ?? BuildFailure(reason: "\(jobs[j].subject.item.path.path): \($0)")
                    }
                    let done = results.finish(j, outcome, captures: jobs[j].captures)
                    if let chunk = done.chunk {
                        do { try store.record(j / chunkSize, chunk) } catch {
                            errorLock.lock()
                            errors.append("\(error)")
                            errorLock.unlock()
                        }
                    }
                    if let line = done.progress { progress("make-dataset: \(line)") }
                }
            }
            if !errors.isEmpty { throw SplitError(problems: errors, subject: .files) }
            stage(phase)
        }
        for j in pending { outcomes[j] = results.outcomes[j] }

        var rows: [String: [String]] = [:]
        var all: [String] = []
        for (j, job) in jobs.enumerated() {
            switch outcomes[j]! {
            case .failure(let f): summary.skipped.append(f.reason)
            case .success(let captures):
                rows[job.split, default: []] += captures.map(\.splitLine)
                all += captures.map(\.line)
                summary.captures[job.split, default: [:]][job.subject.label, default: 0] += captures.count
                summary.identities[job.split, default: [:]][job.subject.label, default: 0] += 1
                for c in captures { summary.kinds[job.split, default: [:]][c.kind.rawValue, default: 0] += 1 }
            }
        }
        for split in written where split != "shift" || rows["shift"] != nil {
            let text = "path|label|identity\n" + (rows[split] ?? []).joined(separator: "\n") + "\n"
            try AtomicFile.write(Data(text.utf8), to: settings.output.appendingPathComponent("\(split).csv"))
        }
        let table = CaptureRow.header + "\n" + all.joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(table.utf8), to: settings.output.appendingPathComponent("captures.csv"))
        stage("files")
        summary.seconds = Date().timeIntervalSince(start)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(summary), to: settings.output.appendingPathComponent("summary.json"))
        return summary
    }

    /// The selection split's identities: the validation split's, planned as for the full build (so the same
    /// pages, screenshots and photos, each with its capture budget) but photographed afresh in the selection
    /// ranges (`SynthesisRegime.selection`) into `selection/` and `selection.csv`.
    func selectionJobs(_ manifest: SourceManifest) -> [Job] {
        plan(manifest).filter { $0.split == "val" }.map { job in
            var job = job
            job.split = "selection"
            return job
        }
    }

    /// Refuses to build a selection split for a data set made with other settings or sources: its plan, and so
    /// its validation identities, would differ (another seed could even draw training identities).
    func checkSelectionTarget(_ dataset: URL, key: String) throws {
        let keyFile = dataset.appendingPathComponent("progress/key.txt")
        guard let built = try? String(contentsOf: keyFile, encoding: .utf8) else {
            throw SplitError(
                problems: [
                    "--selection-for \(dataset.path): \(keyFile.path) is missing; name a folder that make-dataset built"
                ], subject: .files)
        }
        guard built == key else {
            throw SplitError(
                problems: [
                    "--selection-for \(dataset.path) was built with other settings or sources than these "
                        + "(\(keyFile.path)); pass the --sources, --seed, --train-captures and other options it was "
                        + "built with"
                ], subject: .files)
        }
    }

    /// The split of a training-pool source file.
    func jobSplit(of item: SourceItem) -> String {
        let u = unit(item.key, "split")
        let s = settings
        return u < s.testFraction ? "test" : (u < s.testFraction + s.validationFraction ? "val" : "train")
    }
}
