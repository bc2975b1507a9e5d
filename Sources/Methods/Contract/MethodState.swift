import Raster
import Scene
import Tensor

/// Everything a method keeps between steps, as named arrays: what a checkpoint holds so that a
/// run restored from it takes exactly the steps the uninterrupted run would have taken.
/// Floats are stored bit for bit; counts, flags and generator states as unsigned 64-bit words.
public struct MethodState: Equatable, Sendable {
    public private(set) var floats: [String: [Float]] = [:]
    public private(set) var words: [String: [UInt64]] = [:]

    public init() {}

    public init(floats: [String: [Float]], words: [String: [UInt64]]) {
        self.floats = floats
        self.words = words
    }

    public mutating func set(_ name: String, floats values: [Float]) { floats[name] = values }
    public mutating func set(_ name: String, words values: [UInt64]) { words[name] = values }
    public mutating func set(_ name: String, _ value: Int) { words[name] = [UInt64(bitPattern: Int64(value))] }
    public mutating func set(_ name: String, _ value: Bool) { words[name] = [value ? 1 : 0] }
    public mutating func set(_ name: String, _ generator: SeededGenerator) { words[name] = [generator.currentState] }
    /// A tensor's values (its shape is the restoring method's to know).
    public mutating func set(_ name: String, _ tensor: Tensor) { floats[name] = tensor.values }

    /// The float array `name`, which must hold `count` values when given.
    public func floats(_ name: String, count: Int? = nil) throws -> [Float] {
        guard let values = floats[name] else { throw Self.missing(name) }
        if let count, values.count != count {
            throw MethodError("the checkpoint's \(name) holds \(values.count) values where this run has \(count); it is from another run")
        }
        return values
    }

    public func words(_ name: String, count: Int? = nil) throws -> [UInt64] {
        guard let values = words[name] else { throw Self.missing(name) }
        if let count, values.count != count {
            throw MethodError("the checkpoint's \(name) holds \(values.count) values where this run has \(count); it is from another run")
        }
        return values
    }

    public func int(_ name: String) throws -> Int { Int(Int64(bitPattern: try words(name, count: 1)[0])) }
    public func bool(_ name: String) throws -> Bool { try words(name, count: 1)[0] != 0 }
    public func generator(_ name: String) throws -> SeededGenerator { SeededGenerator(state: try words(name, count: 1)[0]) }

    /// Copies the stored values into `tensor` in place (same count required).
    public func restore(_ name: String, into tensor: Tensor) throws {
        tensor.assign(try floats(name, count: tensor.count))
    }

    /// Stores every entry of `other` under `prefix` + its name (one state inside another).
    public mutating func merge(_ other: MethodState, prefix: String) {
        for (name, values) in other.floats { floats[prefix + name] = values }
        for (name, values) in other.words { words[prefix + name] = values }
    }

    /// The entries stored under `prefix`, with the prefix removed.
    public func substate(prefix: String) -> MethodState {
        MethodState(
            floats: Dictionary(
                uniqueKeysWithValues: floats.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) }),
            words: Dictionary(
                uniqueKeysWithValues: words.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) }))
    }

    private static func missing(_ name: String) -> MethodError {
        MethodError("the checkpoint has no \(name); it was written by another version or method")
    }
}

/// A method whose state between steps can be captured and restored: restoring a captured state
/// into a freshly prepared run (same inputs, settings and seed) and stepping gives exactly the
/// steps the captured run would have taken.
public protocol ResumableMethod: IterativeMethod {
    func captureState() -> MethodState
    /// Throws `MethodError` naming what does not match when `state` is not from a run like this.
    func restoreState(_ state: MethodState) throws
}

extension MethodState {
    /// A best-so-far loss and whether there is one.
    mutating func set(_ name: String, loss: Float?) {
        if let loss { floats[name] = [loss] } else { floats[name] = [] }
    }

    func loss(_ name: String) throws -> Float? { try floats(name).first }

    /// A drawing's values (points, widths, colours), as `SceneParameters` lays them out; its
    /// topology is the restoring run's own.
    mutating func set(_ name: String, scene: Scene?) {
        guard let scene else {
            words[name + ".present"] = [0]
            return
        }
        words[name + ".present"] = [1]
        let values = SceneParameters(scene)
        for (part, tensor) in [
            ("points", values.points), ("widths", values.strokeWidths), ("stroke", values.strokeColors), ("fill", values.fillColors),
        ] {
            floats["\(name).\(part)"] = tensor.values
        }
    }

    /// The drawing stored under `name`, laid over `template`'s paths (nil if none was stored).
    func scene(_ name: String, like template: Scene) throws -> Scene? {
        guard try words(name + ".present", count: 1)[0] != 0 else { return nil }
        let values = SceneParameters(template, optimising: [])
        try restore(name + ".points", into: values.points)
        try restore(name + ".widths", into: values.strokeWidths)
        try restore(name + ".stroke", into: values.strokeColors)
        try restore(name + ".fill", into: values.fillColors)
        return values.scene
    }
}

extension MethodState {
    /// An optimiser's step count and moments, parameter by parameter.
    mutating func set(_ name: String, optimizer: Adam) {
        set(name + ".step", optimizer.step)
        for (g, group) in optimizer.groups.enumerated() {
            for p in group.parameters.indices {
                let moments = optimizer.moments(group: g, parameter: p)
                floats["\(name).\(g).\(p).m"] = moments.first
                floats["\(name).\(g).\(p).v"] = moments.second
            }
        }
    }

    func restore(_ name: String, into optimizer: Adam) throws {
        let moments = try optimizer.groups.enumerated().map { g, group in
            try group.parameters.enumerated().map { p, parameter in
                (
                    first: try floats("\(name).\(g).\(p).m", count: parameter.count),
                    second: try floats("\(name).\(g).\(p).v", count: parameter.count)
                )
            }
        }
        optimizer.restore(step: try int(name + ".step"), moments: moments)
    }
}
