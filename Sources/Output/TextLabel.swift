import CCairo

/// A line of text as a picture, for labelling contact sheets (the step of a snapshot, the stroke
/// count of an abstraction level). Cairo's own text API with the system's sans-serif font; on a
/// machine without fonts Cairo draws nothing and the label stays blank.
public enum TextLabel {
    /// `text` in dark grey, centred on a white RGB strip `width × height` pixels.
    public static func render(_ text: String, width: Int, height: Int) -> Image {
        var pixels = [Float](repeating: 1, count: 3 * width * height)
        guard width > 0, height > 0, let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height)) else {
            return Image(width: max(width, 0), height: max(height, 0), channels: 3, pixels: pixels)
        }
        defer { cairo_surface_destroy(surface) }
        let context = cairo_create(surface)!
        cairo_set_source_rgb(context, 1, 1, 1)
        cairo_paint(context)
        cairo_select_font_face(context, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, Double(height) * 0.75)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, text, &extents)
        cairo_move_to(
            context, (Double(width) - extents.width) / 2 - extents.x_bearing, (Double(height) - extents.height) / 2 - extents.y_bearing)
        cairo_set_source_rgb(context, 0.2, 0.2, 0.2)
        cairo_show_text(context, text)
        cairo_destroy(context)
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        let data = UnsafeRawPointer(cairo_image_surface_get_data(surface)!)
        let plane = width * height
        for y in 0..<height {
            for x in 0..<width {
                let word = (data + y * stride).load(fromByteOffset: 4 * x, as: UInt32.self)
                pixels[y * width + x] = Float((word >> 16) & 0xFF) / 255
                pixels[plane + y * width + x] = Float((word >> 8) & 0xFF) / 255
                pixels[2 * plane + y * width + x] = Float(word & 0xFF) / 255
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels)
    }
}
