import Tensor

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The eXtended Difference of Gaussians edge map CLIPasso multiplies its attention map with, so
/// strokes start on edges: grey image, two Gaussian blurs (sigma and k·sigma), a soft threshold
/// (1 below epsilon, 1 + tanh(phi·D) above), min-max normalisation, then Otsu binarisation.
/// Edges come out 0 and everything else 1, as in the reference.
public struct XDoG: Sendable {
    public var sigma: Double
    public var k: Double
    public var gamma: Double
    public var phi: Double
    public var epsilon: Double

    /// The reference's constants.
    public init(sigma: Double = 0.8, k: Double = 10, gamma: Double = 0.98, phi: Double = 200, epsilon: Double = -0.1) {
        self.sigma = sigma
        self.k = k
        self.gamma = gamma
        self.phi = phi
        self.epsilon = epsilon
    }

    /// scikit-image's `rgb2gray` weights (ITU-R 709 luma) applied to `image` [3, H, W]; [H, W].
    public static func grey(_ image: Tensor) -> [Double] {
        precondition(image.rank == 3 && image.shape[0] == 3, "grey expects an RGB image [3, H, W], got \(image.shape)")
        let plane = image.shape[1] * image.shape[2], pixels = image.pointer
        return (0..<plane).map {
            0.2125 * Double(pixels[$0]) + 0.7154 * Double(pixels[plane + $0]) + 0.0721 * Double(pixels[2 * plane + $0])
        }
    }

    /// The soft response in [0, 1] before binarisation, for `grey` [H, W].
    public func response(grey: [Double], height: Int, width: Int) -> [Double] {
        let fine = GaussianFilter.apply(grey, height: height, width: width, sigma: sigma)
        let coarse = GaussianFilter.apply(grey, height: height, width: width, sigma: sigma * k)
        var response = zip(fine, coarse).map { fine, coarse -> Double in
            let difference = fine - gamma * coarse
            return difference < epsilon ? 1 : 1 + tanh(phi * difference)
        }
        let low = response.min()!, high = response.max()!
        // A flat image has no edges; the reference would divide by zero here.
        guard high > low else { return [Double](repeating: 1, count: response.count) }
        for index in response.indices { response[index] = (response[index] - low) / (high - low) }
        return response
    }

    /// The binary edge map [H, W] of `image` [3, H, W]: 0 on edges, 1 elsewhere.
    public func callAsFunction(_ image: Tensor) -> Tensor {
        let height = image.shape[1], width = image.shape[2]
        let soft = response(grey: Self.grey(image), height: height, width: width)
        let threshold = OtsuThreshold.threshold(soft)
        return Tensor(shape: [height, width], values: soft.map { $0 >= threshold ? 1 : 0 })
    }
}
