import Distillation
import Engine
import Foundation
import Training

/// Trains a model from a YAML config (see `Configs/`). Progress goes to standard output; the run folder
/// (`train.output`) receives `config.yaml`, `log.jsonl`, `last/` and `best/` checkpoints. Started by `mpirun`
/// (a build with the `MPI` trait), every rank trains its share of each batch (`ProcessGroup`).
public enum TrainingRun {
    public static func run(
        configFile: String, resume: Bool, overrides: (inout TrainConfigOverrides) -> Void = { _ in }
    ) throws {
        var config = try TrainConfig.load(URL(fileURLWithPath: configFile))
        var o = TrainConfigOverrides()
        overrides(&o)
        // Command-line paths are relative to the current folder (a config's to its file); absolute here so
        // that the run's saved config.yaml reads the same from anywhere.
        if let v = o.output { config.train.output = ConfigPaths.fromCommandLine(v) }
        if let v = o.epochs {
            config.train.epochs = v
            config.train.steps = nil
        }
        if let v = o.steps { config.train.steps = v }
        if let v = o.train { config.data.train = ConfigPaths.fromCommandLine(v) }
        if let v = o.val { config.data.val = ConfigPaths.fromCommandLine(v) }
        if let v = o.initPath { config.model.initPath = ConfigPaths.fromCommandLine(v) }
        let group = try ProcessGroup.communicator()
        var softTargets: SoftTargets?
        if config.loss.distillationWeight > 0 {
            BLAS.configure()
            let teacher = try EfficientNetFeatureTeacher(weights: URL(fileURLWithPath: config.distillation.teacher))
            softTargets = try SoftTargetsBuilder.make(config: config, teacher: teacher) {
                guard group.isLeader else { return }
                print($0)
                fflush(nil)
            }
        }
        let trainer = try Trainer(config: config, resume: resume, softTargets: softTargets, group: group)
        try trainer.run()
    }
}

/// Command-line overrides of a config's most-changed fields.
public struct TrainConfigOverrides: Sendable {
    public var output: String?
    public var epochs: Int?
    public var steps: Int?
    public var train: String?
    public var val: String?
    /// The file to start from (`model.init`): a model file, a distilled backbone or a timm checkpoint.
    public var initPath: String?
}
