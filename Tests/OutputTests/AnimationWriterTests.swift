import Foundation
import Output
import Scene
import TestSupport
import XCTest

/// A smooth test picture that differs per frame: gradients plus a moving square.
private func picture(width: Int, height: Int, frame: Int) -> Image {
    var pixels = [Float](repeating: 0, count: 3 * width * height)
    for y in 0..<height {
        for x in 0..<width {
            let inSquare = (x - 4 * frame) / 8 == 0 && y / 8 == 1
            let values: [Float] = [Float(x) / Float(width - 1), Float(y) / Float(height - 1), inSquare ? 1 : Float(frame) / 4]
            for channel in 0..<3 { pixels[(channel * height + y) * width + x] = values[channel] }
        }
    }
    return Image(width: width, height: height, channels: 3, pixels: pixels)
}

final class GIFAnimationTests: TemporaryDirectoryTestCase {
    func testGiflibDecodesEveryFrameWithItsDelayTheLoopAndColoursCloseToTheInput() throws {
        let gif = try GIFAnimation(path: path("run.gif"), width: 40, height: 30, framesPerSecond: 4)
        let inputs = (0..<3).map { picture(width: 40, height: 30, frame: $0) }
        for input in inputs { try gif.add(input) }
        XCTAssertEqual(try directoryContents().filter { $0 == "run.gif" }, [], "nothing appears before finish()")
        try gif.finish()
        XCTAssertEqual(try directoryContents(), ["run.gif"], "no temporary file is left")

        let decoded = try AnimationFiles.decodeGIF(path("run.gif"))
        XCTAssertEqual([decoded.width, decoded.height], [40, 30])
        XCTAssertEqual(decoded.frames.count, 3)
        XCTAssertEqual(decoded.delays, [25, 25, 25], "4 frames per second = 25 hundredths")
        XCTAssertTrue(decoded.loopsForever)
        for (input, frame) in zip(inputs, decoded.frames) {
            let errors = zip(input.pixels, frame).map { abs($0 - $1) }
            // 256 colours for a 1200-colour gradient (steps of 255/39 in red): a few levels off.
            XCTAssertLessThan(errors.reduce(0, +) / Float(errors.count), 5 / 255)
            XCTAssertLessThan(errors.max()!, 40 / 255)
        }
        // Frames differ as their inputs do (each frame is its own picture, not the first again).
        XCTAssertGreaterThan(zip(decoded.frames[0], decoded.frames[2]).map { abs($0 - $1) }.max()!, 0.4)
    }

    func testADiscardedOrFailedAnimationLeavesNoFile() throws {
        let gif = try GIFAnimation(path: path("run.gif"), width: 8, height: 8, framesPerSecond: 10)
        try gif.add(picture(width: 8, height: 8, frame: 0))
        XCTAssertThrowsError(try gif.add(picture(width: 9, height: 8, frame: 0)), "frames must keep the size")
        gif.discard()
        XCTAssertEqual(try directoryContents(), [])
        XCTAssertThrowsError(try GIFAnimation(path: path("absent/run.gif"), width: 8, height: 8, framesPerSecond: 10))
        XCTAssertEqual(try directoryContents(), [])
    }
}

final class SVGAnimationTests: TemporaryDirectoryTestCase {
    /// Three frames of one layout: an open stroke, a translucent closed filled path, and a stroke
    /// whose colour never changes; points, widths and colours move between frames.
    private func frames() -> [Scene] {
        (0..<3).map { frame in
            let shift = Float(frame) * 9
            return Scene(
                width: 80, height: 60, background: .white,
                paths: [
                    Path(
                        points: [Point(5 + shift, 10), Point(30, 5 + shift), Point(50, 40), Point(70 - shift, 50)],
                        strokeColor: RGBA(0.9, 0.1 + 0.3 * Float(frame), 0.2, 1), strokeWidth: 2 + Float(frame) * 2),
                    Path(
                        points: [Point(20, 20 + shift), Point(40, 15), Point(50, 30), Point(45, 45), Point(30, 50 - shift), Point(15, 40)],
                        isClosed: true, strokeColor: nil, strokeWidth: 1, fillColor: RGBA(0.1, 0.3, 0.8, 0.5 + 0.2 * Float(frame))),
                    Path(points: [Point(60, 5), Point(65, 20), Point(70 - shift, 30), Point(75, 55)], strokeColor: .black, strokeWidth: 3),
                ])
        }
    }

    private func assertRenders(_ svgPath: String, like scene: Scene, _ message: String) throws {
        guard try AnimationFiles.renderWithRSVG(svgPath, to: svgPath + ".png") else {
            throw XCTSkip("rsvg-convert is not installed (Debian: librsvg2-bin)")
        }
        let rendered = try ImageFile.load(svgPath + ".png").compositedOnWhite()
        let reference = try CairoRenderer.render(scene, width: 80, height: 60).compositedOnWhite()
        XCTAssertEqual([rendered.width, rendered.height], [80, 60])
        let meanError = zip(reference.pixels, rendered.pixels).reduce(Float(0)) { $0 + abs($1.0 - $1.1) } / Float(reference.pixels.count)
        XCTAssertLessThan(meanError, 1 / 255, message)
    }

    func testTheAnimatedSVGParsesRendersItsFirstFrameAndHoldsEveryFrame() throws {
        let scenes = frames()
        let animation = SVGAnimation(path: path("run.svg"), framesPerSecond: 2)
        for scene in scenes { try animation.add(scene) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("run.svg")), "nothing appears before finish()")
        try animation.finish()
        XCTAssertEqual(try directoryContents(), ["run.svg"], "no temporary file is left")

        // Without SMIL (rsvg ignores it) the file is the first frame.
        try assertRenders(path("run.svg"), like: scenes[0], "the file's own attributes are frame 0")
        let data = try Data(contentsOf: URL(fileURLWithPath: path("run.svg")))
        for (index, scene) in scenes.enumerated() {
            let frame = try AnimationFiles.svgFrame(data, frame: index)
            // d, width, stroke colour of path 1; d, fill opacity of path 2; d of path 3.
            XCTAssertEqual(frame.valueCounts, [3, 3, 3, 3, 3, 3])
            XCTAssertEqual(Set(frame.durations), ["1.5s"], "3 frames at 2 per second")
            try frame.svg.write(to: URL(fileURLWithPath: path("frame-\(index).svg")))
            try assertRenders(path("frame-\(index).svg"), like: scene, "frame \(index)")
        }
    }

    func testAChangedLayoutOrADiscardLeavesNoFile() throws {
        var scenes = frames()
        let animation = SVGAnimation(path: path("run.svg"), framesPerSecond: 10)
        try animation.add(scenes[0])
        scenes[1].paths.removeLast()
        XCTAssertThrowsError(try animation.add(scenes[1]))
        animation.discard()
        XCTAssertEqual(try directoryContents(), [])
    }
}
