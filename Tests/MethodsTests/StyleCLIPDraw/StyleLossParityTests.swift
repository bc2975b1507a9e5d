import Foundation
@_spi(StepParity) import Methods
import Models
import Tensor
import TestSupport
import XCTest

/// StyleCLIPDraw's style loss and its image gradient against the reference's `calculate_loss`
/// (pschaldenbrand/StyleCLIPDraw predict.py), run in float64 PyTorch by
/// `Tools/fixtures/make_styleclipdraw_fixtures.py` on VGG16 with deterministic weights, with the
/// style pixels and drawing locations the reference's samplers chose there.
final class StyleLossParityTests: XCTestCase {
    private static func locations(_ fixture: StepFixture, _ stem: String) -> StyleHypercolumns.Locations {
        StyleHypercolumns.Locations(
            rows: fixture.values("\(stem).rows").map { Int($0) }, columns: fixture.values("\(stem).columns").map { Int($0) })
    }

    func testLossAndImageGradientMatchTheReference() throws {
        let fixture = try StepFixture("styleclipdraw_loss")
        let vggSeed = try XCTUnwrap(fixture.metadata["vgg_seed"] as? Int)
        let rounds = try XCTUnwrap(fixture.metadata["style_rounds"] as? Int)
        let style = StyleObjective(
            styleImage: try fixture.tensor("style"), network: VGG16Features.synthetic(seed: UInt64(vggSeed)),
            stylePixels: (0..<rounds).map { Self.locations(fixture, "style_pixels.\($0)") })
        let drawing = try fixture.tensor("drawing")
        drawing.requiresGrad = true
        let loss = style(drawing, at: Self.locations(fixture, "locations"))
        loss.backward()
        assertMatches([loss.item], fixture.values("loss"), relative: 1e-4, "style loss")
        assertMatches(try XCTUnwrap(drawing.grad).values, fixture.values("gradient"), relative: 2e-3, "style loss image gradient")
    }
}
