import Guidance
import Models
import Output
import Tensor

/// `--watch N`: the label watches of a run, built as its models load (before a method encodes
/// its prompts and releases the text tower), and what CLIP sees in a frame of the run.
final class Watching {
    /// The templates: the CLIPDraw reference's for the vector methods; CLIP's own zero-shot
    /// template for the methods that make pixels (a stylised photo, a painting).
    static let drawing = "a drawing of a {}"
    static let photo = "a photo of a {}"

    let every: Int
    let labels: [String]
    let template: String
    let prompt: String?
    private let note: (String) -> Void
    /// One watch per model the run loaded, by the name or path that asked for it: a sketch loads
    /// its saliency model before it knows which model stays, and the run keeps only that one's.
    private var watches: [String: LabelWatch] = [:]
    /// Once known, the only model worth watching with (see `restrict`).
    private var only: String?

    init(every: Int, labels: [String], template: String, prompt: String?, note: @escaping (String) -> Void) {
        self.every = every
        self.labels = labels
        self.template = template
        self.prompt = prompt
        self.note = note
    }

    /// The loader's `prepare` hook. A model loaded again under the same name (a sketch whose
    /// saliency and geometric models are one) gets a new watch, so the first copy can go.
    func prepare(_ name: String, _ model: CLIPModel) throws {
        guard only == nil || only == name, model.hasTextTower else { return }
        watches[name] = nil
        note("embedding \(plural(labels.count, "watch label")) as \"\(LabelWatch.fill(template, with: "…"))\"…")
        watches[name] = try LabelWatch(labels: labels, template: template, prompt: prompt, model: model)
    }

    /// From now on only the model `name` is watched with; other watches (and the models they
    /// hold) go, so a sketch holds one model at a time as it would without --watch.
    func restrict(to name: String) {
        only = name
        watches = watches.filter { $0.key == name }
    }

    /// The watch of the model the run kept; the others (and their models) are let go.
    func keep(_ name: String) -> LabelWatch? {
        let kept = watches[name]
        watches = [:]
        return kept
    }

    /// What CLIP sees in `frame`: a scene rendered at the model's resolution (its longer side),
    /// or an image, which the watch resizes as CLIP's preprocessing does.
    static func read(_ frame: AnimationFrame, with watch: LabelWatch) throws -> LabelWatch.Reading {
        switch frame {
        case .image(let image):
            return watch.read(image)
        case .scene(let scene):
            let size = SceneExport.outputSize(of: scene, longerSide: watch.resolution)
            return watch.read(try CairoRenderer.render(scene, width: size.width, height: size.height).compositedOnWhite().tensor)
        }
    }
}
