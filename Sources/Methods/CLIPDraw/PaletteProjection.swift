import Scene
import Tensor

/// Draws colours from a fixed palette while the optimiser moves free colours: each RGBA row is
/// drawn as the palette colour nearest to its RGB (alpha unchanged), and the image gradient
/// passes straight through to the free colour (the straight-through estimator), so a stroke can
/// drift towards and then jump to another palette colour. What is drawn is always a palette
/// colour, so the saved drawing is exactly what the optimiser saw.
struct PaletteProjection {
    let palette: [RGBA]

    /// `colors` [n, 4] with each RGB replaced by its nearest palette entry.
    func callAsFunction(_ colors: Tensor) -> Tensor {
        precondition(colors.rank == 2 && colors.shape[1] == 4, "palette projection takes RGBA rows, got \(colors.shape)")
        let drawn = colors.copy()
        let values = drawn.pointer
        for row in 0..<colors.shape[0] {
            let nearest = nearestEntry(values[4 * row], values[4 * row + 1], values[4 * row + 2])
            values[4 * row] = nearest.r
            values[4 * row + 1] = nearest.g
            values[4 * row + 2] = nearest.b
        }
        drawn.recordIfNeeded([colors]) { output, outputGrad in
            guard let gradient = colors.gradientBuffer() else { return }
            for index in 0..<output.count { gradient[index] += outputGrad.pointer[index] }
        }
        return drawn
    }

    private func nearestEntry(_ r: Float, _ g: Float, _ b: Float) -> RGBA {
        palette.min { distance($0, r, g, b) < distance($1, r, g, b) }!
    }

    private func distance(_ color: RGBA, _ r: Float, _ g: Float, _ b: Float) -> Float {
        (color.r - r) * (color.r - r) + (color.g - g) * (color.g - g) + (color.b - b) * (color.b - b)
    }
}
