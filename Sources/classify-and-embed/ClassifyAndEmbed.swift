import ArgumentParser

@main
struct ClassifyAndEmbed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify-and-embed",
        abstract: "Train, evaluate and serve a two-head LCNet050 model (document class + template embedding) on the CPU.",
        subcommands: [TrainCommand.self, EvaluateCommand.self, BenchmarkCommand.self]
    )
}
