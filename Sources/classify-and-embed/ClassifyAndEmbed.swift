import ArgumentParser
import ClassifyEmbed
import Engine

@main
struct ClassifyAndEmbed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify-and-embed",
        abstract:
            "Train, evaluate and serve a two-head LCNet050 model (document class + template embedding) on the CPU.",
        discussion: """
            The model: --model FILE, else $CLASSIFY_EMBED_MODEL, else the shipped model installed beside the tool \
            (PREFIX/share/classify-and-embed/default.safetensors, as Tools/install lays it out), else the one in \
            the checkout the tool was built in (Data/models/default.safetensors); the current folder plays no part.
            """,
        subcommands: [
            PredictCommand.self, VerifyCommand.self, RegisterCommand.self, MatchCommand.self, RemoveCommand.self,
            ServeCommand.self, ExportCommand.self, GradCAMCommand.self,
            TrainCommand.self, DistillCommand.self, EvaluateCommand.self, CompareCommand.self, MakeDatasetCommand.self,
            BenchmarkCommand.self,
        ],
        defaultSubcommand: PredictCommand.self
    )

    /// ArgumentParser's entry point, with the mistakes it cannot name well (`MistypedArguments.swift`).
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let message = mistypedSubcommand(arguments) { exit(withError: ValidationError(message)) }
        // A forced kernel set this machine cannot run, or a misspelt one, stops every command here.
        do { try KernelSet.validateEnvironment() } catch { exit(withError: ValidationError("\(error)")) }
        var command: ParsableCommand
        do { command = try parseAsRoot(arguments) } catch {
            // Help and completion-script requests also arrive here, as successes: only usage errors are checked.
            if exitCode(for: error) == .validationFailure { exitIfUnknownOption(arguments) }
            exit(withError: error)
        }
        do { try command.run() } catch { exit(withError: error) }
    }
}
