import Tensor

// CLIPstyler's smoothness prior (`get_image_prior_losses` of the reference): the sum of the L2
// norms of four difference images of the output — horizontal, vertical and both diagonals —
// each norm taken over the whole batch at once.
//
// One fused op instead of slices and subtractions: it reads the image once per direction and
// needs no temporaries the size of the image, and it gives a zero subgradient where a
// difference image is all zero (a flat image), as `torch.norm` does, where sqrt(Σd²) built from
// ops would divide by zero.

/// One difference image: pixel (y + first.dy, x + first.dx) minus pixel (y + second.dy,
/// x + second.dx), for y in 0..<H−1 or 0..<H and x likewise (the rows and columns the offsets fit).
private struct Neighbour {
    let first: (dy: Int, dx: Int)
    let second: (dy: Int, dx: Int)

    var rowsLost: Int { max(first.dy, second.dy) }
    var columnsLost: Int { max(first.dx, second.dx) }

    /// In the reference's order: x[..., :-1] − x[..., 1:] along the width, then along the
    /// height, then the anti-diagonal x[..., 1:, :-1] − x[..., :-1, 1:], then the diagonal.
    static let all = [
        Neighbour(first: (0, 0), second: (0, 1)),
        Neighbour(first: (0, 0), second: (1, 0)),
        Neighbour(first: (1, 0), second: (0, 1)),
        Neighbour(first: (0, 0), second: (1, 1)),
    ]
}

/// The total variation of `images` [N, C, H, W] (H, W ≥ 2), a scalar.
public func totalVariation(_ images: Tensor) -> Tensor {
    precondition(
        images.rank == 4 && images.shape[2] >= 2 && images.shape[3] >= 2,
        "total variation of images [N, C, H ≥ 2, W ≥ 2], got \(images.shape)")
    let planes = images.shape[0] * images.shape[1], height = images.shape[2], width = images.shape[3]
    let plane = height * width, neighbours = Neighbour.all
    let input = images.pointer
    // Σd² per (plane, direction), in double: an image has hundreds of thousands of small terms.
    var squares = [Double](repeating: 0, count: planes * neighbours.count)
    squares.withUnsafeMutableBufferPointer { squares in
        let partial = squares.baseAddress!
        Parallel.forEachChunk(planes, grain: max(1, 16_384 / plane)) { range in
            for p in range {
                let x = input + p * plane
                for (k, n) in neighbours.enumerated() {
                    var total = 0.0
                    for y in 0..<(height - n.rowsLost) {
                        let a = x + (y + n.first.dy) * width + n.first.dx, b = x + (y + n.second.dy) * width + n.second.dx
                        var row: Float = 0
                        for i in 0..<(width - n.columnsLost) {
                            let d = a[i] - b[i]
                            row += d * d
                        }
                        total += Double(row)
                    }
                    partial[p * neighbours.count + k] = total
                }
            }
        }
    }
    let norms: [Float] = (0..<neighbours.count).map { k in
        Float(stride(from: k, to: squares.count, by: neighbours.count).reduce(0.0) { $0 + squares[$1] }.squareRoot())
    }
    let result = Tensor(scalar: norms.reduce(0, +))
    result.recordIfNeeded([images]) { _, outputGrad in
        guard let dx = images.gradientBuffer() else { return }
        // d‖D‖/dD = D / ‖D‖, added to the first pixel of each pair and taken from the second.
        let scales = norms.map { $0 > 0 ? outputGrad.pointer[0] / $0 : 0 }
        Parallel.forEachChunk(planes, grain: max(1, 16_384 / plane)) { range in
            for p in range {
                let x = input + p * plane, g = dx + p * plane
                for (k, n) in neighbours.enumerated() where scales[k] != 0 {
                    let scale = scales[k]
                    for y in 0..<(height - n.rowsLost) {
                        let first = (y + n.first.dy) * width + n.first.dx, second = (y + n.second.dy) * width + n.second.dx
                        for i in 0..<(width - n.columnsLost) {
                            let d = scale * (x[first + i] - x[second + i])
                            g[first + i] += d
                            g[second + i] -= d
                        }
                    }
                }
            }
        }
    }
    return result
}
