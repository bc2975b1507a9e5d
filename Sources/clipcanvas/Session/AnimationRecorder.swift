import Foundation
import Output
import Scene
import Tensor

/// What one animation frame shows: a vector method's scene or an image method's picture.
enum AnimationFrame {
    case scene(Scene)
    case image(Tensor)

    /// Which state of the method a frame is taken from.
    enum Moment {
        /// The state after the latest step (the optimisation as it moves).
        case current
        /// The result the run writes with -o (the animation's last frame).
        case result
    }
}

/// Streams a run's frames into `--animate FILE` as they are taken (GIF: rendered and encoded at
/// once; SVG: numbers appended to a temporary file), so no frame is kept for the whole run. The
/// file appears only when `finish()` succeeds; `discard()` (or a failure) leaves nothing.
final class AnimationRecorder {
    let options: AnimationOptions
    let path: String
    private var gif: GIFAnimation?
    private var svg: SVGAnimation?

    /// nil without `--animate`.
    init?(options: AnimationOptions) {
        guard let path = options.animate, let format = options.format else { return nil }
        self.options = options
        self.path = path
        if format == .svg { svg = SVGAnimation(path: path, framesPerSecond: options.framesPerSecond) }
    }

    /// Whether the state after `step` is a frame (the result is always the last one).
    func isDue(afterStep step: Int) -> Bool { step % options.every == 0 }

    func record(_ frame: AnimationFrame) throws {
        if let svg {
            guard case .scene(let scene) = frame else { preconditionFailure("an animated SVG takes scenes") }
            try svg.add(scene)
            return
        }
        let image: Image
        switch frame {
        case .scene(let scene):
            // The canvas size: the size the method sees, not the -o --size of the result.
            let size = SceneExport.outputSize(of: scene, longerSide: nil)
            image = try CairoRenderer.render(scene, width: size.width, height: size.height)
        case .image(let tensor):
            image = Image(tensor: tensor)
        }
        if gif == nil {
            gif = try GIFAnimation(path: path, width: image.width, height: image.height, framesPerSecond: options.framesPerSecond)
        }
        try gif!.add(image)
    }

    /// Completes the file and renames it into place; returns its path.
    func finish() throws -> String {
        try svg?.finish()
        try gif?.finish()
        return path
    }

    func discard() {
        svg?.discard()
        gif?.discard()
    }
}
