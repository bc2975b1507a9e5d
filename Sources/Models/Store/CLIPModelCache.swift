import Foundation

/// Models a process keeps in memory for the runs that follow: `clipcanvas batch` runs many jobs
/// in one process, and reading a checkpoint (hundreds of MB, seconds) once per job would cost
/// more than a short job's steps. A model is kept by what the loader was asked for and the
/// activation it builds with; each run gets its own handle on the shared weights
/// (`CLIPModel.sharingWeights`), since runs release their handle's text tower.
public final class CLIPModelCache: @unchecked Sendable {
    private struct Key: Hashable {
        let nameOrPath: String
        let activation: CLIPArchitecture.Activation?
        let precision: CLIPPrecision
    }

    private var models: [Key: CLIPModel] = [:]
    private let lock = NSLock()

    public init() {}

    /// A handle on the model loaded earlier for `nameOrPath` with `activation` and `precision`
    /// (a tower converted to int8 or bf16 is shared only with runs asking for the same), if any.
    func model(_ nameOrPath: String, activation: CLIPArchitecture.Activation?, precision: CLIPPrecision) -> CLIPModel? {
        lock.withLock { models[Key(nameOrPath: nameOrPath, activation: activation, precision: precision)] }?.sharingWeights()
    }

    func keep(_ model: CLIPModel, for nameOrPath: String, activation: CLIPArchitecture.Activation?, precision: CLIPPrecision) {
        lock.withLock { models[Key(nameOrPath: nameOrPath, activation: activation, precision: precision)] = model.sharingWeights() }
    }

    /// How many models are held.
    public var count: Int { lock.withLock { models.count } }
}
