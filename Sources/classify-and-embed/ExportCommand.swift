import ArgumentParser
import ClassifyEmbed
import Foundation

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export the model as ONNX (two outputs: class probabilities and the normalised embedding).",
        discussion: """
            The graph takes preprocessed input `image` [batch, 3, H, W] (resize + normalisation as in the model's \
            metadata; the batch axis is dynamic) and returns `probabilities` and `embedding`. With --parity IMAGE…, \
            also writes <onnx>.parity.safetensors with those images preprocessed and this engine's outputs; \
            Tools/check-onnx-parity.py runs them through ONNX Runtime and compares.
            """)

    @Option(help: "Output .onnx file.") var onnx: String
    @OptionGroup var modelOptions: ModelOptions
    @Option(parsing: .upToNextOption, help: "Images (files, folders, globs) for the parity file.") var parity:
        [String] = []

    func run() throws {
        let predictor = try modelOptions.predictor()
        print(try ONNXExport.run(predictor: predictor, onnx: onnx, parityImages: ImageInputs.expand(parity)))
    }
}
