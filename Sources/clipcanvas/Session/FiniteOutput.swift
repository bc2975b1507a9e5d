import Foundation
import Models
import Scene
import Tensor

/// The last guard before a file is written: no NaN or infinity reaches an output (an SVG with
/// `M nan nan`, a NaN .npy, a `-nan` score). Weights are checked at load and every step's loss
/// after the step; this catches what slips past both.
enum FiniteOutput {
    struct NonFiniteOutput: Error, LocalizedError {
        let what: String
        var errorDescription: String? {
            "\(what) holds NaN or infinite values; nothing was written (are the model's weights sound? a learning rate too large?)"
        }
    }

    static func check(_ scene: Scene, _ what: String = "the drawing") throws {
        for path in scene.paths {
            let colours = [path.strokeColor, path.fillColor].compactMap { $0 }.flatMap { [$0.r, $0.g, $0.b, $0.a] }
            guard path.strokeWidth.isFinite, path.points.allSatisfy({ $0.x.isFinite && $0.y.isFinite }), colours.allSatisfy(\.isFinite)
            else {
                throw NonFiniteOutput(what: what)
            }
        }
    }

    static func check(_ tensor: Tensor, _ what: String) throws {
        guard UnsafeBufferPointer(start: tensor.pointer, count: tensor.count).allSatisfy(\.isFinite) else {
            throw NonFiniteOutput(what: what)
        }
    }
}
