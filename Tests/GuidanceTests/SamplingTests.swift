import Guidance
import Tensor
import XCTest

/// The parameter samplers: ranges, determinism, and agreement of their distributions with
/// torchvision's samplers (the numbers differ: torch's generator is not ours).
final class SamplingTests: XCTestCase {
    /// Each field's mean over our draws against torchvision's, within five standard errors of the
    /// difference; fields with no spread must agree exactly, as must the extremes of small
    /// discrete ranges (which 20,000 draws all reach).
    private func assertSameDistribution(
        _ draws: [[Double]], _ reference: AugmentationFixtures.SamplingCase, extremes: Bool, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        let n = Double(draws.count)
        for (field, name) in reference.fields.enumerated() {
            let values = draws.map { $0[field] }
            let mean = values.reduce(0, +) / n
            let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot()
            let tolerance = 5 * ((std * std + reference.std[field] * reference.std[field]) / n).squareRoot() + 1e-9
            print(
                "\(reference.kind) \(reference.height)x\(reference.width) \(name): mean \(mean) (torchvision \(reference.mean[field])), std \(std) (\(reference.std[field]))"
            )
            XCTAssertEqual(mean, reference.mean[field], accuracy: tolerance, "\(reference.kind) \(name) mean", file: file, line: line)
            XCTAssertEqual(
                std, reference.std[field], accuracy: max(0.05 * reference.std[field], 1e-9), "\(reference.kind) \(name) std", file: file,
                line: line)
            if extremes {
                XCTAssertEqual(values.min()!, reference.min[field], "\(reference.kind) \(name) min", file: file, line: line)
                XCTAssertEqual(values.max()!, reference.max[field], "\(reference.kind) \(name) max", file: file, line: line)
            }
        }
    }

    func testResizedCropDistributionMatchesTorchvision() throws {
        var generator = SeededGenerator(seed: 21)
        for reference in try AugmentationFixtures.load().sampling where reference.kind == "resized_crop" {
            let sampler = RandomResizedCrop(
                height: 224, width: 224, scale: reference.scale![0]...reference.scale![1], ratio: reference.ratio![0]...reference.ratio![1])
            let boxes = sampler.sample(
                count: reference.draws, imageHeight: reference.height, imageWidth: reference.width, generator: &generator)
            assertSameDistribution(
                boxes.map { [Double($0.top), Double($0.left), Double($0.height), Double($0.width)] }, reference, extremes: false)
        }
    }

    func testPerspectiveDistributionMatchesTorchvision() throws {
        var generator = SeededGenerator(seed: 22)
        for reference in try AugmentationFixtures.load().sampling where reference.kind == "perspective" {
            let sampler = RandomPerspective(distortionScale: reference.distortion!, probability: 1)
            let draws = sampler.sample(count: reference.draws, height: reference.height, width: reference.width, generator: &generator)
            let points = draws.map { draw in
                [draw.end.topLeft, draw.end.topRight, draw.end.bottomRight, draw.end.bottomLeft].flatMap { [Double($0.x), Double($0.y)] }
            }
            assertSameDistribution(points, reference, extremes: true)
        }
    }

    func testRandomCropDistributionMatchesTorchvision() throws {
        var generator = SeededGenerator(seed: 23)
        for reference in try AugmentationFixtures.load().sampling where reference.kind == "crop" {
            let sampler = RandomCrop(height: reference.size![0], width: reference.size![1])
            let boxes = sampler.sample(
                count: reference.draws, imageHeight: reference.height, imageWidth: reference.width, generator: &generator)
            assertSameDistribution(
                boxes.map { [Double($0.top), Double($0.left), Double($0.height), Double($0.width)] }, reference, extremes: true)
        }
    }

    func testResizedCropBoxesStayInsideTheirRanges() {
        var generator = SeededGenerator(seed: 24)
        let sampler = RandomResizedCrop(height: 224, width: 224, scale: 0.7...0.9)
        for box in sampler.sample(count: 5000, imageHeight: 224, imageWidth: 224, generator: &generator) {
            XCTAssert(box.top >= 0 && box.left >= 0 && box.top + box.height <= 224 && box.left + box.width <= 224, "\(box)")
            // Each side is rounded to whole pixels, so area and ratio hold up to half a pixel per side.
            let (h, w) = (Double(box.height), Double(box.width))
            let area = 224.0 * 224.0
            XCTAssert((w - 0.5) * (h - 0.5) / area <= 0.9 && (w + 0.5) * (h + 0.5) / area >= 0.7, "area of \(box)")
            XCTAssert((w - 0.5) / (h + 0.5) <= 4.0 / 3.0 && (w + 0.5) / (h - 0.5) >= 3.0 / 4.0, "ratio of \(box)")
        }
        let fixed = RandomResizedCrop.fixedScale(0.8, size: 224)
        for box in fixed.sample(count: 200, imageHeight: 224, imageWidth: 224, generator: &generator) {
            XCTAssertEqual([box.height, box.width], [200, 200])
        }
    }

    func testResizedCropFallsBackToACentredCrop() {
        var generator = SeededGenerator(seed: 25)
        // No crop of at least half the area fits a 60x300 strip within the ratio range.
        let box = RandomResizedCrop(height: 224, width: 224, scale: 0.5...1).sample(imageHeight: 60, imageWidth: 300, generator: &generator)
        XCTAssertEqual(box, PixelBox(top: 0, left: 110, height: 60, width: 80))
        let tall = RandomResizedCrop(height: 224, width: 224, scale: 0.9...1).sample(
            imageHeight: 300, imageWidth: 50, generator: &generator)
        XCTAssertEqual(tall, PixelBox(top: 116, left: 0, height: 67, width: 50))
    }

    func testPerspectiveEndPointsStayInTheirCornerBoxes() {
        var generator = SeededGenerator(seed: 26)
        let sampler = RandomPerspective(distortionScale: 0.5, probability: 1)
        for draw in sampler.sample(count: 2000, height: 100, width: 224, generator: &generator) {
            XCTAssertEqual(draw.start, .of(height: 100, width: 224))
            let end = draw.end
            // int(0.5 · 112) = 56 pixels horizontally, int(0.5 · 50) = 25 vertically.
            XCTAssert((0...56).contains(end.topLeft.x) && (0...25).contains(end.topLeft.y), "\(end)")
            XCTAssert((167...223).contains(end.topRight.x) && (0...25).contains(end.topRight.y), "\(end)")
            XCTAssert((167...223).contains(end.bottomRight.x) && (74...99).contains(end.bottomRight.y), "\(end)")
            XCTAssert((0...56).contains(end.bottomLeft.x) && (74...99).contains(end.bottomLeft.y), "\(end)")
        }
        let never = RandomPerspective(distortionScale: 0.5, probability: 0)
        XCTAssert(never.sample(count: 100, height: 32, width: 32, generator: &generator).allSatisfy(\.isIdentity))
        let half = RandomPerspective(distortionScale: 0.5, probability: 0.5)
        let warped = half.sample(count: 4000, height: 32, width: 32, generator: &generator).filter { !$0.isIdentity }.count
        XCTAssertEqual(Double(warped) / 4000, 0.5, accuracy: 0.04)
    }

    func testDiffAugmentDrawsStayInTheirRanges() {
        var generator = SeededGenerator(seed: 27)
        let draw = DiffAugment().sample(count: 4000, height: 224, width: 224, generator: &generator)
        XCTAssert(
            draw.color.allSatisfy {
                (-0.5..<0.5).contains($0.brightness) && (0..<2).contains($0.saturation) && (0.5..<1.5).contains($0.contrast)
            })
        // int(224 · 0.125 + 0.5) = 28 pixels each way, every value reached.
        XCTAssertEqual(Set(draw.translation.map(\.rows)), Set(-28...28))
        XCTAssertEqual(Set(draw.translation.map(\.columns)), Set(-28...28))
        XCTAssertEqual(draw.rescale.count, 1)
        XCTAssert((0.8..<1.2).contains(draw.rescale[0]))
        // A 112-pixel square (even) centred anywhere in 0...224.
        XCTAssertEqual(Set(draw.cutout.map { $0.top + 56 }), Set(0...224))
        XCTAssert(draw.cutout.allSatisfy { $0.height == 112 && $0.width == 112 })
        let brightness = draw.color.map { Double($0.brightness) }
        XCTAssertEqual(brightness.reduce(0, +) / 4000, 0, accuracy: 0.015)
    }

    func testSameSeedSameParameters() {
        func draws(_ seed: UInt64) -> (PerspectiveCropAugmentation.Draw, DiffAugment.Draw) {
            var generator = SeededGenerator(seed: seed)
            return (
                PerspectiveCropAugmentation.clipDraw().sample(imageHeight: 224, imageWidth: 224, generator: &generator),
                DiffAugment().sample(count: 32, height: 224, width: 224, generator: &generator)
            )
        }
        let (a, b) = (draws(7), draws(7))
        XCTAssertEqual(a.0, b.0)
        XCTAssertEqual(a.1, b.1)
        XCTAssertNotEqual(draws(8).0, a.0)
    }
}
