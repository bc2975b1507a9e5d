import Models
import Tensor

/// CLIPAG's start image without the reference's Tiny-ImageNet prior: smooth random fields (a
/// random mean colour plus Gaussian variation, drawn at low resolution and upsampled bilinearly,
/// so they carry blobs and gradients rather than pixel noise), of which CLIP's favourite for the
/// prompt is kept, as the reference keeps the prior sample CLIP likes best.
struct SmoothFieldStart {
    let candidates: Int
    let resolution: Int
    /// Standard deviation of the variation around each field's mean colour.
    let variation: Float = 0.2

    /// The best field [1, 3, size, size] for `text` [1, embed] (unit length).
    func image(size: Int, model: CLIPModel, text: Tensor, normalize: Bool, viewsPerPass: Int, generator: inout SeededGenerator) -> Tensor {
        let fields = (0..<candidates).map { _ in field(size: size, generator: &generator) }
        var scores: [Float] = []
        for start in stride(from: 0, to: candidates, by: viewsPerPass) {
            var batch = concat(Array(fields[start..<min(start + viewsPerPass, candidates)]), axis: 0)
            if size != model.imageResolution {
                batch = resize(batch, height: model.imageResolution, width: model.imageResolution, mode: .bilinear)
            }
            if normalize { batch = CLIPModel.normalize(batch) }
            scores += matmul(l2Normalize(model.imageEmbedding(batch)), text, transposeB: true).values
        }
        return fields[scores.indices.max { scores[$0] < scores[$1] }!]
    }

    private func field(size: Int, generator: inout SeededGenerator) -> Tensor {
        let mean = (0..<3).map { _ in generator.nextUniform() }
        var values: [Float] = []
        for channel in 0..<3 {
            for _ in 0..<(resolution * resolution) {
                values.append(min(max(mean[channel] + variation * generator.nextNormal(), 0), 1))
            }
        }
        let coarse = Tensor(shape: [1, 3, resolution, resolution], values: values)
        return resize(coarse, height: size, width: size, mode: .bilinear)
    }
}
