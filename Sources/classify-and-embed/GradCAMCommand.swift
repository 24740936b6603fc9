import ArgumentParser
import ClassifyEmbed
import Foundation

struct GradCAMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcam",
        abstract: "Grad-CAM heat map over an image, as a PNG: which regions drove a class score or a similarity.",
        discussion: """
            Without --reference it explains the classification head (the predicted class, or --class). With \
            --reference it explains the embedding head: the cosine similarity between IMAGE's embedding and the \
            reference image's. The map comes from the backbone's last feature map (1/32 of the input size), is \
            scaled so that its strongest cell is 1 and upsampled over the original image; a colour bar on the right \
            shows the scale (blue 0 to red 1).
            """)

    @Argument(help: "Image to explain (- reads it from standard input).") var image: String
    @OptionGroup var modelOptions: ModelOptions
    @Option(name: .customLong("class"), help: "Class to explain (default: the predicted one).") var className: String?
    @Option(help: "Reference image (or - for standard input): explain the embedding similarity to it instead.")
    var reference: String?
    @Option(help: "Output PNG.") var out: String

    func run() throws {
        let cam = try GradCAM(predictor: try modelOptions.predictor())
        let sources = try ImageInputs.sources([image] + (reference.map { [$0] } ?? []), expandingFolders: false)
        let map =
            try sources.count > 1
            ? cam.embedding(sources[0], reference: sources[1]) : cam.classification(sources[0], className: className)
        try GradCAM.writeOverlay(map, on: sources[0], to: URL(fileURLWithPath: out))
        print("\(image): Grad-CAM of \(map.explains) → \(out) (\(map.width)×\(map.height) feature grid)")
    }
}
