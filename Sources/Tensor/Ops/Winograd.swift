// 3x3 convolutions with stride 1 and padding 1 by Winograd's minimal filtering F(2x2, 3x3)
// (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
//
// Each 2x2 block of outputs is computed from the 4x4 input tile around it: the tile and the
// kernel are transformed (V = Bᵀ d B, U = G g Gᵀ), multiplied element by element and summed over
// input channels, and the 4x4 result is transformed back (Y = Aᵀ M A). Summed over channels,
// each of the 16 element positions is one matrix product U[ξ] [Cout, Cin] · V[ξ] [Cin, tiles]: a
// tile costs 16 multiplies per pair of channels instead of the direct 36, all of them in 16 sgemm
// calls (2.25x fewer for the 3x3 layers of VGG, CLIP's ResNets and CLIPstyler's U-Net). F(2x2, 3x3)'s transforms
// only add, subtract and halve, so its rounding stays at the level of the direct sum (larger
// tiles, F(4x4, 3x3), would save more multiplies at a visibly larger error).
//
// The input gradient of such a convolution is itself one: the output gradient convolved with the
// kernel turned 180° and its channel axes swapped. Turning a kernel 180° only permutes its
// transform's 16 elements, so backward reuses the forward's transformed kernel, transposed.

/// The transformed kernel U [16, out, in] of a 3x3 kernel: U[ξ] = (G g Gᵀ)[ξ] for every pair of
/// channels, G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1].
struct WinogradKernel {
    let storage: Storage
    let outChannels: Int
    let inChannels: Int

    /// From `weight` [out, in, 3, 3] (PyTorch's layout).
    init(weight: UnsafePointer<Float>, outChannels: Int, inChannels: Int) {
        self.outChannels = outChannels
        self.inChannels = inChannels
        storage = Storage(uninitializedCount: 16 * outChannels * inChannels)
        let u = storage.pointer, plane = outChannels * inChannels
        typealias Lanes = SIMD8<Float>
        // Eight input channels at a time, so each of the 16 planes gets whole vectors.
        let groups = (inChannels + Lanes.scalarCount - 1) / Lanes.scalarCount
        Parallel.forEachChunk(outChannels, grain: max(1, 512 / groups)) { range in
            // The lanes' kernels turned to tap-major order [9, lanes], so each tap is one vector load.
            let tapMajor = Storage(zeroedCount: 9 * Lanes.scalarCount)
            let scratch = tapMajor.pointer
            for o in range {
                for group in 0..<groups {
                    let first = group * Lanes.scalarCount, count = min(Lanes.scalarCount, inChannels - first)
                    let kernels = weight + (o * inChannels + first) * 9
                    if count < Lanes.scalarCount { scratch.update(repeating: 0, count: 9 * Lanes.scalarCount) }
                    for lane in 0..<count {
                        for tap in 0..<9 { scratch[tap * Lanes.scalarCount + lane] = kernels[lane * 9 + tap] }
                    }
                    // Tap `tap` (y · 3 + x) of the lanes' kernels.
                    @inline(__always) func taps(_ tap: Int) -> Lanes {
                        UnsafeRawPointer(scratch + tap * Lanes.scalarCount).loadUnaligned(as: Lanes.self)
                    }
                    // Row i of G g (columns x = 0, 1, 2): column x of G g is G times column x of the kernel.
                    @inline(__always) func column(_ x: Int) -> (Lanes, Lanes, Lanes, Lanes) {
                        let k0 = taps(x), k1 = taps(3 + x), k2 = taps(6 + x)
                        return (k0, 0.5 * (k0 + k1 + k2), 0.5 * (k0 - k1 + k2), k2)
                    }
                    let c0 = column(0), c1 = column(1), c2 = column(2)
                    let target = u + o * inChannels + first
                    @inline(__always) func store(_ value: Lanes, _ xi: Int) {
                        let p = target + xi * plane
                        if count == Lanes.scalarCount {
                            UnsafeMutableRawPointer(p).storeBytes(of: value, as: Lanes.self)
                        } else {
                            for lane in 0..<count { p[lane] = value[lane] }
                        }
                    }
                    // (G g) Gᵀ: G applied to row i of G g, (q0, q1, q2).
                    @inline(__always) func storeRow(_ i: Int, _ q0: Lanes, _ q1: Lanes, _ q2: Lanes) {
                        store(q0, i * 4)
                        store(0.5 * (q0 + q1 + q2), i * 4 + 1)
                        store(0.5 * (q0 - q1 + q2), i * 4 + 2)
                        store(q2, i * 4 + 3)
                    }
                    storeRow(0, c0.0, c1.0, c2.0)
                    storeRow(1, c0.1, c1.1, c2.1)
                    storeRow(2, c0.2, c1.2, c2.2)
                    storeRow(3, c0.3, c1.3, c2.3)
                }
            }
        }
    }
}

public enum Winograd {
    /// Whether the fast path computes this convolution: 3x3, stride 1, padding 1 (output the size
    /// of the input), with enough channels and tiles that the 16 products run at sgemm speed. A
    /// 3-channel image layer stays with im2col, and so do small batches of small maps: measured
    /// here, 256 channels at 14x14 gain 1.3-1.6x from 5 images (245 tiles) up but lose at 1-2
    /// images, 512 channels at 7x7 (16 tiles an image) run 3x slower.
    static func supports(_ geometry: ConvolutionGeometry, outChannels: Int, batch: Int) -> Bool {
        let tiles = batch * ((geometry.height + 1) / 2) * ((geometry.width + 1) / 2)
        return geometry.kernelHeight == 3 && geometry.kernelWidth == 3 && geometry.strideY == 1 && geometry.strideX == 1
            && geometry.paddingY == 1 && geometry.paddingX == 1 && geometry.inChannels >= 16 && outChannels >= 16
            && tiles >= minimumTiles
    }

    /// Tiles below which im2col is faster.
    private static let minimumTiles = 240

    /// For tests: whether `conv2d` of an input of `inputShape` [N, C, H, W] with a kernel of
    /// `weightShape` [C', C, kH, kW] takes this path.
    @_spi(Testing)
    public static func isUsed(inputShape: [Int], weightShape: [Int], stride: Int, padding: Int) -> Bool {
        let geometry = ConvolutionGeometry(input: inputShape, weight: weightShape, stride: (stride, stride), padding: (padding, padding))
        return supports(geometry, outChannels: weightShape[0], batch: inputShape[0])
    }

    /// Floats of transformed tiles (input and output side together) per block of tile rows: 8 MB,
    /// so a block is still in cache when its products read it ...
    private static let blockFloats = 1 << 21
    /// ... but never fewer tiles than this, below which the products' columns run short of sgemm speed.
    private static let minimumBlockTiles = 192
    /// Tiles transformed together, one per SIMD lane.
    private typealias Lanes = SIMD8<Float>
    private static let lanes = Lanes.scalarCount
    /// Where the 180°-turned kernel's transform keeps each row (and column) index of the
    /// original's: G applied to a reversed column reverses G's first and last rows.
    private static let turned = [3, 1, 2, 0]

    /// `output` [N, C', H, W] = the convolution of `input` [N, C, H, W] with `kernel` (C = its
    /// input channels, C' its output channels), plus `bias`; or, `adjoint`, the input gradient of
    /// that convolution from the output gradient `input` [N, C', H, W] into `output` [N, C, H, W].
    /// Stored, or added to what `output` holds when `accumulate`.
    static func convolve(
        _ input: UnsafePointer<Float>, batch: Int, height: Int, width: Int, kernel: WinogradKernel, adjoint: Bool = false,
        bias: UnsafePointer<Float>? = nil, into output: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        let inChannels = adjoint ? kernel.outChannels : kernel.inChannels
        let outChannels = adjoint ? kernel.inChannels : kernel.outChannels
        let tilesY = (height + 1) / 2, tilesX = (width + 1) / 2
        // Blocks of whole tile rows (over all images: row r is image r / tilesY's row r % tilesY).
        let wantedTiles = max(minimumBlockTiles, blockFloats / (16 * (inChannels + outChannels)))
        let blockRows = min(batch * tilesY, max(1, wantedTiles / tilesX))
        // Rows of transformed tiles are `lanes` longer than a block, so whole-vector stores of a
        // row's last tiles stay inside it; the products' loads may read `lanes` past the end.
        let transformedStride = blockRows * tilesX + lanes
        let transformed = Storage(uninitializedCount: 16 * inChannels * transformedStride)
        let products = Storage(uninitializedCount: 16 * outChannels * blockRows * tilesX + lanes)
        let plane = height * width

        for firstRow in stride(from: 0, to: batch * tilesY, by: blockRows) {
            let rows = min(blockRows, batch * tilesY - firstRow), tiles = rows * tilesX
            transformInput(
                input, rows: firstRow..<firstRow + rows, tilesY: tilesY, tilesX: tilesX, channels: inChannels, height: height,
                width: width, into: transformed.pointer, rowStride: transformedStride)
            // M[ξ] [C', tiles] = U[ξ] [C', C] · V[ξ] [C, tiles].
            let u = kernel.storage.pointer, kernelPlane = inChannels * outChannels
            let product = { (xi: Int) in
                let source = adjoint ? turned[xi / 4] * 4 + turned[xi % 4] : xi
                gemm(
                    transposeA: adjoint, transposeB: false, m: outChannels, n: tiles, k: inChannels,
                    a: u + source * kernelPlane, lda: adjoint ? outChannels : inChannels,
                    b: transformed.pointer + xi * inChannels * transformedStride, ldb: transformedStride, beta: 0,
                    c: products.pointer + xi * outChannels * tiles, ldc: tiles, onOneThread: GemmRouting.usesOneDNN)
            }
            // The 16 products are independent. On oneDNN's sgemm they run side by side, each on
            // one thread: a small product (RN101's 14x14 and 7x7
            // maps at batch 1) spent much of a 2-thread sgemm waking its second thread, and
            // `conv3x3.fwdbwd.256c14x14.b5` took 3.9-5.6 ms instead of 5.9-7.6, a CLIPasso step
            // 12-22% less. OpenBLAS's threads serve one caller at a time, so there the products
            // run one after another, each on all of them.
            if GemmRouting.usesOneDNN {
                Parallel.forEach(16, product)
            } else {
                for xi in 0..<16 { product(xi) }
            }
            let m = UnsafePointer(products.pointer)
            Parallel.forEachChunk(outChannels, grain: max(1, 4096 / tiles)) { channels in
                for o in channels {
                    let target = output + o * plane, shift = bias?[o] ?? 0
                    for row in 0..<rows {
                        let image = (firstRow + row) / tilesY, y = 2 * ((firstRow + row) % tilesY)
                        transformOutputRow(
                            m + o * tiles + row * tilesX, stride: outChannels * tiles, tilesX: tilesX, bias: shift,
                            into: target + image * outChannels * plane, y: y, height: height, width: width, accumulate: accumulate)
                    }
                }
            }
        }
    }

    /// V[ξ][c][t] = (Bᵀ d B)[ξ] for every input channel c and tile t of tile `rows`, with
    /// Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]; taps in the padding read zero.
    private static func transformInput(
        _ input: UnsafePointer<Float>, rows: Range<Int>, tilesY: Int, tilesX: Int, channels: Int, height: Int, width: Int,
        into v: UnsafeMutablePointer<Float>, rowStride: Int
    ) {
        let plane = height * width, planeStride = channels * rowStride
        // The input rows a run of tile rows reads, copied with the zero padding around them
        // (padded column p is input column p - 1), wide enough for whole-vector loads: tile j
        // covers padded columns 2j … 2j+3.
        let paddedWidth = 2 * ((tilesX + lanes - 1) / lanes * lanes + lanes) + 2
        let paddedRows = 2 * min(rows.count, tilesY) + 2
        Parallel.forEachChunk(channels, grain: max(1, 4096 / (rows.count * tilesX))) { chunk in
            let padded = Storage(uninitializedCount: paddedRows * paddedWidth)
            let scratch = padded.pointer
            for c in chunk {
                var row = rows.lowerBound
                while row < rows.upperBound {
                    // The block's tile rows that lie in this image.
                    let image = row / tilesY, firstTileRow = row % tilesY
                    let count = min(rows.upperBound - row, tilesY - firstTileRow)
                    let source = input + (image * channels + c) * plane
                    for p in 0..<(2 * count + 2) {
                        let line = scratch + p * paddedWidth
                        let iy = 2 * firstTileRow - 1 + p
                        line.update(repeating: 0, count: paddedWidth)
                        if iy >= 0 && iy < height { (line + 1).update(from: source + iy * width, count: width) }
                    }
                    for s in 0..<count {
                        let base = v + c * rowStride + (row - rows.lowerBound + s) * tilesX
                        let top = UnsafeRawPointer(scratch + 2 * s * paddedWidth)
                        for j in Swift.stride(from: 0, to: tilesX, by: lanes) {
                            // Row y of every lane's tile times B (by columns) ...
                            @inline(__always) func transformedRow(_ y: Int) -> (Lanes, Lanes, Lanes, Lanes) {
                                let line = top + (y * paddedWidth + 2 * j) * 4
                                let a = line.loadUnaligned(as: SIMD16<Float>.self), b = (line + 8).loadUnaligned(as: SIMD16<Float>.self)
                                let d0 = a.evenHalf, d1 = a.oddHalf, d2 = b.evenHalf, d3 = b.oddHalf
                                return (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
                            }
                            let r0 = transformedRow(0), r1 = transformedRow(1), r2 = transformedRow(2), r3 = transformedRow(3)
                            // ... then Bᵀ across the rows. A whole vector past the row's last tile
                            // lands on the next row's first tiles (written after) or the padding.
                            @inline(__always) func store(_ value: Lanes, _ xi: Int) {
                                UnsafeMutableRawPointer(base + xi * planeStride + j).storeBytes(of: value, as: Lanes.self)
                            }
                            store(r0.0 - r2.0, 0); store(r0.1 - r2.1, 1); store(r0.2 - r2.2, 2); store(r0.3 - r2.3, 3)
                            store(r1.0 + r2.0, 4); store(r1.1 + r2.1, 5); store(r1.2 + r2.2, 6); store(r1.3 + r2.3, 7)
                            store(r2.0 - r1.0, 8); store(r2.1 - r1.1, 9); store(r2.2 - r1.2, 10); store(r2.3 - r1.3, 11)
                            store(r1.0 - r3.0, 12); store(r1.1 - r3.1, 13); store(r1.2 - r3.2, 14); store(r1.3 - r3.3, 15)
                        }
                    }
                    row += count
                }
            }
        }
    }

    /// Y = Aᵀ M A, Aᵀ = [1 1 1 0; 0 1 -1 -1], for one output channel's row of tiles (M[ξ] of tile
    /// j at `products[ξ · stride + j]`): output rows y and y + 1 of `plane` [H, W].
    private static func transformOutputRow(
        _ products: UnsafePointer<Float>, stride: Int, tilesX: Int, bias: Float, into plane: UnsafeMutablePointer<Float>, y: Int,
        height: Int, width: Int, accumulate: Bool
    ) {
        let hasBelow = y + 1 < height
        for j in Swift.stride(from: 0, to: tilesX, by: lanes) {
            @inline(__always) func m(_ xi: Int) -> Lanes { UnsafeRawPointer(products + xi * stride + j).loadUnaligned(as: Lanes.self) }
            // Aᵀ M: rows 0 + 1 + 2 and 1 - 2 - 3, column by column; then times A.
            let s00 = m(0) + m(4) + m(8), s01 = m(1) + m(5) + m(9), s02 = m(2) + m(6) + m(10), s03 = m(3) + m(7) + m(11)
            let s10 = m(4) - m(8) - m(12), s11 = m(5) - m(9) - m(13), s12 = m(6) - m(10) - m(14), s13 = m(7) - m(11) - m(15)
            let y00 = s00 + s01 + s02 + bias, y01 = s01 - s02 - s03 + bias
            let y10 = s10 + s11 + s12 + bias, y11 = s11 - s12 - s13 + bias
            let count = min(lanes, tilesX - j)
            let top = plane + y * width, below = top + width
            let x = 2 * j
            if x + 2 * lanes <= width {
                // Whole vectors: each output row gets the lanes' left and right outputs interleaved.
                @inline(__always) func write(_ left: Lanes, _ right: Lanes, _ target: UnsafeMutablePointer<Float>) {
                    var pair = SIMD16<Float>()
                    pair.evenHalf = left
                    pair.oddHalf = right
                    let raw = UnsafeMutableRawPointer(target + x)
                    if accumulate { pair += raw.loadUnaligned(as: SIMD16<Float>.self) }
                    raw.storeBytes(of: pair, as: SIMD16<Float>.self)
                }
                write(y00, y01, top)
                if hasBelow { write(y10, y11, below) }
                continue
            }
            for lane in 0..<count {
                let x = 2 * (j + lane)
                let pair = x + 1 < width
                if accumulate {
                    top[x] += y00[lane]
                    if pair { top[x + 1] += y01[lane] }
                    if hasBelow {
                        below[x] += y10[lane]
                        if pair { below[x + 1] += y11[lane] }
                    }
                } else {
                    top[x] = y00[lane]
                    if pair { top[x + 1] = y01[lane] }
                    if hasBelow {
                        below[x] = y10[lane]
                        if pair { below[x + 1] = y11[lane] }
                    }
                }
            }
        }
    }
}
