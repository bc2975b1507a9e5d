import Models

/// The float32 bound of a timed case: the matmul and convolution work it cannot avoid, counted
/// as direct products (2 FLOPs a multiply-add; Winograd's savings and the backward's skipped
/// weight gradients are not credited), timed at the sgemm rate `bench` measures in the same run.
/// Reaching it means running every product at the speed of one large, well-shaped sgemm.
struct StepBound {
    let flops: Double
    /// The stage of a method step the work belongs to (its median is compared), or nil for the
    /// whole step.
    var stage: String? = nil
}

/// FLOPs of CLIP image-tower passes, from the architecture.
enum ImageTowerFlops {
    /// One forward pass of `images` images at the architecture's resolution. A forward plus
    /// input-gradient pass (frozen weights) is twice this: each product's input gradient is one
    /// product of the same size.
    static func forward(_ architecture: CLIPArchitecture, images: Int) -> Double {
        switch architecture.vision {
        case .transformer(let width, let layers, let patchSize):
            let side = architecture.imageResolution / patchSize
            return Double(images)
                * transformer(
                    width: width, layers: layers, patchPixels: 3 * patchSize * patchSize, patches: side * side,
                    embed: architecture.embedDimension)
        case .resNet(let stageBlocks, let width):
            return Double(images)
                * resNet(
                    stageBlocks: stageBlocks, width: width, resolution: architecture.imageResolution, embed: architecture.embedDimension)
        }
    }

    /// One image through a ViT: patch embedding, every block but the last on all tokens, the
    /// last on the class token alone (keys and values for every token; query, output projection
    /// and MLP for one: only the class token is read), the projection.
    static func transformer(width: Int, layers: Int, patchPixels: Int, patches: Int, embed: Int) -> Double {
        let w = Double(width), tokens = Double(patches + 1), heads = Double(width / 64), headWidth = 64.0
        let patchEmbedding = 2 * Double(patches * patchPixels) * w
        let block = 2 * tokens * w * (3 * w + w + 4 * w + 4 * w) + 2 * 2 * heads * tokens * tokens * headWidth
        let lastBlock = 2 * (tokens * w * 2 * w + w * (w + w + 4 * w + 4 * w)) + 2 * 2 * heads * tokens * headWidth
        return patchEmbedding + Double(layers - 1) * block + lastBlock + 2 * w * Double(embed)
    }

    /// One image through OpenAI's modified ResNet: the three-convolution stem, the bottleneck
    /// stages (stride by average pooling before the last 1x1, an average-pooled 1x1 shortcut
    /// where the shape changes) and the attention pool (keys and values for every position, the
    /// query and output projection for the pooled token).
    static func resNet(stageBlocks: [Int], width: Int, resolution: Int, embed: Int) -> Double {
        var flops = 0.0
        func convolution(_ inChannels: Int, _ outChannels: Int, kernel: Int, side: Int) {
            flops += 2 * Double(inChannels * outChannels * kernel * kernel * side * side)
        }
        var side = resolution / 2
        convolution(3, width / 2, kernel: 3, side: side)
        convolution(width / 2, width / 2, kernel: 3, side: side)
        convolution(width / 2, width, kernel: 3, side: side)
        side /= 2
        var inChannels = width
        for (stage, blocks) in stageBlocks.enumerated() {
            let planes = width << stage
            for block in 0..<blocks {
                let stride = stage > 0 && block == 0 ? 2 : 1
                convolution(inChannels, planes, kernel: 1, side: side)
                convolution(planes, planes, kernel: 3, side: side)
                side /= stride
                convolution(planes, 4 * planes, kernel: 1, side: side)
                if stride > 1 || inChannels != 4 * planes { convolution(inChannels, 4 * planes, kernel: 1, side: side) }
                inChannels = 4 * planes
            }
        }
        let tokens = Double(side * side + 1), channels = Double(inChannels)
        flops += 2 * (2 * tokens * channels * channels + channels * channels + channels * Double(embed)) + 2 * 2 * tokens * channels
        return flops
    }
}
