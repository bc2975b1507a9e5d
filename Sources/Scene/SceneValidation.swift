extension Scene {
    /// Checks what the type system cannot: a positive canvas, finite coordinates, point counts
    /// that match the open/closed layout, non-negative stroke widths and colour channels in
    /// [0, 1]. Scenes read from files are validated before anything draws them, so the
    /// rasterizer and Cairo can assume well-formed input.
    ///
    /// Paths are named as in the JSON format, `paths[i]`, counting from 0.
    public func validate() throws {
        guard width > 0, height > 0 else {
            throw SceneError(.invalidScene, "canvas must be at least 1x1, found \(width)x\(height)")
        }
        if let background {
            try background.validate(as: "background")
        }
        for (index, path) in paths.enumerated() {
            try path.validate(as: "paths[\(index)]")
        }
    }
}

extension Path {
    func validate(as name: String) throws {
        if isClosed {
            guard points.count >= 3, points.count % 3 == 0 else {
                throw SceneError(
                    .invalidScene,
                    "\(name): a closed path needs 3n points (3, 6, 9, ...), found \(points.count)")
            }
        } else {
            guard points.count >= 4, (points.count - 1) % 3 == 0 else {
                throw SceneError(
                    .invalidScene,
                    "\(name): an open path needs 1 + 3n points (4, 7, 10, ...), found \(points.count)")
            }
        }
        if let index = points.firstIndex(where: { !$0.x.isFinite || !$0.y.isFinite }) {
            throw SceneError(.invalidScene, "\(name): point \(index) is not a finite number")
        }
        guard strokeWidth.isFinite, strokeWidth >= 0 else {
            throw SceneError(.invalidScene, "\(name): stroke width must be >= 0, found \(strokeWidth)")
        }
        if let strokeColor {
            try strokeColor.validate(as: "\(name) stroke")
        }
        if let fillColor {
            guard isClosed else {
                throw SceneError(
                    .invalidScene, "\(name): only closed paths are filled; close the path or remove its fill")
            }
            try fillColor.validate(as: "\(name) fill")
        }
    }
}

extension RGBA {
    func validate(as name: String) throws {
        for (channel, value) in [("red", r), ("green", g), ("blue", b), ("alpha", a)] {
            guard value >= 0, value <= 1 else {
                throw SceneError(.invalidScene, "\(name): \(channel) must be in [0, 1], found \(value)")
            }
        }
    }
}
