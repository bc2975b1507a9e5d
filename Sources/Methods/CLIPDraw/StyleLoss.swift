import Tensor

/// StyleCLIPDraw's style loss (STROTSS's, with its content term off) between the drawing's
/// hypercolumns X [N, D] and the style image's Y [M, D], as the reference's `calculate_loss`
/// with `content_weight` 0 and `moment_weight` 1 (pschaldenbrand/StyleCLIPDraw, predict.py):
///
///     (REMD_cos(X, Y) + |μx − μy|‾ + |Σx − Σy|‾ + REMD_palette(X₀..₂, Y₀..₂)) / 2
///
/// - REMD is the relaxed earth mover's distance of a cost matrix: the larger of the mean over
///   X's rows of their nearest Y and the mean over Y's rows of their nearest X.
/// - The moment terms are mean absolute differences of the column means and of the covariance
///   matrices (divided by N − 1).
/// - The palette term compares the first three channels (the normalised image) in the
///   reference's YUV-like basis with cosine distance plus √(clamp(‖u − v‖², 1e-5, 1e5) / 3).
/// - The sum is divided by the reference's `content_weight + style_weight` = 0 + (1 + 1).
///
/// Built from differentiable tensor ops, so the image gradient is the tape's. The style side is
/// computed once.
@_spi(StepParity)
public struct StyleLoss {
    /// The reference's `rgb_to_yuv` matrix.
    static let paletteBasis: [Float] = [
        0.577350, 0.577350, 0.577350, -0.577350, 0.788675, -0.211325, -0.577350, -0.211325, 0.788675,
    ]

    private let styleDirections: Tensor
    private let styleMean: Tensor
    private let styleCovariance: Tensor
    private let stylePalette: Tensor
    private let stylePaletteDirections: Tensor
    private let stylePaletteSquaredNorms: Tensor

    /// `style` [M, D]: the style image's hypercolumns.
    public init(style: Tensor) {
        precondition(style.rank == 2 && style.shape[0] >= 2, "the style needs at least two hypercolumns, got \(style.shape)")
        let style = style.detached()
        styleDirections = l2Normalize(style)
        styleMean = style.mean(axes: [0], keepDims: true)
        styleCovariance = Self.covariance(style, mean: styleMean)
        stylePalette = Self.palette(style)
        stylePaletteDirections = l2Normalize(stylePalette)
        stylePaletteSquaredNorms = (stylePalette * stylePalette).sum(axes: [1]).reshaped([1, style.shape[0]])
    }

    /// The loss of the drawing's hypercolumns `x` [N, D] (N ≥ 2), a scalar.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let terms = self.terms(x)
        return (terms.remd + terms.mean + terms.covariance + terms.palette) * 0.5
    }

    /// The four terms before their sum and halving.
    public func terms(_ x: Tensor) -> (remd: Tensor, mean: Tensor, covariance: Tensor, palette: Tensor) {
        precondition(x.rank == 2 && x.shape[0] >= 2 && x.shape[1] == styleDirections.shape[1], "hypercolumns \(x.shape)")
        let directions = l2Normalize(x)
        let remd = Self.relaxedEMD(costs: 1 - matmul(directions.detached(), styleDirections, transposeB: true)) { rows, columns in
            1 - (directions.gatherRows(rows) * styleDirections.gatherRows(columns)).sum(axes: [1])
        }

        let mean = x.mean(axes: [0], keepDims: true)
        let meanTerm = abs(mean - styleMean).mean()
        let covarianceTerm = abs(Self.covariance(x, mean: mean) - styleCovariance).mean()

        let u = Self.palette(x), uDirections = l2Normalize(u)
        let squaredNorms = (u * u).sum(axes: [1], keepDims: true)
        let fixedU = u.detached()
        let paletteCosts =
            1 - matmul(uDirections.detached(), stylePaletteDirections, transposeB: true)
            + Self.paletteDistance(
                squaredNorms.detached() + stylePaletteSquaredNorms - 2 * matmul(fixedU, stylePalette, transposeB: true))
        let paletteTerm = Self.relaxedEMD(costs: paletteCosts) { rows, columns in
            let chosenU = u.gatherRows(rows), chosenV = stylePalette.gatherRows(columns)
            let styleSquaredNorms = stylePaletteSquaredNorms.values
            let cosine = (uDirections.gatherRows(rows) * stylePaletteDirections.gatherRows(columns)).sum(axes: [1])
            let squaredDistance =
                squaredNorms.gatherRows(rows).reshaped([rows.count])
                + Tensor(shape: [columns.count], values: columns.map { styleSquaredNorms[$0] }) - 2 * (chosenU * chosenV).sum(axes: [1])
            return 1 - cosine + Self.paletteDistance(squaredDistance)
        }
        return (remd, meanTerm, covarianceTerm, paletteTerm)
    }

    /// The reference's `distmat(cos_d=False)` on squared distances: √(clamp(d², 1e-5, 1e5) / 3).
    private static func paletteDistance(_ squaredDistance: Tensor) -> Tensor {
        sqrt(clamp(squaredDistance, 1e-5, 1e5) * (1 / Float(3)))
    }

    /// max(mean over rows of the row minimum, mean over columns of the column minimum) of the
    /// cost matrix `costs` [N, M] (values only). The minima's costs are recomputed on the tape by
    /// `pairCosts(rows, columns)` for just the chosen pairs, so each one's gradient goes to its
    /// own pair, as torch's `min(dim)` sends it, without a backward pass through the whole
    /// matrix; of the two means, the larger takes it all.
    public static func relaxedEMD(costs: Tensor, pairCosts: (_ rows: [Int], _ columns: [Int]) -> Tensor) -> Tensor {
        let rows = costs.shape[0], columns = costs.shape[1]
        let values = costs.pointer
        var rowChoice = [Int](repeating: 0, count: rows), columnChoice = [Int](repeating: 0, count: columns)
        var rowSum = 0.0, columnSum = 0.0
        var columnBest = [Float](repeating: .infinity, count: columns)
        for row in 0..<rows {
            var best = Float.infinity
            for column in 0..<columns {
                let value = values[row * columns + column]
                if value < best {
                    best = value
                    rowChoice[row] = column
                }
                if value < columnBest[column] {
                    columnBest[column] = value
                    columnChoice[column] = row
                }
            }
            rowSum += Double(best)
        }
        for column in 0..<columns { columnSum += Double(columnBest[column]) }
        return rowSum / Double(rows) >= columnSum / Double(columns)
            ? pairCosts(Array(0..<rows), rowChoice).mean() : pairCosts(columnChoice, Array(0..<columns)).mean()
    }

    /// Xcᵀ Xc / (N − 1) with Xc = x − mean: [D, D].
    private static func covariance(_ x: Tensor, mean: Tensor) -> Tensor {
        let centred = x - mean
        return matmul(centred, centred, transposeA: true) * (1 / Float(x.shape[0] - 1))
    }

    /// The first three channels (the normalised image) in the palette basis: [N, 3].
    private static func palette(_ x: Tensor) -> Tensor {
        matmul(x.slice(axis: 1, start: 0, length: 3), Tensor(shape: [3, 3], values: paletteBasis), transposeB: true)
    }
}
