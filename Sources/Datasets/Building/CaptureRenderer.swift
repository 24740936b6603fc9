import Engine
import Foundation
import Imaging

/// Renders one identity's captures and writes them as JPEG files; every choice comes from a generator
/// seeded by the identity and the build's seed, so a capture does not depend on which worker made it or
/// whether the build was resumed.
struct CaptureRenderer: Sendable {
    var output: URL
    var seed: UInt64
    var synth: CaptureSynthesizer
    var backgrounds: Backgrounds

    /// The job's captures; their paths are relative to the output folder.
    func render(_ job: Job, index: Int) throws -> [CaptureRow] {
        let decoder = ImageDecoder()
        let subject = job.subject
        let item = subject.item
        var rng = SeededGenerator(seed: stableHash(subject.identity, seed: seed))
        var source: FloatImage
        if case .object = subject {
            let (rgb, alpha) = try decoder.decodeWithAlpha(contentsOf: item.path)
            source = FloatImage(rgb, alpha: alpha).fitting(longSide: 480)
        } else {
            source = FloatImage(try decoder.decode(contentsOf: item.path)).fitting(longSide: 900)
        }
        if case .page = subject, source.inkFraction() < 0.003 {
            throw BuildFailure(reason: "\(item.path.path): a blank page (nothing to tell it from another)")
        }
        if case .reader = subject, source.inkFraction() < 0.003 {
            throw BuildFailure(reason: "\(item.path.path): a blank page (nothing to tell it from another)")
        }
        var companions: [FloatImage] = []
        var donors: [SourceItem] = []
        switch subject {
        case .page(_, .card, _):
            let aspects = [1.586, 1.75, 1.42, 1.0, 2.4, 0.63, 0.7]
            source = source.cardCrop(aspect: aspects[Int(rng.next() % UInt64(aspects.count))], rng: &rng)
        case .page(_, .receipt, _):
            source = source.receiptCrop(rng: &rng)
        case .page(_, .spread, let partner?):
            let right = FloatImage(try decoder.decode(contentsOf: partner.path)).fitting(longSide: 900)
            source = source.spread(with: right, rng: &rng)
        case .object(_, let others):
            companions = others.compactMap { other in
                (try? decoder.decodeWithAlpha(contentsOf: other.path)).map {
                    FloatImage($0.0, alpha: $0.1).fitting(longSide: 480)
                }
            }
        case .photo(_, let pages):
            donors = pages
        default:
            break
        }
        var rows: [CaptureRow] = []
        for k in 0..<job.captures {
            var notes = CaptureNotes()
            var view = ""
            let (frame, kind) = try capture(
                subject, source: source, companions: companions, donors: donors, view: &view, notes: &notes, rng: &rng)
            let name = "\(job.split)/\(subject.label)/\(String(format: "%06d", index))_\(k).jpg"
            try JPEGWriter.write(
                frame.rgb8(), quality: synth.jpegQuality(rng: &rng), to: output.appendingPathComponent(name))
            rows.append(
                CaptureRow(
                    path: name, split: job.split, label: subject.label, identity: subject.identity, kind: kind,
                    view: view, notes: notes, package: item.package))
        }
        return rows
    }

    private func capture(
        _ subject: Subject, source: FloatImage, companions: [FloatImage], donors: [SourceItem], view: inout String,
        notes: inout CaptureNotes, rng: inout SeededGenerator
    ) throws -> (FloatImage, CaptureKind) {
        switch subject {
        case .page(_, let shape, _):
            let u = rng.uniform()
            let docView: DocumentView = u < 0.5 ? .photo : (u < 0.82 ? .locatorCrop : .scan)
            view = docView.rawValue
            let bend: PageWarp? = shape == .spread ? .spread : (shape == .receipt ? .curl : nil)
            let frame = synth.document(
                page: source, view: docView, surface: backgrounds.surface(rng: &rng), shape: bend, notes: &notes,
                rng: &rng)
            let kind: [Subject.PageShape: CaptureKind] = [
                .page: .documentPage, .card: .documentCard, .receipt: .documentReceipt, .spread: .documentSpread,
            ]
            return (frame, kind[shape]!)
        case .reader:
            let dark = rng.chance(0.3)
            if dark { notes.tags.append("dark") }
            let content = synth.readerView(page: source, dark: dark, chrome: rng.chance(0.7), rng: &rng)
            return (screen(content, notes: &notes, rng: &rng), .screenPage)
        case .screenshot:
            let dark = rng.chance(0.25)
            if dark { notes.tags.append("dark") }
            return (screen(dark ? synth.darkTheme(source) : source, notes: &notes, rng: &rng), .screenUI)
        case .screenPhoto:
            if rng.chance(0.5) {
                return (screen(synth.videoFrame(source, rng: &rng), notes: &notes, rng: &rng), .screenVideo)
            }
            return (screen(synth.photoViewer(source, rng: &rng), notes: &notes, rng: &rng), .screenPhoto)
        case .photo:
            let u = rng.uniform()
            if u < 0.3, !donors.isEmpty {
                let donor = donors[Int(rng.next() % UInt64(donors.count))]
                let text = try textLines(of: donor, rng: &rng)
                return (synth.photo(source, signText: text, notes: &notes, rng: &rng), .photoWithText)
            }
            if u < 0.5 {
                return (
                    synth.framedPicture(source, wall: backgrounds.room(rng: &rng), notes: &notes, rng: &rng),
                    .framedPicture
                )
            }
            return (synth.photo(source, notes: &notes, rng: &rng), .photo)
        case .object:
            var objects = [source]
            if !companions.isEmpty && rng.chance(0.3) { objects += companions.prefix(Int(1 + rng.next() % 2)) }
            return (synth.object(objects, surface: backgrounds.surface(rng: &rng), notes: &notes, rng: &rng), .object)
        case .texture:
            return (synth.texture(Surface(image: source, tiles: true), notes: &notes, rng: &rng), .texture)
        }
    }

    private func screen(_ content: FloatImage, notes: inout CaptureNotes, rng: inout SeededGenerator) -> FloatImage {
        synth.screen(
            content: content, display: synth.randomDisplay(rng: &rng), room: backgrounds.room(rng: &rng),
            desk: backgrounds.surface(rng: &rng), notes: &notes, rng: &rng)
    }

    /// A few lines of a page's text (a band across its upper two thirds) for a sign or label in a photo.
    private func textLines(of page: SourceItem, rng: inout SeededGenerator) throws -> FloatImage {
        let image = FloatImage(try ImageDecoder().decode(contentsOf: page.path)).fitting(longSide: 600)
        let w = Int(Double(image.width) * rng.range(0.3, 0.75))
        let h = max(8, Int(Double(image.height) * rng.range(0.04, 0.14)))
        let x = Int(Double(image.width) * rng.range(0.08, 0.9 - Double(w) / Double(image.width)))
        let y = Int(Double(image.height) * rng.range(0.1, 0.65))
        return image.cropped(x: x, y: y, width: w, height: h)
    }
}
