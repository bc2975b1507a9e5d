// 2-D convolution over NCHW images (cross-correlation, as PyTorch's `conv2d`), through im2col
// and sgemm.
//
// The input is unfolded into a column matrix [Cin·kH·kW, Hout·Wout] (one row per kernel tap,
// holding what that tap sees at every output position), and the output is the product
// `weight [Cout, Cin·kH·kW] · columns`. The unfold goes one block of input channels at a time,
// each block's product accumulating into the output, so a block is still in cache when sgemm
// reads it and the one column buffer per call stays a few megabytes. Images run one after
// another, since sgemm already uses every core; small feature maps (a ResNet's 7x7 stage) would
// give sgemm too few columns to run at full speed, so there a few images share one column
// matrix side by side. Large feature maps (128x128 and up: CLIPstyler's U-Net and VGG at
// 512x512) are also unfolded one band of output rows at a time (at least 2,048 positions), so
// the column block sgemm reads stays in cache instead of a column matrix of hundreds of megabytes
// streaming through memory (3-4x faster for a 16-channel 3x3 at 512x512). A 1x1 convolution with stride 1 and no padding is already in column
// form, so a lone image skips the unfold.
//
// 3x3 convolutions with stride 1 and padding 1, at least 16 channels each way and enough 2x2
// output tiles (VGG, CLIPstyler's U-Net, the bottlenecks of CLIP's ResNets at a batch of 5)
// take Winograd's F(2x2, 3x3) instead, for the output and the input gradient
// (`Winograd.swift`); their weight gradient stays here.
//
// Backward: dX = col2im(weightᵀ · dY) and dW += dY · columnsᵀ, block by block (the columns are
// unfolded again rather than cached, which would hold a column matrix per image for the life of
// the graph). A frozen weight skips its products and an input that needs no gradient skips the
// others, so CLIP's input-gradient pass costs one sgemm per layer, image group and block.

/// Positions a sliding window of `kernel` takes along an axis of `size` (PyTorch's floor rule).
func slidingWindowCount(_ size: Int, kernel: Int, stride: Int, padding: Int) -> Int {
    (size + 2 * padding - kernel) / stride + 1
}

/// The shapes of one convolution, for one image.
struct ConvolutionGeometry {
    let inChannels: Int
    let height: Int
    let width: Int
    let kernelHeight: Int
    let kernelWidth: Int
    let strideY: Int
    let strideX: Int
    let paddingY: Int
    let paddingX: Int
    let outHeight: Int
    let outWidth: Int

    /// Of an input [N, C, H, W] and a weight [C', C, kH, kW].
    init(input: [Int], weight: [Int], stride: (height: Int, width: Int), padding: (height: Int, width: Int)) {
        inChannels = input[1]
        height = input[2]
        width = input[3]
        kernelHeight = weight[2]
        kernelWidth = weight[3]
        strideY = stride.height
        strideX = stride.width
        paddingY = padding.height
        paddingX = padding.width
        outHeight = slidingWindowCount(height, kernel: kernelHeight, stride: strideY, padding: paddingY)
        outWidth = slidingWindowCount(width, kernel: kernelWidth, stride: strideX, padding: paddingX)
    }

    /// Rows of the column matrix: one per (input channel, kernel tap).
    var patchSize: Int { inChannels * kernelHeight * kernelWidth }
    var outPlane: Int { outHeight * outWidth }
    var inPlane: Int { height * width }
    var imageSize: Int { inChannels * height * width }

    /// When the column matrix would equal the image itself.
    var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideY == 1 && strideX == 1 && paddingY == 0 && paddingX == 0
    }

    /// Output columns `first..<end` whose kernel tap `tapX` lands inside the image (not in the
    /// padding), so the unfold loops copy a run with no per-element test.
    func validOutputColumns(tapX: Int) -> (first: Int, end: Int) {
        // Input column of output column `ow` is ow * strideX - paddingX + tapX.
        let offset = tapX - paddingX
        let first = offset >= 0 ? 0 : (-offset + strideX - 1) / strideX
        let lastInput = width - 1 - offset
        let end = lastInput < 0 ? 0 : min(outWidth, lastInput / strideX + 1)
        return (min(first, outWidth), max(end, min(first, outWidth)))
    }

    /// Input-channel chunks for parallel unfolding: enough values per chunk to pay a thread hop.
    func channelGrain(rows: Int) -> Int { max(1, 32_768 / max(1, kernelHeight * kernelWidth * rows * outWidth)) }
}

/// Unfolds one image [Cin, H, W] into its column matrix [Cin·kH·kW, Hout·Wout], whose rows lie
/// `rowStride` apart (wider than Hout·Wout when several images share the matrix); taps that fall
/// in the padding read zero.
func im2col(
    _ image: UnsafePointer<Float>, channels: Range<Int>, into columns: UnsafeMutablePointer<Float>, rowStride: Int,
    _ geometry: ConvolutionGeometry, outputRows: Range<Int>? = nil
) {
    let g = geometry
    let rows = outputRows ?? 0..<g.outHeight
    Parallel.forEachChunk(channels.count, grain: g.channelGrain(rows: rows.count)) { chunk in
        for block in chunk {
            let plane = image + (channels.lowerBound + block) * g.inPlane
            for tapY in 0..<g.kernelHeight {
                for tapX in 0..<g.kernelWidth {
                    let row = columns + ((block * g.kernelHeight + tapY) * g.kernelWidth + tapX) * rowStride
                    let (first, end) = g.validOutputColumns(tapX: tapX)
                    let run = end - first
                    for oh in rows {
                        let target = row + (oh - rows.lowerBound) * g.outWidth
                        let ih = oh * g.strideY - g.paddingY + tapY
                        guard ih >= 0 && ih < g.height else {
                            target.update(repeating: 0, count: g.outWidth)
                            continue
                        }
                        let source = plane + ih * g.width + first * g.strideX - g.paddingX + tapX
                        for ow in 0..<first { target[ow] = 0 }
                        if g.strideX == 1 {
                            (target + first).update(from: source, count: run)
                        } else {
                            for t in 0..<run { target[first + t] = source[t * g.strideX] }
                        }
                        for ow in end..<g.outWidth { target[ow] = 0 }
                    }
                }
            }
        }
    }
}

/// The adjoint of `im2col`: adds every column entry back onto the input pixel it was read from.
/// Each input channel owns its own rows of the column matrix, so channels accumulate in parallel.
func col2im(
    _ columns: UnsafePointer<Float>, rowStride: Int, channels: Range<Int>, addingInto image: UnsafeMutablePointer<Float>,
    _ geometry: ConvolutionGeometry, outputRows: Range<Int>? = nil
) {
    let g = geometry
    let rows = outputRows ?? 0..<g.outHeight
    Parallel.forEachChunk(channels.count, grain: g.channelGrain(rows: rows.count)) { chunk in
        for block in chunk {
            let plane = image + (channels.lowerBound + block) * g.inPlane
            for tapY in 0..<g.kernelHeight {
                for tapX in 0..<g.kernelWidth {
                    let row = columns + ((block * g.kernelHeight + tapY) * g.kernelWidth + tapX) * rowStride
                    let (first, end) = g.validOutputColumns(tapX: tapX)
                    let run = end - first
                    for oh in rows {
                        let ih = oh * g.strideY - g.paddingY + tapY
                        guard ih >= 0 && ih < g.height else { continue }
                        let source = row + (oh - rows.lowerBound) * g.outWidth + first
                        let target = plane + ih * g.width + first * g.strideX - g.paddingX + tapX
                        if g.strideX == 1 {
                            for t in 0..<run { target[t] += source[t] }
                        } else {
                            for t in 0..<run { target[t * g.strideX] += source[t] }
                        }
                    }
                }
            }
        }
    }
}

/// Columns below which sgemm slows down (by a quarter at 49, a 7x7 map; it is at full speed from
/// about 196, a 14x14 map), so smaller feature maps are grouped several images to a column matrix.
private let minimumGroupColumns = 192

/// Floats of column matrix unfolded at a time (2 MB), so a block stays in cache between the
/// unfold and its sgemm, which would otherwise stream a column matrix of megabytes per image
/// through memory twice ...
private let columnBlockFloats = 1 << 19

/// ... but never fewer rows than this, below which sgemm's inner dimension is too short to run at
/// full speed (large feature maps get fewer, taller-than-cache blocks instead).
private let minimumColumnBlockRows = 384

/// Output positions per band when a large feature map is unfolded a band of rows at a time: wide
/// enough for sgemm to run at full speed (it does from about 1,000 columns).
private let minimumTileColumns = 2048

/// Output positions from which a map is unfolded in bands: 128x128 and up (CLIPstyler's U-Net and
/// VGG at 512x512). Below that the whole column matrix fits the 32 MB L3, and a ResNet at 224
/// (stem maps 112x112) keeps sgemm's exact rounding, on which ReLU masks in CLIP's input gradient
/// depend.
private let minimumBandedPlane = 128 * 128

/// Adds the bias gradient of the output gradient `outputGrad` [N, Cout, P] (P output positions
/// per channel), its sums over images and positions, onto `bias`'s gradient when one is wanted.
func addBiasGradient(of outputGrad: UnsafePointer<Float>, to bias: Tensor, batch: Int, outPlane: Int) {
    guard let dBias = bias.gradientBuffer() else { return }
    let outChannels = bias.count
    Parallel.forEachChunk(outChannels, grain: max(1, 16_384 / max(1, batch * outPlane))) { range in
        for o in range {
            for n in 0..<batch { dBias[o] += sumOf(outputGrad + (n * outChannels + o) * outPlane, outPlane) }
        }
    }
}

/// 2-D convolution of `x` [N, Cin, H, W] with `weight` [Cout, Cin, kH, kW] (PyTorch's layout)
/// plus an optional `bias` [Cout]; the same `stride` and zero `padding` on both axes.
/// How one convolution call is carried out by our kernels (im2col + sgemm, or Winograd), worked
/// out from its shapes once; the backward follows the schedule its forward used.
struct ConvolutionSchedule {
    let geometry: ConvolutionGeometry
    let batch: Int
    let outChannels: Int
    /// Winograd's F(2x2, 3x3) for the output and the input gradient.
    let winograd: Bool
    /// Images sharing one column matrix: groups of at least `minimumGroupColumns` columns, the
    /// batch split evenly between them (5 images of 7x7 go as one group of 5, not 4 + a lone
    /// image at a quarter less speed).
    let groupSize: Int
    /// Row stride of the staging block: a group's images side by side.
    let groupWidth: Int
    /// Whether the input is unfolded (a lone pointwise image already is its column matrix).
    let unfolds: Bool
    /// Bands of output rows unfolded at a time.
    let rowTiles: [Range<Int>]
    /// Row stride of the column matrix: a tile's width, or a group's images side by side.
    let columnWidth: Int
    /// Leading dimension of the output (and output gradient) as sgemm sees it.
    let outStride: Int
    /// Input channels unfolded at a time, split evenly.
    let blockChannels: Int
    let channelBlocks: [Range<Int>]

    init(_ geometry: ConvolutionGeometry, batch: Int, outChannels: Int) {
        self.geometry = geometry
        self.batch = batch
        self.outChannels = outChannels
        winograd = Winograd.supports(geometry, outChannels: outChannels, batch: batch)
        let outPlane = geometry.outPlane, taps = geometry.kernelHeight * geometry.kernelWidth
        let smallestGroup = min(batch, max(1, (minimumGroupColumns + outPlane - 1) / outPlane))
        groupSize = (batch + max(1, batch / smallestGroup) - 1) / max(1, batch / smallestGroup)
        groupWidth = groupSize * outPlane
        unfolds = !geometry.isPointwise || groupSize > 1
        // A large feature map is unfolded a band of output rows at a time, so the column block
        // stays in cache for its sgemm instead of streaming a column matrix of up to hundreds of
        // megabytes.
        let tileRows =
            unfolds && groupSize == 1 && outPlane >= minimumBandedPlane
            ? max(1, min(geometry.outHeight, (minimumTileColumns + geometry.outWidth - 1) / geometry.outWidth))
            : geometry.outHeight
        rowTiles = Swift.stride(from: 0, to: geometry.outHeight, by: tileRows).map { $0..<min($0 + tileRows, geometry.outHeight) }
        columnWidth = groupSize > 1 ? groupWidth : tileRows * geometry.outWidth
        outStride = groupSize > 1 ? groupWidth : outPlane
        let cacheChannels = max(columnBlockFloats / (taps * columnWidth), (minimumColumnBlockRows + taps - 1) / taps, 1)
        let blockCount = unfolds ? (geometry.inChannels + cacheChannels - 1) / cacheChannels : 1
        let channels = (geometry.inChannels + blockCount - 1) / blockCount
        blockChannels = channels
        channelBlocks = Swift.stride(from: 0, to: geometry.inChannels, by: channels).map {
            $0..<min($0 + channels, geometry.inChannels)
        }
    }

    private var taps: Int { geometry.kernelHeight * geometry.kernelWidth }

    /// The column block of `channels` and output `rows` for the group of `images` starting at
    /// image `first`, side by side in `columns`; without `columns` (a lone pointwise image), the
    /// image itself, which already is its column matrix.
    private func unfoldedPatches(
        _ input: UnsafePointer<Float>, first: Int, images: Int, channels: Range<Int>, rows: Range<Int>, columns: Storage?
    ) -> UnsafePointer<Float> {
        let imageSize = geometry.imageSize
        guard let columns else { return input + first * imageSize }
        for j in 0..<images {
            im2col(
                input + (first + j) * imageSize, channels: channels, into: columns.pointer + j * geometry.outPlane,
                rowStride: columnWidth, geometry, outputRows: rows)
        }
        return UnsafePointer(columns.pointer)
    }

    /// `output` [N, Cout, Hout, Wout] = the convolution of `input` with `weight`, plus `bias`.
    func forward(
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, into output: UnsafeMutablePointer<Float>
    ) {
        if winograd {
            let kernel = WinogradKernel(weight: weight, outChannels: outChannels, inChannels: geometry.inChannels)
            Winograd.convolve(
                input, batch: batch, height: geometry.height, width: geometry.width, kernel: kernel, bias: bias, into: output,
                accumulate: false)
            return
        }
        let outPlane = geometry.outPlane
        let columns = unfolds ? Storage(uninitializedCount: blockChannels * taps * columnWidth) : nil
        // A group's product comes out as [Cout, images·P]; it is moved into each image's planes.
        let staging = groupSize > 1 ? Storage(uninitializedCount: outChannels * groupWidth) : nil
        for first in Swift.stride(from: 0, to: batch, by: groupSize) {
            let images = min(groupSize, batch - first)
            let out = output + first * outChannels * outPlane
            if staging == nil, let bias {
                // Seed each output channel with its bias; sgemm then adds the products (beta = 1).
                for o in 0..<outChannels { (out + o * outPlane).update(repeating: bias[o], count: outPlane) }
            }
            for rows in rowTiles {
                let tileOffset = rows.lowerBound * geometry.outWidth, tileColumns = rows.count * geometry.outWidth
                for (blockIndex, channels) in channelBlocks.enumerated() {
                    let patches = unfoldedPatches(input, first: first, images: images, channels: channels, rows: rows, columns: columns)
                    let accumulate: Float = blockIndex > 0 || (staging == nil && bias != nil) ? 1 : 0
                    gemm(
                        transposeA: false, transposeB: false, m: outChannels, n: images * tileColumns, k: channels.count * taps,
                        a: weight + channels.lowerBound * taps, lda: geometry.patchSize, b: patches, ldb: columnWidth,
                        beta: accumulate, c: (staging?.pointer ?? out) + tileOffset, ldc: outStride)
                }
            }
            if let staging {
                let block = staging.pointer
                Parallel.forEachChunk(outChannels, grain: max(1, 16_384 / groupWidth)) { range in
                    for o in range {
                        let shift = bias?[o] ?? 0
                        for j in 0..<images {
                            let source = block + o * groupWidth + j * outPlane, target = out + (j * outChannels + o) * outPlane
                            for p in 0..<outPlane { target[p] = source[p] + shift }
                        }
                    }
                }
            }
        }
    }

    /// The input gradient (into `inputGrad`, added when `accumulate`, else stored) and the weight
    /// gradient (added into `weightGrad`) for `outputGrad`; either may be skipped (`nil`). Only
    /// the weight gradient reads the `input`.
    func backward(
        input: UnsafePointer<Float>?, weight: UnsafePointer<Float>, outputGrad g: UnsafePointer<Float>,
        inputGrad: (pointer: UnsafeMutablePointer<Float>, accumulate: Bool)?, weightGrad dWeight: UnsafeMutablePointer<Float>?
    ) {
        precondition(dWeight == nil || input != nil, "a weight gradient needs the convolution's input")
        var dx = inputGrad?.pointer
        if winograd, let inputGrad {
            // The input gradient of a 3x3, stride 1, padding 1 convolution is one too.
            let kernel = WinogradKernel(weight: weight, outChannels: outChannels, inChannels: geometry.inChannels)
            Winograd.convolve(
                g, batch: batch, height: geometry.height, width: geometry.width, kernel: kernel, adjoint: true,
                into: inputGrad.pointer, accumulate: inputGrad.accumulate)
            dx = nil
        } else if let inputGrad, !inputGrad.accumulate {
            // col2im and the pointwise product add into it.
            inputGrad.pointer.update(repeating: 0, count: batch * geometry.imageSize)
        }
        guard dx != nil || dWeight != nil else { return }
        let outPlane = geometry.outPlane, imageSize = geometry.imageSize, patchSize = geometry.patchSize
        let columns = unfolds ? Storage(uninitializedCount: blockChannels * taps * columnWidth) : nil
        // A group's output gradient, gathered side by side as [Cout, images·P] for sgemm.
        let staging = groupSize > 1 ? Storage(uninitializedCount: outChannels * groupWidth) : nil
        for first in Swift.stride(from: 0, to: batch, by: groupSize) {
            let images = min(groupSize, batch - first)
            var gradOut = g + first * outChannels * outPlane
            if let staging {
                let block = staging.pointer
                Parallel.forEachChunk(outChannels, grain: max(1, 16_384 / groupWidth)) { range in
                    for o in range {
                        for j in 0..<images {
                            (block + o * groupWidth + j * outPlane).update(
                                from: gradOut + (j * outChannels + o) * outPlane, count: outPlane)
                        }
                    }
                }
                gradOut = UnsafePointer(block)
            }
            for rows in rowTiles {
                let tileOffset = rows.lowerBound * geometry.outWidth, tileColumns = rows.count * geometry.outWidth
                let tileGrad = gradOut + tileOffset
                for channels in channelBlocks {
                    let blockRows = channels.count * taps, blockWeight = weight + channels.lowerBound * taps
                    if let dWeight {
                        let patches = unfoldedPatches(
                            input!, first: first, images: images, channels: channels, rows: rows, columns: columns)
                        // dW [Cout, block] += dY [Cout, images·P] · columnsᵀ [images·P, block]
                        gemm(
                            transposeA: false, transposeB: true, m: outChannels, n: blockRows, k: images * tileColumns,
                            a: tileGrad, lda: outStride, b: patches, ldb: columnWidth,
                            beta: 1, c: dWeight + channels.lowerBound * taps, ldc: patchSize)
                    }
                    guard let dx else { continue }
                    if let columns {
                        // dColumns [block, images·P] = weightᵀ [block, Cout] · dY; the columns have
                        // served dW already, so the same buffer takes them.
                        gemm(
                            transposeA: true, transposeB: false, m: blockRows, n: images * tileColumns, k: outChannels,
                            a: blockWeight, lda: patchSize, b: tileGrad, ldb: outStride, beta: 0, c: columns.pointer,
                            ldc: columnWidth)
                        for j in 0..<images {
                            col2im(
                                columns.pointer + j * outPlane, rowStride: columnWidth, channels: channels,
                                addingInto: dx + (first + j) * imageSize, geometry, outputRows: rows)
                        }
                    } else {
                        gemm(
                            transposeA: true, transposeB: false, m: patchSize, n: outPlane, k: outChannels,
                            a: weight, lda: patchSize, b: gradOut, ldb: outPlane, beta: 1, c: dx + first * imageSize,
                            ldc: outPlane)
                    }
                }
            }
        }
    }
}

/// 2-D convolution of `x` [N, Cin, H, W] with `weight` [Cout, Cin, kH, kW] (PyTorch's layout)
/// plus an optional `bias` [Cout]; the same `stride` and zero `padding` on both axes.
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) -> Tensor {
    conv2d(x, weight: weight, bias: bias, stride: (stride, stride), padding: (padding, padding))
}

/// 2-D convolution with a separate stride and zero padding per axis, each given as
/// (vertical, horizontal).
public func conv2d(
    _ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (height: Int, width: Int), padding: (height: Int, width: Int)
) -> Tensor {
    precondition(x.rank == 4, "conv2d input must be [N, C, H, W], got \(x.shape)")
    precondition(weight.rank == 4 && weight.shape[1] == x.shape[1], "conv2d weight \(weight.shape) does not fit input \(x.shape)")
    precondition(
        stride.height > 0 && stride.width > 0 && padding.height >= 0 && padding.width >= 0,
        "conv2d: invalid stride \(stride) or padding \(padding)")
    let batch = x.shape[0], outChannels = weight.shape[0]
    if let bias { precondition(bias.count == outChannels, "conv2d bias \(bias.shape) for \(outChannels) output channels") }
    let geometry = ConvolutionGeometry(input: x.shape, weight: weight.shape, stride: stride, padding: padding)
    precondition(geometry.outHeight > 0 && geometry.outWidth > 0, "conv2d: kernel \(weight.shape) larger than padded input \(x.shape)")
    if ConvolutionRouting.usesOneDNN(geometry, batch: batch, outChannels: outChannels) {
        return conv2dThroughOneDNN(x, weight: weight, bias: bias, geometry, batch: batch, outChannels: outChannels)
    }
    let schedule = ConvolutionSchedule(geometry, batch: batch, outChannels: outChannels)
    let result = Tensor(uninitializedShape: [batch, outChannels, geometry.outHeight, geometry.outWidth])
    schedule.forward(input: x.pointer, weight: weight.pointer, bias: bias?.pointer, into: result.pointer)
    result.recordIfNeeded(bias.map { [x, weight, $0] } ?? [x, weight]) { _, outputGrad in
        let g = outputGrad.pointer
        if let bias { addBiasGradient(of: g, to: bias, batch: batch, outPlane: geometry.outPlane) }
        schedule.backward(
            input: x.pointer, weight: weight.pointer, outputGrad: g, inputGrad: x.gradientTarget(), weightGrad: weight.gradientBuffer())
    }
    return result
}
