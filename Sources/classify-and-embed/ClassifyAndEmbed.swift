import ArgumentParser

@main
struct ClassifyAndEmbed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify-and-embed",
        abstract:
            "Train, evaluate and serve a two-head LCNet050 model (document class + template embedding) on the CPU.",
        subcommands: [
            PredictCommand.self, VerifyCommand.self, RegisterCommand.self, MatchCommand.self, RemoveCommand.self,
            ExportCommand.self, GradCAMCommand.self,
            TrainCommand.self, DistillCommand.self, EvaluateCommand.self, CompareCommand.self, MakeDatasetCommand.self,
            BenchmarkCommand.self,
        ],
        defaultSubcommand: PredictCommand.self
    )
}
