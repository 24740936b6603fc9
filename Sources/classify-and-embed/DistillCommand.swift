import ArgumentParser
import ClassifyEmbed

struct DistillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill",
        abstract: "Pretrain the backbone on unlabelled images by distilling the EfficientNet-Lite0 teacher.",
        discussion: """
            The config (YAML, see Configs/distill.yaml) names the image folders (pool.folders), the views, the \
            student's projector and the schedule. Three stages, each resumable: the pool's images are decoded \
            once into pool.cache; the teacher's L2-normalised features of K augmented views per image are cached \
            there as float16 (a killed build continues); the backbone + projector learn to reproduce them. \
            train.output receives config.yaml, log.jsonl, last/ (resume with --resume) and \
            backbone.safetensors, which a training config starts from with model.init.
            """)

    @Option(help: "YAML distillation config.") var config: String
    @Flag(help: "Continue training from the run folder's last checkpoint.") var resume = false
    @Flag(help: "Stop after the teacher cache is complete (no training).") var cacheOnly = false
    @Option(help: "Run folder (overrides train.output).") var output: String?
    @Option(help: "Epochs (overrides train.epochs).") var epochs: Int?
    @Option(help: "Optimizer steps (overrides train.steps).") var steps: Int?

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
    }

    func run() throws {
        try DistillationRun.run(configFile: config, resume: resume, cacheOnly: cacheOnly) { o in
            o.output = output
            o.epochs = epochs
            o.steps = steps
        }
    }
}
