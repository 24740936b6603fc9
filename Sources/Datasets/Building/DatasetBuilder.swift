import Engine
import Foundation
import Imaging

/// Settings of `classify-and-embed make-dataset`.
package struct DatasetBuildSettings: Sendable {
    /// The folder `Tools/fetch-sources` wrote (holding `manifest.csv`).
    package var sources: URL
    /// Where the captures and `train.csv`, `val.csv`, `test.csv` go.
    package var output: URL
    /// About this many training captures, a third per class.
    package var trainCaptures = 20_000
    /// Fractions of the source identities held out for validation and for test (zero-shot: disjoint).
    package var validationFraction = 0.1
    package var testFraction = 0.1
    package var seed: UInt64 = 0
    /// Longer side of a capture in pixels (4:3 frames).
    package var longSide = 256
    /// Share of document pages that become card-shaped crops (their own identities).
    package var cardFraction = 0.25
    /// Share of document pages that are also shown on a screen in a reader app (identity `screen:…`).
    package var readerFraction = 0.3

    package init(sources: URL, output: URL) {
        self.sources = sources
        self.output = output
    }
}

/// What `DatasetBuilder.build` made.
package struct DatasetSummary: Codable, Sendable {
    /// split → class → captures.
    package var captures: [String: [String: Int]]
    /// split → class → identities.
    package var identities: [String: [String: Int]]
    /// Sources that could not be read (file: reason); they are left out.
    package var skipped: [String]
    package var seconds: Double
}

/// Turns the fetched sources into photographed-looking captures for both heads and writes the three splits
/// (DESIGN.md's CSV format, `path|label|identity`). Identities are source pages/images; each is assigned to
/// train, val or test by a seeded hash of its source file, so test identities never occur in training and a
/// page shown on a screen lands in the same split as the page itself. Deterministic for a seed.
package struct DatasetBuilder: Sendable {
    package static let classNames = ["document", "not_a_document", "screen"]

    package var settings: DatasetBuildSettings
    package init(settings: DatasetBuildSettings) { self.settings = settings }

    enum Subject: Sendable {
        case page(SourceItem, card: Bool), reader(SourceItem), screenshot(SourceItem)
        case photo(SourceItem), object(SourceItem), texture(SourceItem)

        var item: SourceItem {
            switch self {
            case .page(let i, _), .reader(let i), .screenshot(let i), .photo(let i), .object(let i), .texture(let i):
                return i
            }
        }
        var label: String {
            switch self {
            case .page: return "document"
            case .reader, .screenshot: return "screen"
            case .photo, .object, .texture: return "not_a_document"
            }
        }
        var identity: String {
            let stem = (item.key as NSString).deletingPathExtension
            switch self {
            case .page(_, let card): return (card ? "card:" : "page:") + stem
            case .reader: return "reader:" + stem
            default: return stem
            }
        }
    }

    struct Job: Sendable {
        var subject: Subject
        var split: String
        var captures: Int
    }

    /// Plans the identities of every split: which subject, which split, how many captures each.
    func plan(_ manifest: SourceManifest) -> [Job] {
        let s = settings
        func split(_ item: SourceItem) -> String {
            let u = Double(stableHash(item.key, seed: s.seed) >> 11) / Double(1 << 53)
            return u < s.testFraction ? "test" : (u < s.testFraction + s.validationFraction ? "val" : "train")
        }
        func draw(_ item: SourceItem, _ salt: String) -> Double {
            Double(stableHash(salt + item.key, seed: s.seed) >> 11) / Double(1 << 53)
        }
        var subjects: [Subject] = []
        for page in manifest.items(.document) {
            subjects.append(.page(page, card: draw(page, "card") < s.cardFraction))
            if draw(page, "reader") < s.readerFraction { subjects.append(.reader(page)) }
        }
        subjects += manifest.items(.screen).map { .screenshot($0) }
        subjects += manifest.items(.photo).map { .photo($0) }
        subjects += manifest.items(.object).map { .object($0) }
        subjects += manifest.items(.surface).map { .texture($0) }
        var jobs: [Job] = []
        let perClass = Double(s.trainCaptures) / Double(Self.classNames.count)
        for name in Self.classNames {
            let mine = subjects.filter { $0.label == name }
            let train = mine.filter { split($0.item) == "train" }.count
            let each = max(2, Int((perClass / Double(max(train, 1))).rounded()))
            jobs += mine.map { Job(subject: $0, split: split($0.item), captures: each) }
        }
        return jobs
    }

    /// Builds every capture (2 workers), then writes the CSVs and `summary.json`; returns the summary.
    package func build(progress: (String) -> Void = { _ in }) throws -> DatasetSummary {
        let start = Date()
        let manifest = try SourceManifest(folder: settings.sources)
        let jobs = plan(manifest)
        let pools = try SurfacePools(manifest: manifest)
        let fm = FileManager.default
        for split in ["train", "val", "test"] {
            for name in Self.classNames {
                try fm.createDirectory(
                    at: settings.output.appendingPathComponent("\(split)/\(name)"), withIntermediateDirectories: true)
            }
        }
        let results = JobResults(count: jobs.count)
        let total = jobs.reduce(0) { $0 + $1.captures }
        let synth = CaptureSynthesizer(longSide: settings.longSide)
        let workers = max(1, Parallel.workers)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let j = results.claim() {
                let outcome = Result { try render(jobs[j], index: j, pools: pools, synth: synth) }
                let done = results.finish(j, outcome, captures: jobs[j].captures)
                if done.crossedTenth { progress("make-dataset: \(done.captures)/\(total) captures") }
            }
        }
        var rows: [String: [String]] = ["train": [], "val": [], "test": []]
        var summary = DatasetSummary(captures: [:], identities: [:], skipped: [], seconds: 0)
        for (j, job) in jobs.enumerated() {
            switch results.outcomes[j]! {
            case .failure(let error): summary.skipped.append("\(error)")
            case .success(let files):
                rows[job.split]!.append(contentsOf: files.map { "\($0)|\(job.subject.label)|\(job.subject.identity)" })
                summary.captures[job.split, default: [:]][job.subject.label, default: 0] += files.count
                summary.identities[job.split, default: [:]][job.subject.label, default: 0] += 1
            }
        }
        for (split, lines) in rows {
            let text = "path|label|identity\n" + lines.joined(separator: "\n") + "\n"
            try AtomicFile.write(Data(text.utf8), to: settings.output.appendingPathComponent("\(split).csv"))
        }
        summary.seconds = Date().timeIntervalSince(start)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(summary), to: settings.output.appendingPathComponent("summary.json"))
        return summary
    }

    /// Renders one identity's captures; returns their paths relative to the output folder.
    func render(_ job: Job, index: Int, pools: SurfacePools, synth: CaptureSynthesizer) throws -> [String] {
        let decoder = ImageDecoder()
        let item = job.subject.item
        var rng = SeededGenerator(seed: stableHash(job.subject.identity, seed: settings.seed))
        var source: FloatImage
        switch job.subject {
        case .object:
            let (rgb, alpha) = try decoder.decodeWithAlpha(contentsOf: item.path)
            source = FloatImage(rgb, alpha: alpha).fitting(longSide: 480)
        default:
            source = FloatImage(try decoder.decode(contentsOf: item.path)).fitting(longSide: 900)
        }
        if case .page(_, card: true) = job.subject { source = cardCrop(source, rng: &rng) }
        var files: [String] = []
        for k in 0..<job.captures {
            var frame: FloatImage
            switch job.subject {
            case .page:
                let u = rng.uniform()
                let view: DocumentView = u < 0.5 ? .photo : (u < 0.85 ? .locatorCrop : .scan)
                frame = synth.document(page: source, view: view, surface: pools.surface(rng: &rng), rng: &rng)
            case .reader:
                frame = synth.screen(
                    content: synth.readerView(page: source, rng: &rng), surroundings: pools.room(rng: &rng), rng: &rng)
            case .screenshot:
                frame = synth.screen(content: source, surroundings: pools.room(rng: &rng), rng: &rng)
            case .photo:
                frame = synth.photo(source, rng: &rng)
            case .object:
                frame = synth.object(source, surface: pools.surface(rng: &rng), rng: &rng)
            case .texture:
                let (w, h) = synth.frameSize(portrait: rng.chance(0.4))
                frame = synth.background(Surface(image: source, tiles: true), width: w, height: h, rng: &rng)
                synth.camera(&frame, hotspot: 0.3, rng: &rng)
            }
            let name = "\(job.split)/\(job.subject.label)/\(String(format: "%05d", index))_\(k).jpg"
            try JPEGWriter.write(
                frame.rgb8(), quality: synth.jpegQuality(rng: &rng), to: settings.output.appendingPathComponent(name))
            files.append(name)
        }
        return files
    }

    /// A card-shaped window (ID-1 aspect 85.6 : 54) of a page, at a position fixed by the identity's seed.
    func cardCrop(_ page: FloatImage, rng: inout SeededGenerator) -> FloatImage {
        let cw = Int(Double(page.width) * rng.range(0.45, 0.8))
        let ch = min(page.height, Int(Double(cw) / 1.586))
        let x = Int(rng.range(0, Double(page.width - cw)))
        let y = Int(rng.range(0, Double(max(0, page.height - ch))))
        return page.cropped(x: x, y: y, width: cw, height: ch)
    }
}

/// Backgrounds shared by every worker: textures (tiled) and photos (out of focus), loaded once.
struct SurfacePools: Sendable {
    var textures: [FloatImage]
    var photos: [FloatImage]

    init(manifest: SourceManifest) throws {
        let decoder = ImageDecoder()
        textures = manifest.items(.surface).compactMap {
            try? FloatImage(decoder.decode(contentsOf: $0.path)).fitting(longSide: 384)
        }
        photos = manifest.items(.photo).compactMap {
            try? FloatImage(decoder.decode(contentsOf: $0.path)).fitting(longSide: 512)
        }
        guard !photos.isEmpty else {
            throw SplitError(problems: [
                "\(manifest.folder.path): the manifest lists no readable photo; run Tools/fetch-sources again"
            ])
        }
    }

    /// Under a page or object: a texture (half the time), a photo, or (inside `background`) a plain colour.
    func surface(rng: inout SeededGenerator) -> Surface {
        if !textures.isEmpty && rng.chance(0.5) {
            return Surface(image: textures[Int(rng.next() % UInt64(textures.count))], tiles: true)
        }
        return Surface(image: photos[Int(rng.next() % UInt64(photos.count))], tiles: false)
    }

    /// Around a screen: a photo.
    func room(rng: inout SeededGenerator) -> Surface {
        Surface(image: photos[Int(rng.next() % UInt64(photos.count))], tiles: false)
    }
}

/// Work queue and results of the build, shared by the workers.
final class JobResults: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var done = 0
    private let count: Int
    private var lastTenth = 0
    private var capturesDone = 0
    var outcomes: [Result<[String], Error>?]

    init(count: Int) {
        self.count = count
        outcomes = Array(repeating: nil, count: count)
    }

    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }

    func finish(_ j: Int, _ r: Result<[String], Error>, captures: Int) -> (crossedTenth: Bool, captures: Int) {
        lock.lock()
        defer { lock.unlock() }
        outcomes[j] = r
        done += 1
        capturesDone += captures
        let tenth = done * 10 / max(count, 1)
        defer { lastTenth = tenth }
        return (tenth > lastTenth, capturesDone)
    }
}
