import Models
import Tensor

/// The content loss's substitute for VGG19: early feature maps of the run's own CLIP image
/// tower, which still describe where edges and shapes are rather than what the image means.
///
/// CLIP takes only its own resolution R, so the image is resized to a grid of whole R x R tiles
/// (rows = its height / R rounded, at least 1; columns likewise) and every tile goes through the
/// tower in one batch: a 512-pixel image is compared as four 224-pixel tiles, keeping four times
/// the spatial detail of one downscaled view.
///
/// - ViT: the token maps after blocks depth/6 and depth/3 (2 and 4 of ViT-B/32's 12); the tower
///   stops after the second.
/// - ResNet: the outputs of layer1 and layer2 (1/4 and 1/8 of R); the tower stops there.
struct CLIPContentFeatures: ContentFeatureSource {
    let model: CLIPModel

    private enum Layers {
        case blocks([Int])
        case resNetStages
    }

    private var layers: Layers {
        switch model.architecture.vision {
        case .transformer(_, let depth, _):
            return .blocks(Array(Set([max(1, depth / 6), max(1, depth / 3)])).sorted())
        case .resNet:
            return .resNetStages
        }
    }

    var description: String {
        switch layers {
        case .blocks(let blocks): "CLIP's own token maps after blocks \(blocks.map(String.init).joined(separator: " and "))"
        case .resNetStages: "CLIP's own ResNet layer1 and layer2 feature maps"
        }
    }

    func features(_ image: Tensor) -> [Tensor] {
        let tiles = CLIPModel.normalize(Self.tiles(of: image, resolution: model.imageResolution))
        switch layers {
        case .blocks(let blocks):
            let captured = model.encodeImage(tiles, capture: VisionCapture(blockTokens: true, blockLimit: blocks.last!))
            return blocks.map { captured.blockTokens[$0 - 1] }
        case .resNetStages:
            // Stage 0 is the stem; 1 and 2 are layer1 and layer2.
            let captured = model.encodeImage(tiles, capture: VisionCapture(stages: true, stageLimit: 2))
            return [captured.stages[1], captured.stages[2]]
        }
    }

    /// [rows × columns, 3, R, R] tiles of `image` [1, 3, H, W], row by row.
    static func tiles(of image: Tensor, resolution: Int) -> Tensor {
        let rows = max(1, Int((Double(image.shape[2]) / Double(resolution)).rounded()))
        let columns = max(1, Int((Double(image.shape[3]) / Double(resolution)).rounded()))
        let grid = resize(image, height: rows * resolution, width: columns * resolution, mode: .bilinear)
        guard rows * columns > 1 else { return grid }
        var tiles: [Tensor] = []
        for row in 0..<rows {
            let band = grid.slice(axis: 2, start: row * resolution, length: resolution)
            for column in 0..<columns { tiles.append(band.slice(axis: 3, start: column * resolution, length: resolution)) }
        }
        return concat(tiles, axis: 0)
    }
}
