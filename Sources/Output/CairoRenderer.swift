import CCairo
import Foundation
import Scene

/// Draws scenes with Cairo: the one drawing routine behind PNG and PDF files and behind the
/// in-memory renders that tests compare the differentiable rasterizer against.
public enum CairoRenderer {
    /// Cairo's limit on image surface sides.
    public static let maximumPixelSide = 32767

    /// Draws `scene` onto a Cairo context (a `cairo_t *`), with canvas units scaled by
    /// `scaleX`, `scaleY` to the surface's units. The background is painted over the whole clip
    /// region; then each path is filled (closed paths with a fill) and stroked, in order, with
    /// round caps and joins, as SVG draws a path element.
    public static func draw(_ scene: Scene, in context: OpaquePointer, scaleX: Double, scaleY: Double) {
        cairo_save(context)
        cairo_scale(context, scaleX, scaleY)
        if let background = scene.background {
            setSource(context, background)
            cairo_paint(context)
        }
        cairo_set_line_cap(context, CAIRO_LINE_CAP_ROUND)
        cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
        for path in scene.paths where path.segmentCount > 0 {
            addPath(context, path)
            if path.isClosed, let fill = path.fillColor {
                cairo_set_fill_rule(
                    context, path.fillRule == .evenOdd ? CAIRO_FILL_RULE_EVEN_ODD : CAIRO_FILL_RULE_WINDING)
                setSource(context, fill)
                cairo_fill_preserve(context)
            }
            if let stroke = path.strokeColor, path.strokeWidth > 0 {
                cairo_set_line_width(context, Double(path.strokeWidth))
                setSource(context, stroke)
                cairo_stroke_preserve(context)
            }
            cairo_new_path(context)
        }
        cairo_restore(context)
    }

    /// Renders `scene` scaled to `width × height` pixels into an RGBA image: un-premultiplied,
    /// background included, alpha 1 wherever the background is opaque.
    public static func render(_ scene: Scene, width: Int, height: Int) throws -> Image {
        try withImageSurface(scene, width: width, height: height, format: CAIRO_FORMAT_ARGB32) { surface in
            cairo_surface_flush(surface)
            let stride = Int(cairo_image_surface_get_stride(surface))
            let data = UnsafeRawPointer(cairo_image_surface_get_data(surface)!)
            let plane = width * height
            var pixels = [Float](repeating: 0, count: 4 * plane)
            for y in 0..<height {
                let row = data + y * stride
                for x in 0..<width {
                    // ARGB32: native-endian 32-bit words, colour premultiplied by alpha.
                    let word = row.load(fromByteOffset: 4 * x, as: UInt32.self)
                    let alpha = Float(word >> 24)
                    guard alpha > 0 else { continue }
                    let index = y * width + x
                    pixels[index] = Float((word >> 16) & 0xFF) / alpha
                    pixels[plane + index] = Float((word >> 8) & 0xFF) / alpha
                    pixels[2 * plane + index] = Float(word & 0xFF) / alpha
                    pixels[3 * plane + index] = alpha / 255
                }
            }
            return Image(width: width, height: height, channels: 4, pixels: pixels)
        }
    }

    /// The scene as PNG bytes: RGB when the background is opaque, RGBA otherwise.
    public static func png(_ scene: Scene, width: Int, height: Int) throws -> Data {
        let format = scene.background?.a == 1 ? CAIRO_FORMAT_RGB24 : CAIRO_FORMAT_ARGB32
        return try withImageSurface(scene, width: width, height: height, format: format) { surface in
            let sink = ByteSink()
            let status = cairo_surface_write_to_png_stream(
                surface, ByteSink.write, Unmanaged.passUnretained(sink).toOpaque())
            try check(status, "cannot encode PNG")
            return sink.data
        }
    }

    /// The scene as a one-page PDF of `width × height` points, with vector paths.
    public static func pdf(_ scene: Scene, width: Int, height: Int) throws -> Data {
        try checkSize(width, height)
        let sink = ByteSink()
        let surface = cairo_pdf_surface_create_for_stream(
            ByteSink.write, Unmanaged.passUnretained(sink).toOpaque(), Double(width), Double(height))
        defer { cairo_surface_destroy(surface) }
        try check(cairo_surface_status(surface), "cannot create a PDF surface")
        try drawChecked(scene, on: surface!, width: width, height: height, failure: "cannot draw the PDF")
        cairo_surface_finish(surface)
        try check(cairo_surface_status(surface), "cannot write the PDF")
        return sink.data
    }

    private static func withImageSurface<Result>(
        _ scene: Scene, width: Int, height: Int, format: cairo_format_t, _ body: (OpaquePointer) throws -> Result
    ) throws -> Result {
        try checkSize(width, height)
        let surface = cairo_image_surface_create(format, Int32(width), Int32(height))!
        defer { cairo_surface_destroy(surface) }
        try check(cairo_surface_status(surface), "cannot create a \(width)x\(height) image")
        try drawChecked(scene, on: surface, width: width, height: height, failure: "cannot draw the scene")
        return try body(surface)
    }

    /// Draws `scene` scaled to `width × height` on a fresh context of `surface`, failing with
    /// `failure` if Cairo reports an error.
    private static func drawChecked(_ scene: Scene, on surface: OpaquePointer, width: Int, height: Int, failure: String) throws {
        let context = cairo_create(surface)!
        draw(scene, in: context, scaleX: Double(width) / Double(scene.width), scaleY: Double(height) / Double(scene.height))
        let status = cairo_status(context)
        cairo_destroy(context)
        try check(status, failure)
    }

    private static func checkSize(_ width: Int, _ height: Int) throws {
        guard (1...maximumPixelSide).contains(width), (1...maximumPixelSide).contains(height) else {
            throw OutputError(
                .invalidSize, "output size \(width)x\(height) is out of range (1 to \(maximumPixelSide) per side)")
        }
    }

    private static func check(_ status: cairo_status_t, _ action: String) throws {
        guard status != CAIRO_STATUS_SUCCESS else { return }
        throw OutputError(.rendering, "\(action): \(String(cString: cairo_status_to_string(status)))")
    }

    private static func addPath(_ context: OpaquePointer, _ path: Path) {
        let points = path.points
        cairo_new_path(context)
        cairo_move_to(context, Double(points[0].x), Double(points[0].y))
        for segment in 0..<path.segmentCount {
            let first = 3 * segment + 1
            let end = first + 2 < points.count ? points[first + 2] : points[0]
            cairo_curve_to(
                context, Double(points[first].x), Double(points[first].y), Double(points[first + 1].x),
                Double(points[first + 1].y), Double(end.x), Double(end.y))
        }
        if path.isClosed {
            cairo_close_path(context)
        }
    }

    private static func setSource(_ context: OpaquePointer, _ color: RGBA) {
        cairo_set_source_rgba(context, Double(color.r), Double(color.g), Double(color.b), Double(color.a))
    }
}

/// Collects the bytes Cairo streams out (PNG, PDF).
private final class ByteSink {
    var data = Data()

    static let write: cairo_write_func_t = { closure, bytes, length in
        guard let closure, let bytes else { return CAIRO_STATUS_WRITE_ERROR }
        Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue().data.append(bytes, count: Int(length))
        return CAIRO_STATUS_SUCCESS
    }
}
