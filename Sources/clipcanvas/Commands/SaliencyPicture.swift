import Guidance
import Methods
import Output
import Tensor

/// Why strokes start where they do, for `sketch --save-saliency`: the attention map, the XDoG
/// edge map, and the photo with the start pixels marked, side by side.
enum SaliencyPicture {
    static func compose(target: SketchTarget, starts: [SaliencySampler.Pixel]) -> Image {
        let size = target.image.shape[3]
        let photo = Image(tensor: target.image.reshaped([3, size, size]))
        var panels: [Image] = []
        if let saliency = target.saliency { panels += [grey(saliency.attention), grey(saliency.edges)] }
        panels.append(marked(photo, starts))
        return ContactSheet.compose(panels, columns: panels.count)
    }

    private static func grey(_ map: Tensor) -> Image {
        let values = map.values
        return Image(width: map.shape[1], height: map.shape[0], channels: 3, pixels: values + values + values)
    }

    /// `photo` with a red 5×5 square on each start pixel.
    private static func marked(_ photo: Image, _ starts: [SaliencySampler.Pixel]) -> Image {
        var pixels = photo.pixels
        let plane = photo.width * photo.height
        for start in starts {
            for y in max(0, start.y - 2)...min(photo.height - 1, start.y + 2) {
                for x in max(0, start.x - 2)...min(photo.width - 1, start.x + 2) {
                    for (channel, value) in [Float(0.9), 0.1, 0.1].enumerated() { pixels[channel * plane + y * photo.width + x] = value }
                }
            }
        }
        return Image(width: photo.width, height: photo.height, channels: 3, pixels: pixels)
    }
}
