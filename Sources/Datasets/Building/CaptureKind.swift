/// What a capture shows, recorded per capture in `captures.csv` so that accuracy can be reported per kind.
package enum CaptureKind: String, CaseIterable, Sendable {
    case documentPage = "document.page"
    case documentCard = "document.card"
    case documentReceipt = "document.receipt"
    case documentSpread = "document.spread"
    case screenPage = "screen.page"
    case screenUI = "screen.ui"
    case screenPhoto = "screen.photo"
    case screenVideo = "screen.video"
    case photo = "not_a_document.photo"
    case photoWithText = "not_a_document.sign"
    case framedPicture = "not_a_document.framed"
    case object = "not_a_document.object"
    case texture = "not_a_document.texture"

    /// The class the kind belongs to.
    package var label: String { String(rawValue.split(separator: ".")[0]) }
}
