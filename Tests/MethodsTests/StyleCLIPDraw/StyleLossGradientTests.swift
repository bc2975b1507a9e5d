@_spi(StepParity) import Methods
import Tensor
import TestSupport
import XCTest

/// The style loss's backward, and the hypercolumn sampling's, against central differences.
final class StyleLossGradientTests: XCTestCase {
    /// A few hypercolumns of a few channels, so each one moves the loss visibly; the first three
    /// channels feed the palette term as well.
    func testStyleLossGradientMatchesFiniteDifferences() {
        let loss = StyleLoss(style: randomTensor([7, 6], seed: 3, -1, 2))
        checkGradients([randomTensor([5, 6], seed: 4, -1, 2)], tolerance: 2e-2, step: 1e-3) { inputs in
            loss(inputs[0]).reshaped([1])
        }
    }

    /// Each of the four terms on its own, so one term's error cannot hide behind another's, with
    /// fewer and with more drawing hypercolumns than style ones.
    func testEachTermsGradientMatchesFiniteDifferences() {
        for (drawing, style) in [(5, 7), (9, 3)] {
            let loss = StyleLoss(style: randomTensor([style, 6], seed: 5, -1, 2))
            for term in 0..<4 {
                checkGradients([randomTensor([drawing, 6], seed: 6, -1, 2)], tolerance: 2e-2, step: 1e-3) { inputs in
                    let terms = loss.terms(inputs[0])
                    return [terms.remd, terms.mean, terms.covariance, terms.palette][term].reshaped([1])
                }
            }
        }
    }

    /// The relaxed EMD takes the larger of the two means of minima, and its gradient reaches only
    /// the chosen pairs: rows' minima (1, 0, 3; mean 4/3) beat columns' (1, 0; mean 1/2) here, and
    /// the transposed matrix swaps the roles.
    func testRelaxedEMDChoosesTheLargerMeanOfMinima() {
        let costs = Tensor(shape: [3, 2], values: [1, 5, 2, 0, 3, 4])
        let third: Float = 1 / 3
        let cases: [(Tensor, [Float])] = [
            (costs, [third, 0, 0, third, third, 0]), (costs.permuted([1, 0]).copy(), [third, 0, third, 0, third, 0]),
        ]
        for (matrix, expectedGradient) in cases {
            let columns = matrix.shape[1]
            matrix.requiresGrad = true
            let emd = StyleLoss.relaxedEMD(costs: matrix.detached()) { rows, chosen in
                matrix.reshaped([matrix.count, 1]).gatherRows(zip(rows, chosen).map { $0 * columns + $1 })
            }
            XCTAssertEqual(emd.item, 4 / 3, accuracy: 1e-6)
            emd.backward()
            XCTAssertEqual(matrix.grad?.values ?? [], expectedGradient)
        }
    }

    /// Bilinear reads at halved positions, across layers of falling resolution.
    func testHypercolumnSamplingGradientMatchesFiniteDifferences() {
        let layers = [randomTensor([1, 3, 8, 6], seed: 7), randomTensor([1, 2, 4, 3], seed: 8), randomTensor([1, 4, 2, 1], seed: 9)]
        let locations = StyleHypercolumns.Locations(rows: [0, 7, 3, 5, 1], columns: [5, 0, 2, 3, 4])
        checkGradients(layers) { StyleHypercolumns.sample($0, at: locations) }
    }

    /// The reference's grid on a 224 x 224 canvas: H·W div 128² = 3, so every row but every
    /// other column (one offset for all), shuffled apart and cut to 1024.
    func testDrawingLocationsFollowTheReferenceGrid() {
        var generator = SeededGenerator(seed: 1)
        let locations = StyleHypercolumns.sampleLocations(height: 224, width: 224, count: 1024, generator: &generator)
        XCTAssertEqual(locations.rows.count, 1024)
        XCTAssertTrue(locations.rows.allSatisfy { (0..<224).contains($0) })
        XCTAssertEqual(Set(locations.columns.map { $0 % 2 }).count, 1, "one column offset")
        XCTAssertGreaterThan(Set(locations.rows).count, 150, "rows spread over the canvas")
        var small = SeededGenerator(seed: 2)
        let all = StyleHypercolumns.sampleLocations(height: 4, width: 3, count: 1024, generator: &small)
        XCTAssertEqual(all.rows.sorted(), [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3], "each row once per column")
        XCTAssertEqual(all.columns.sorted(), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], "each column once per row")
    }

    func testStylePixelsAreDistinctPixelsOfTheImage() {
        var generator = SeededGenerator(seed: 3)
        let rounds = StyleHypercolumns.sampleStylePixels(height: 5, width: 7, rounds: 2, count: 1000, generator: &generator)
        XCTAssertEqual(rounds.count, 2)
        for round in rounds {
            let pixels = Set(zip(round.rows, round.columns).map { $0 * 7 + $1 })
            XCTAssertEqual(pixels.count, 35, "all 35 pixels, each once")
        }
    }
}
