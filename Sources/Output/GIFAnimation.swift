import CGIF
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An animated GIF written frame by frame through giflib as a run goes, so no frame is kept
/// after it is written: each frame gets its own palette of at most 256 colours (giflib's
/// median cut, `GifQuantizeBuffer`, refined by `GIFPalette`), the same delay, and the
/// NETSCAPE2.0 extension makes viewers loop forever. The file appears at `path` only when
/// `finish()` succeeds.
public final class GIFAnimation {
    public let path: String
    public let width: Int
    public let height: Int
    /// Display time of each frame, in hundredths of a second (GIF's unit).
    public let delayCentiseconds: Int
    public private(set) var frameCount = 0
    private let staged: StagedFile
    private var gif: UnsafeMutablePointer<GifFileType>?

    /// Frames per second a GIF can show: its delays are whole hundredths of a second, and
    /// browsers slow delays under 2 hundredths down to 10.
    public static let frameRates: ClosedRange<Double> = 0.1...50

    /// Starts the file (a hidden temporary beside `path`) for frames of `width × height`.
    public init(path: String, width: Int, height: Int, framesPerSecond: Double) throws {
        precondition(Self.frameRates.contains(framesPerSecond), "frame rate out of range")
        guard (1...Int(UInt16.max)).contains(width), (1...Int(UInt16.max)).contains(height) else {
            throw OutputError(.invalidSize, "a GIF is at most 65535 pixels on a side, got \(width)x\(height)", file: path)
        }
        self.path = path
        self.width = width
        self.height = height
        delayCentiseconds = max(2, Int((100 / framesPerSecond).rounded()))
        staged = StagedFile(for: path)
        // Created here rather than by EGifOpenFileName, which would make it 0600: the GIF gets
        // the permissions every other output gets (0666 less the umask).
        let descriptor = open(staged.temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw OutputError(.cannotWrite, "cannot write: \(String(cString: strerror(errno)))", file: path)
        }
        var error: Int32 = 0
        guard let gif = EGifOpenFileHandle(descriptor, &error) else {
            close(descriptor)
            staged.discard()
            throw OutputError(.cannotWrite, "cannot write: \(Self.describe(error))", file: path)
        }
        self.gif = gif
        EGifSetGifVersion(gif, true)
        // No global palette: every frame carries its own.
        try check(EGifPutScreenDesc(gif, Int32(width), Int32(height), 8, 0, nil))
        // NETSCAPE2.0 application extension: loop count 0, forever.
        try check(EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE))
        try check(EGifPutExtensionBlock(gif, 11, Array("NETSCAPE2.0".utf8)))
        try check(EGifPutExtensionBlock(gif, 3, [1, 0, 0] as [UInt8]))
        try check(EGifPutExtensionTrailer(gif))
    }

    /// Quantises `image` (alpha composited onto white) to its own palette and appends it.
    public func add(_ image: Image) throws {
        guard let gif else { preconditionFailure("frames are added before finish()") }
        guard image.width == width, image.height == height else {
            throw OutputError(
                .invalidSize, "animation frames must all be \(width)x\(height), got \(image.width)x\(image.height)", file: path)
        }
        let rgb = image.compositedOnWhite().pixels
        let plane = width * height
        func bytes(_ channel: Int) -> [UInt8] {
            (0..<plane).map { UInt8((min(max(rgb[channel * plane + $0], 0), 1) * 255).rounded()) }
        }
        var red = bytes(0), green = bytes(1), blue = bytes(2)
        var indices = [UInt8](repeating: 0, count: plane)
        var colors = [GifColorType](repeating: GifColorType(), count: 256)
        var colorCount: Int32 = 256
        guard GifQuantizeBuffer(UInt32(width), UInt32(height), &colorCount, &red, &green, &blue, &indices, &colors) == GIF_OK else {
            throw OutputError(.rendering, "giflib could not reduce a frame to 256 colours", file: path)
        }
        var palette = colors.map { ($0.Red, $0.Green, $0.Blue) }
        GIFPalette.refine(red: red, green: green, blue: blue, indices: &indices, palette: &palette)
        colors = palette.map { GifColorType(Red: $0.0, Green: $0.1, Blue: $0.2) }
        // A palette's size must be a power of two; the unused tail stays black.
        guard let palette = GifMakeMapObject(256, colors) else {
            throw OutputError(.rendering, "giflib could not allocate a palette", file: path)
        }
        defer { GifFreeMapObject(palette) }

        var control = GraphicsControlBlock(
            DisposalMode: DISPOSE_DO_NOT, UserInputFlag: false, DelayTime: Int32(delayCentiseconds), TransparentColor: NO_TRANSPARENT_COLOR)
        var extensionBytes = [GifByteType](repeating: 0, count: 4)
        let extensionLength = EGifGCBToExtension(&control, &extensionBytes)
        try check(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, Int32(extensionLength), extensionBytes))
        try check(EGifPutImageDesc(gif, 0, 0, Int32(width), Int32(height), false, palette))
        try indices.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<height {
                try check(EGifPutLine(gif, buffer.baseAddress! + row * width, Int32(width)))
            }
        }
        frameCount += 1
    }

    /// Ends the file and renames it into place.
    public func finish() throws {
        guard let gif else { preconditionFailure("finish() is called once") }
        self.gif = nil
        var error: Int32 = 0
        guard EGifCloseFile(gif, &error) == GIF_OK else {
            staged.discard()
            throw OutputError(.cannotWrite, "cannot write: \(Self.describe(error))", file: path)
        }
        try staged.commit()
    }

    /// Closes and removes the unfinished file: an abandoned run leaves nothing at `path`.
    public func discard() {
        if let gif {
            var error: Int32 = 0
            EGifCloseFile(gif, &error)
            self.gif = nil
        }
        staged.discard()
    }

    deinit { discard() }

    private func check(_ status: Int32) throws {
        guard status == GIF_OK else {
            let code = gif?.pointee.Error ?? 0
            discard()
            throw OutputError(.cannotWrite, "cannot write: \(Self.describe(code))", file: path)
        }
    }

    private static func describe(_ code: Int32) -> String {
        GifErrorString(code).map { String(cString: $0) } ?? "giflib error \(code)"
    }
}
