import Tensor

/// DiffAugment's "resize" policy as the CLIPAG reference adds it (`rand_resize`): the image is
/// resized by a random factor and then centre-padded with zeros or centre-cropped back to its size,
/// so content shrinks towards or grows from the centre.
public struct RandomRescale: Sendable {
    /// Range of the factor (CLIPAG: 0.8...1.2).
    public var factors: ClosedRange<Double>

    public init(factors: ClosedRange<Double> = 0.8...1.2) {
        precondition(factors.lowerBound > 0, "rescale factors \(factors) must be positive")
        self.factors = factors
    }

    /// One factor, uniform in `factors`. The reference draws one per call, shared by its batch.
    public func sample(generator: inout SeededGenerator) -> Double {
        factors.lowerBound + (factors.upperBound - factors.lowerBound) * Double(generator.nextUniform())
    }

    public func apply(_ images: Tensor, _ factors: [Double]) -> Tensor {
        rescale(images, factors)
    }
}

/// Resizes `images` [N, C, H, W] bilinearly (align_corners=False, no antialiasing) to
/// int(factor · H) x int(factor · W), then pads with zeros (factor < 1) or crops (factor > 1)
/// symmetrically back to H x W, the extra pixel of an odd difference going after (padding) or
/// before (cropping) as in the reference. The reference sizes both sides from the width, which is
/// the same for the square images it sees. Differentiable with respect to the images; factors
/// broadcast against the batch (see `Batching.swift`).
public func rescale(_ images: Tensor, _ factors: [Double]) -> Tensor {
    let height = images.shape[2], width = images.shape[3]
    return mapImages(images, factors, "rescale") { image, factor in
        let newHeight = Int(factor * Double(height)), newWidth = Int(factor * Double(width))
        precondition(newHeight > 0 && newWidth > 0, "rescale by \(factor) leaves no pixels of \(height)x\(width)")
        guard newHeight != height || newWidth != width else { return image }
        let resized = resize(image, height: newHeight, width: newWidth, mode: .bilinear)
        // Padding is a crop that starts before the image.
        func start(_ newSize: Int, _ size: Int) -> Int { newSize >= size ? (newSize - size) / 2 : -((size - newSize) / 2) }
        return cropAll(resized, PixelBox(top: start(newHeight, height), left: start(newWidth, width), height: height, width: width))
    }
}
