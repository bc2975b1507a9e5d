/// What every method's configuration has, so the command-line flags shared by all methods
/// (`--model`, `--iterations`) override it in one place.
public protocol MethodConfiguration: Codable, Sendable {
    /// Model name or weights file.
    var model: String { get set }
    /// Optimisation steps.
    var iterations: Int { get set }
}

extension CLIPDraw.Configuration: MethodConfiguration {}
