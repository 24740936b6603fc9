import ArgumentParser
import ClassifyEmbed

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the two-head model from CSV splits.",
        discussion: """
            The config (YAML, see Configs/) sets the model, margin, loss weights, data and schedule. Outputs go to \
            train.output: the resolved config.yaml, log.jsonl, and the last/ and best/ checkpoints (best by the \
            validation metric). --resume continues from last/ exactly where it stopped.
            """)

    @Option(help: "YAML config file.") var config: String
    @Flag(help: "Continue from the run folder's last checkpoint.") var resume = false
    @Option(help: "Run folder (overrides train.output).") var output: String?
    @Option(help: "Epochs (overrides train.epochs).") var epochs: Int?
    @Option(help: "Optimizer steps (overrides train.steps).") var steps: Int?
    @Option(help: "Training split CSV (overrides data.train).") var trainSplit: String?
    @Option(help: "Validation split CSV (overrides data.val).") var valSplit: String?
    @Option(
        name: .customLong("init"),
        help: ArgumentHelp(
            "Start from this file (overrides model.init): a model file (whole model), a backbone written by "
                + "`distill`, or a timm lcnet_050 checkpoint (.safetensors/.pth/.bin).", valueName: "path"))
    var initPath: String?

    func run() throws {
        do {
            try TrainingRun.run(configFile: config, resume: resume) { o in
                o.output = output
                o.epochs = epochs
                o.steps = steps
                o.train = trainSplit
                o.val = valSplit
                o.initPath = initPath
            }
        } catch {
            // Under mpirun one rank's error ends every rank (the others would wait in a collective).
            ProcessGroup.end(after: error)
            throw error
        }
        ProcessGroup.finish()
    }
}
