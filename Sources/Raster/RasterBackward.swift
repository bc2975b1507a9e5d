import Tensor

/// The backward pass of `rasterize`: the image gradient to the gradients of the parameters.
///
/// Per tile row (the forward's steps, reversed):
/// 1. image gradient -> gradient of the premultiplied colour (un-premultiplying for RGBA);
/// 2. recompute the row's fragments back to front, recording the colour below each;
/// 3. walk them front to back with T, the transmittance of everything in front:
///    d/d(colour) = T · opacity, d/d(opacity) = T · (colour − colour below),
///    opacity = coverage · alpha;
/// 4. strokes: coverage -> distance and radius through the edge profile's slope; distance -> the
///    closest point on the nearest edge, whose endpoints (polyline vertices) take weights 1 − u
///    and u. Fills: coverage -> winding area through the fill rule -> every edge crossing the row.
/// Vertex gradients reach control points through the vertex's control-point weights, and pixel
/// units become canvas units, once per render.
extension Rasterization {
    /// Adds d(loss)/d(parameters) into the gradient buffers of the parameter tensors that want one,
    /// given d(loss)/d(image) and the image the forward pass drew.
    func backward(imageGradient: UnsafePointer<Float>, image: UnsafePointer<Float>) {
        let targets = GradientTargets(parameters)
        guard targets.any else { return }
        let workers = workerCount
        let sums = (0..<workers).map { _ in GradientSums(vertexCount: scene.vertexCount, pathCount: scene.paths.count) }
        let works = (0..<workers).map { _ in TileWork(largestTileList: grid.largestTileList) }
        Parallel.forEach(workers) { worker in
            for tile in stride(from: worker, to: grid.tileCount, by: workers) {
                backwardTile(tile, works[worker], imageGradient, image, sums[worker], targets)
            }
        }
        for worker in 1..<max(workers, 1) { sums[0].add(sums[worker]) }
        if workers > 0 { addToParameters(sums[0], targets) }
    }

    private func backwardTile(
        _ tile: Int, _ work: TileWork, _ imageGradient: UnsafePointer<Float>, _ image: UnsafePointer<Float>,
        _ sums: GradientSums, _ targets: GradientTargets
    ) {
        work.prepare(tile: tile, grid: grid, scene: scene)
        for row in 0..<work.rowCount {
            guard let gradient = colorGradient(imageGradient, image, x: work.tileX, y: work.tileY + row) else {
                continue
            }

            // Forward again, recording each fragment and the colour below it.
            var fragmentCount = 0
            var color = PremultipliedLanes(background)
            forEachFragment(row: row, work) { covered, entry, isStroke in
                work.fragments[fragmentCount] = Fragment(
                    covered: covered, below: color, entry: entry, isStroke: isStroke)
                fragmentCount += 1
                let style = scene.paths[work.tilePaths[entry].path]
                color.composite(isStroke ? style.strokeColor : style.fillColor, coverage: covered.coverage)
            }

            // Front to back.
            let position = RowPosition(tileX: work.tileX, y: work.tileY + row)
            var transmittance = Lanes.one
            for index in stride(from: fragmentCount - 1, through: 0, by: -1) {
                let fragment = work.fragments[index]
                let entry = work.tilePaths[fragment.entry]
                let style = scene.paths[entry.path]
                let paint = fragment.isStroke ? style.strokeColor : style.fillColor
                let coverage = fragment.covered.coverage, below = fragment.below
                let opacity = coverage * paint.w
                let opacityGradient =
                    transmittance
                    * (gradient.red * (paint.x - below.red) + gradient.green * (paint.y - below.green)
                        + gradient.blue * (paint.z - below.blue) + gradient.alpha * (1 - below.alpha))
                if fragment.isStroke ? targets.strokeColors != nil : targets.fillColors != nil {
                    let visible = transmittance * opacity
                    let colorGradient = SIMD4(
                        (gradient.red * visible).sum(), (gradient.green * visible).sum(),
                        (gradient.blue * visible).sum(), (opacityGradient * coverage).sum())
                    if fragment.isStroke {
                        sums.strokeColor[entry.path] += colorGradient
                    } else {
                        sums.fillColor[entry.path] += colorGradient
                    }
                }
                transmittance *= 1 - opacity

                let coverageGradient = opacityGradient * paint.w
                if fragment.isStroke {
                    guard targets.geometry else { continue }
                    let distance = fragment.covered.distance
                    let inner = EdgeProfile.slope(style.radius - distance)
                    let outer = EdgeProfile.slope(-style.radius - distance)
                    if targets.strokeWidths != nil {
                        sums.radius[entry.path] += (coverageGradient * (inner + outer)).sum()
                    }
                    if targets.points != nil {
                        addStrokeVertexGradients(coverageGradient * (outer - inner), fragment.covered, position, sums)
                    }
                } else if targets.points != nil {
                    let areaGradient =
                        coverageGradient * fillRuleSlope(fragment.covered.windingArea, isEvenOdd: style.isEvenOdd)
                    addFillVertexGradients(areaGradient, entry.crossingEdges, work, position, sums)
                }
            }
        }
    }

    /// d(distance)/d(edge endpoints) for each lane with a gradient: the unit vector from the pixel
    /// centre to its closest point, weighted 1 − u to the edge's start and u to its end (the
    /// closest point's own movement along the edge changes the distance only to second order).
    @inline(__always)
    private func addStrokeVertexGradients(
        _ distanceGradient: Lanes, _ covered: RowCoverage, _ position: RowPosition, _ sums: GradientSums
    ) {
        guard any(distanceGradient .!= 0) else { return }
        let edges = scene.edges
        for lane in 0..<TileGrid.size {
            let gradient = distanceGradient[lane], distance = covered.distance[lane]
            guard gradient != 0, distance > 1e-6 else { continue }
            let index = Int(covered.nearest.edge[lane]), along = covered.nearest.along[lane]
            let edge = edges[index]
            let scale = gradient / distance
            let towardsX = (edge.startX + along * edge.deltaX - position.x[lane]) * scale
            let towardsY = (edge.startY + along * edge.deltaY - position.y) * scale
            let vertex = sums.vertex + 2 * index
            vertex[0] += (1 - along) * towardsX
            vertex[1] += (1 - along) * towardsY
            vertex[2] += along * towardsX
            vertex[3] += along * towardsY
        }
    }

    /// d(winding area)/d(edge endpoints) of every edge crossing the row (`FillCoverage.swift`).
    private func addFillVertexGradients(
        _ areaGradient: Lanes, _ crossing: Range<Int>, _ work: TileWork, _ position: RowPosition, _ sums: GradientSums
    ) {
        guard any(areaGradient .!= 0) else { return }
        let edges = scene.edges
        work.edgeList.withUnsafeBufferPointer { list in
            for k in crossing {
                let index = Int(list[k])
                let edge = edges[index]
                guard let band = BandCrossing(edge, top: position.top) else { continue }
                let derivatives = areaDerivatives(edge, band, position, areaGradient)
                let vertex = sums.vertex + 2 * index
                vertex[0] += derivatives[0]
                vertex[1] += derivatives[1]
                vertex[2] += derivatives[2]
                vertex[3] += derivatives[3]
            }
        }
    }

    /// The loss's gradient with respect to the premultiplied colour of one tile row, or nil where
    /// it is zero. RGB output is the premultiplied colour itself; RGBA output is c / a and a.
    private func colorGradient(
        _ imageGradient: UnsafePointer<Float>, _ image: UnsafePointer<Float>, x: Int, y: Int
    ) -> PremultipliedLanes? {
        let width = grid.width, plane = grid.width * grid.height
        let gradientRow = imageGradient + y * width + x
        let columns = min(TileGrid.size, width - x)
        var gradient = PremultipliedLanes(.zero)
        for lane in 0..<columns {
            gradient.red[lane] = gradientRow[lane]
            gradient.green[lane] = gradientRow[plane + lane]
            gradient.blue[lane] = gradientRow[2 * plane + lane]
        }
        if channels == .rgba {
            let imageRow = image + y * width + x
            var alpha = Lanes.zero, alphaGradient = Lanes.zero
            var red = Lanes.zero, green = Lanes.zero, blue = Lanes.zero
            for lane in 0..<columns {
                red[lane] = imageRow[lane]
                green[lane] = imageRow[plane + lane]
                blue[lane] = imageRow[2 * plane + lane]
                alpha[lane] = imageRow[3 * plane + lane]
                alphaGradient[lane] = gradientRow[3 * plane + lane]
            }
            let inverseAlpha = Lanes.zero.replacing(with: 1 / alpha, where: alpha .> 0)
            gradient.alpha =
                alphaGradient - (gradient.red * red + gradient.green * green + gradient.blue * blue) * inverseAlpha
            gradient.red *= inverseAlpha
            gradient.green *= inverseAlpha
            gradient.blue *= inverseAlpha
        }
        let anyGradient =
            (gradient.red .!= 0) .| (gradient.green .!= 0) .| (gradient.blue .!= 0) .| (gradient.alpha .!= 0)
        return any(anyGradient) ? gradient : nil
    }

    /// Pixel-space sums -> canvas-space parameter gradients, added into the gradient buffers.
    private func addToParameters(_ sums: GradientSums, _ targets: GradientTargets) {
        if let points = targets.points {
            addPointGradients(sums, into: points)
        }
        if let widths = targets.strokeWidths {
            // radius = ½ · width · widthScale (unstroked paths, widths ≤ 0 included, have no
            // radius gradient).
            for path in scene.paths.indices { widths[path] += 0.5 * scene.widthScale * sums.radius[path] }
        }
        if let colors = targets.strokeColors {
            for (path, gradient) in sums.strokeColor.enumerated() { add(gradient, into: colors + 4 * path) }
        }
        if let colors = targets.fillColors {
            for (path, gradient) in sums.fillColor.enumerated() { add(gradient, into: colors + 4 * path) }
        }
    }

    private func add(_ gradient: SIMD4<Float>, into row: UnsafeMutablePointer<Float>) {
        for channel in 0..<4 { row[channel] += gradient[channel] }
    }

    /// Vertex gradients -> control-point gradients in canvas units: through each vertex's fixed
    /// control-point weights, and through the fade of vertices still fading in (`Subdivision`).
    private func addPointGradients(_ sums: GradientSums, into points: UnsafeMutablePointer<Float>) {
        var pixelGradients = [SIMD2<Float>](repeating: .zero, count: parameters.points.count / 2)
        func vertexGradient(_ vertex: Int) -> SIMD2<Float> {
            SIMD2(sums.vertex[2 * vertex], sums.vertex[2 * vertex + 1])
        }
        for vertex in 0..<scene.vertexCount {
            let gradient = vertexGradient(vertex)
            guard gradient != .zero else { continue }
            let weights = scene.vertexWeights[vertex]
            let indices = scene.cubicPoints[Int(scene.vertexCubic[vertex])]
            for k in 0..<4 { pixelGradients[Int(indices[k])] += weights[k] * gradient }
        }
        for (cubic, subdivision) in scene.cubicSubdivision.enumerated() where subdivision.isFading {
            var fadeGradient: Float = 0
            for odd in stride(from: 1, to: subdivision.pieces, by: 2) {
                let moves = FlattenedScene.blend(
                    scene.cubicControl[cubic], subdivision.fadeDirectionWeights(ofVertex: odd))
                fadeGradient += (vertexGradient(scene.cubicFirstVertex[cubic] + odd) * moves).sum()
            }
            let indices = scene.cubicPoints[cubic], slope = subdivision.fadeGradient
            pixelGradients[Int(indices[0])] += fadeGradient * slope.0
            pixelGradients[Int(indices[1])] += fadeGradient * slope.1
            pixelGradients[Int(indices[2])] += fadeGradient * slope.2
            pixelGradients[Int(indices[3])] += fadeGradient * slope.3
        }
        for (point, gradient) in pixelGradients.enumerated() {
            points[2 * point] += gradient.x * scene.scaleX
            points[2 * point + 1] += gradient.y * scene.scaleY
        }
    }
}

/// Where each parameter's gradient goes: its gradient buffer, or nil for a frozen tensor (whose
/// gradient is then never computed).
struct GradientTargets {
    let points: UnsafeMutablePointer<Float>?
    let strokeWidths: UnsafeMutablePointer<Float>?
    let strokeColors: UnsafeMutablePointer<Float>?
    let fillColors: UnsafeMutablePointer<Float>?

    init(_ parameters: SceneParameters) {
        points = parameters.points.gradientBuffer()
        strokeWidths = parameters.strokeWidths.gradientBuffer()
        strokeColors = parameters.strokeColors.gradientBuffer()
        fillColors = parameters.fillColors.gradientBuffer()
    }

    var any: Bool { points != nil || strokeWidths != nil || strokeColors != nil || fillColors != nil }
    var geometry: Bool { points != nil || strokeWidths != nil }
}

/// One worker's gradient sums in pixel space; workers' sums are added once at the end.
final class GradientSums {
    /// (x, y) per polyline vertex.
    let vertex: UnsafeMutablePointer<Float>
    let vertexCount: Int
    /// Per path: d/d(radius in pixels), d/d(stroke RGBA), d/d(fill RGBA).
    var radius: [Float]
    var strokeColor: [SIMD4<Float>]
    var fillColor: [SIMD4<Float>]

    init(vertexCount: Int, pathCount: Int) {
        self.vertexCount = vertexCount
        vertex = .allocate(capacity: max(2 * vertexCount, 1))
        vertex.initialize(repeating: 0, count: max(2 * vertexCount, 1))
        radius = [Float](repeating: 0, count: pathCount)
        strokeColor = [SIMD4<Float>](repeating: .zero, count: pathCount)
        fillColor = [SIMD4<Float>](repeating: .zero, count: pathCount)
    }

    deinit { vertex.deallocate() }

    func add(_ other: GradientSums) {
        for index in 0..<2 * vertexCount { vertex[index] += other.vertex[index] }
        for path in radius.indices {
            radius[path] += other.radius[path]
            strokeColor[path] += other.strokeColor[path]
            fillColor[path] += other.fillColor[path]
        }
    }
}
