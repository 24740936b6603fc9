import Engine
import Foundation
import Imaging

/// What one identity of the data set is made from.
enum Subject: Sendable {
    /// A document page as a full page, a card, a receipt, or a two-page spread with `partner` on the right.
    case page(SourceItem, shape: PageShape, partner: SourceItem?)
    /// A page shown in a reader app on a screen.
    case reader(SourceItem)
    /// A UI screenshot on a screen.
    case screenshot(SourceItem)
    /// A photo shown on a screen (a gallery app or a video player).
    case screenPhoto(SourceItem)
    /// A photo re-captured; `donors` are pages of the same split whose text may appear on a sign in it.
    case photo(SourceItem, donors: [SourceItem])
    /// A cut-out object; `companions` (objects of the same split) sometimes lie beside it.
    case object(SourceItem, companions: [SourceItem])
    case texture(SourceItem)

    enum PageShape: String, Sendable { case page, card, receipt, spread }

    var item: SourceItem {
        switch self {
        case .page(let i, _, _), .reader(let i), .screenshot(let i), .screenPhoto(let i), .photo(let i, _),
            .object(let i, _), .texture(let i):
            return i
        }
    }

    var group: SubjectGroup {
        switch self {
        case .page(_, let shape, _):
            switch shape {
            case .page: return .page
            case .card: return .card
            case .receipt: return .receipt
            case .spread: return .spread
            }
        case .reader: return .reader
        case .screenshot: return .ui
        case .screenPhoto: return .screenPhoto
        case .photo: return .photo
        case .object: return .object
        case .texture: return .texture
        }
    }

    var label: String { group.label }

    var identity: String {
        let stem = (item.key as NSString).deletingPathExtension
        switch group {
        case .page: return "page:" + stem
        case .card: return "card:" + stem
        case .receipt: return "receipt:" + stem
        case .spread: return "spread:" + stem
        case .reader: return "reader:" + stem
        case .screenPhoto: return "screen-photo:" + stem
        default: return stem
        }
    }
}

/// Identities grouped by what they are; each group gets a share of its class's captures, so that a class
/// is not dominated by whichever source is most plentiful (reader pages would otherwise swamp UI screens).
enum SubjectGroup: String, CaseIterable, Sendable {
    case page, card, receipt, spread, reader, ui, screenPhoto, photo, object, texture

    var label: String {
        switch self {
        case .page, .card, .receipt, .spread: return "document"
        case .reader, .ui, .screenPhoto: return "screen"
        case .photo, .object, .texture: return "not_a_document"
        }
    }

    var share: Double {
        switch self {
        case .page: return 0.6
        case .card: return 0.15
        case .receipt: return 0.1
        case .spread: return 0.15
        case .reader: return 0.4
        case .ui: return 0.35
        case .screenPhoto: return 0.25
        case .photo: return 0.5
        case .object: return 0.35
        case .texture: return 0.15
        }
    }
}

/// One identity to render: its subject, split and number of captures.
struct Job: Sendable {
    var subject: Subject
    var split: String
    var captures: Int
}

extension DatasetBuilder {
    /// Plans the identities of every split. Train / val / test come from the manifest's `train` pool, split by
    /// a seeded hash of each source file; the shift split from the `shift` pool only. Deterministic for a seed.
    func plan(_ manifest: SourceManifest) -> [Job] {
        let s = settings
        var jobs = planPool(manifest, pool: .train) { item in
            let u = unit(item.key, "split")
            return u < s.testFraction ? "test" : (u < s.testFraction + s.validationFraction ? "val" : "train")
        }
        if s.shiftCapturesPerClass > 0 {
            jobs += planPool(manifest, pool: .shift) { _ in "shift" }
        }
        return jobs
    }

    /// A uniform number in 0…1 fixed by the seed, a salt and a key.
    func unit(_ key: String, _ salt: String) -> Double {
        Double(stableHash(salt + "/" + key, seed: settings.seed) >> 11) / Double(1 << 53)
    }

    private func planPool(_ manifest: SourceManifest, pool: SourceItem.Pool, split: (SourceItem) -> String) -> [Job] {
        let s = settings
        let pages = manifest.items(.document, pool: pool)
        var pagesBySplit: [String: [SourceItem]] = [:]
        for page in pages { pagesBySplit[split(page), default: []].append(page) }
        var subjects: [Subject] = []
        for (k, page) in pages.enumerated() {
            let u = unit(page.key, "shape")
            var shape = Subject.PageShape.page
            if u < s.cardFraction {
                shape = .card
            } else if u < s.cardFraction + s.receiptFraction {
                shape = .receipt
            } else if u < s.cardFraction + s.receiptFraction + s.spreadFraction {
                shape = .spread
            }
            var partner: SourceItem?
            if shape == .spread {
                // The next page of the same package in the same split (a test page never joins a training one).
                let home = split(page)
                partner = pages[(k + 1)...].prefix(24).first { $0.package == page.package && split($0) == home }
                if partner == nil { shape = .page }
            }
            subjects.append(.page(page, shape: shape, partner: partner))
            if unit(page.key, "reader") < s.readerFraction { subjects.append(.reader(page)) }
        }
        subjects += manifest.items(.screen, pool: pool).map { .screenshot($0) }
        let photos = manifest.items(.photo, pool: pool)
        for photo in photos {
            let donors = pagesBySplit[split(photo)] ?? []
            let picked =
                donors.isEmpty
                ? [] : (0..<3).map { donors[Int(stableHash(photo.key + "\($0)", seed: s.seed) % UInt64(donors.count))] }
            subjects.append(.photo(photo, donors: picked))
            subjects.append(.screenPhoto(photo))
        }
        let objects = manifest.items(.object, pool: pool)
        var objectsBySplit: [String: [SourceItem]] = [:]
        for o in objects { objectsBySplit[split(o), default: []].append(o) }
        for (_, same) in objectsBySplit.sorted(by: { $0.key < $1.key }) {
            for (at, o) in same.enumerated() {
                let companions = (1...2).map { same[(at + $0 * 7) % same.count] }.filter { $0.key != o.key }
                subjects.append(.object(o, companions: companions))
            }
        }
        subjects += manifest.items(.surface, pool: pool).map { .texture($0) }

        let perClass = pool == .shift ? Double(s.shiftCapturesPerClass) : Double(s.trainCaptures) / 3
        var jobs: [Job] = []
        for name in Self.classNames {
            let groups = SubjectGroup.allCases.filter { $0.label == name }
            let present = groups.filter { g in subjects.contains { $0.group == g } }
            let shareTotal = present.reduce(0) { $0 + $1.share }
            for group in present {
                let mine = subjects.filter { $0.group == group }
                let budget = perClass * group.share / shareTotal
                // The identities that set the budget: training's (or, for the shift pool, all of them).
                let counted = pool == .shift ? mine.count : mine.filter { split($0.item) == "train" }.count
                let least = pool == .shift ? max(s.minCapturesPerIdentity, 4) : s.minCapturesPerIdentity
                var keep = 1.0
                var each = max(least, Int((budget / Double(max(counted, 1))).rounded()))
                if Double(counted * least) > budget {
                    keep = budget / Double(counted * least)
                    each = least
                }
                for subject in mine where keep >= 1 || unit(subject.identity, "keep") < keep {
                    jobs.append(Job(subject: subject, split: split(subject.item), captures: each))
                }
            }
        }
        return jobs
    }
}
