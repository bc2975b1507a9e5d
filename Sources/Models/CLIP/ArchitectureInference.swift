extension CLIPArchitecture {
    /// Reads the architecture off the tensor shapes, as OpenAI's `build_model` does.
    public init(inferringFrom shapes: [String: [Int]]) throws {
        func shape(_ name: String) throws -> [Int] {
            guard let found = shapes[name] else {
                throw ModelError.unrecognisedArchitecture("no \"\(name)\" tensor")
            }
            return found
        }
        /// Distinct values of the path component after `prefix` (block indices).
        func indices(after prefix: String) -> Set<Int> {
            Set(
                shapes.keys.compactMap { key -> Int? in
                    guard key.hasPrefix(prefix) else { return nil }
                    return Int(key.dropFirst(prefix.count).prefix { $0 != "." })
                })
        }
        let embedDimension = try shape("text_projection")[1]
        let vision: Vision
        let resolution: Int
        if shapes["visual.proj"] != nil {
            let conv = try shape("visual.conv1.weight")
            let positions = try shape("visual.positional_embedding")[0]
            let grid = Int(Double(positions - 1).squareRoot().rounded())
            guard grid * grid + 1 == positions else {
                throw ModelError.unrecognisedArchitecture("visual.positional_embedding has \(positions) rows, not a square grid plus one")
            }
            let layers = indices(after: "visual.transformer.resblocks.").count
            vision = .transformer(width: conv[0], layers: layers, patchSize: conv[3])
            resolution = conv[3] * grid
        } else if shapes["visual.attnpool.positional_embedding"] != nil {
            let width = try shape("visual.layer1.0.conv1.weight")[0]
            let stageBlocks = (1...4).map { indices(after: "visual.layer\($0).").count }
            let positions = try shape("visual.attnpool.positional_embedding")[0]
            let grid = Int(Double(positions - 1).squareRoot().rounded())
            vision = .resNet(stageBlocks: stageBlocks, width: width)
            resolution = grid * 32
        } else {
            throw ModelError.unrecognisedArchitecture("neither a vision transformer (visual.proj) nor a ResNet (visual.attnpool) was found")
        }
        let tokenShape = try shape("token_embedding.weight")
        self.init(
            vision: vision, imageResolution: resolution, embedDimension: embedDimension,
            contextLength: try shape("positional_embedding")[0], vocabularySize: tokenShape[0],
            textWidth: try shape("ln_final.weight")[0], textLayers: indices(after: "transformer.resblocks.").count)
    }
}
