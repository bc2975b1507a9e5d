extension RGBA {
    /// A colour written as users write them on the command line and in presets: `#rgb`,
    /// `#rrggbb`, `#rrggbbaa`, `rgb(...)`/`rgba(...)` or a basic colour name (the syntax SVG files
    /// use, so one parser serves both).
    public init(css text: String) throws {
        self = try SVGPaint.parseColor(text)
    }
}
