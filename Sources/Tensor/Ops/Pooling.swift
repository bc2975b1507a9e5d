// Spatial pooling of NCHW feature maps: average, max, adaptive average and global average, with
// PyTorch's conventions (floor output sizes; average pooling counts the zero padding).
//
// Every (image, channel) plane pools independently, so planes run in parallel, forward and
// backward.

/// Planes per parallel chunk: enough values per chunk to pay a thread hop.
private func poolingGrain(_ planeSize: Int) -> Int { max(1, 16_384 / max(planeSize, 1)) }

/// Rows (or columns) `start..<end` of a window that begins at `origin`, clipped to the input.
@inline(__always)
private func clippedWindow(origin: Int, kernel: Int, size: Int) -> (start: Int, end: Int) {
    (max(origin, 0), min(origin + kernel, size))
}

/// The output shape of a square-window pooling of `x`, after checking its arguments.
private func pooledShape(_ x: Tensor, kernel: Int, stride: Int, padding: Int, name: String) -> [Int] {
    precondition(x.rank == 4, "\(name) input must be [N, C, H, W], got \(x.shape)")
    precondition(kernel > 0 && stride > 0, "\(name): kernel \(kernel) and stride \(stride) must be positive")
    precondition(padding >= 0 && padding <= kernel / 2, "\(name): padding \(padding) must be at most half the kernel \(kernel)")
    let outHeight = slidingWindowCount(x.shape[2], kernel: kernel, stride: stride, padding: padding)
    let outWidth = slidingWindowCount(x.shape[3], kernel: kernel, stride: stride, padding: padding)
    precondition(outHeight > 0 && outWidth > 0, "\(name): kernel \(kernel) larger than padded input \(x.shape)")
    return [x.shape[0], x.shape[1], outHeight, outWidth]
}

/// Mean over each `kernel`x`kernel` window of `x` [N, C, H, W], stepping by `stride` (default:
/// the kernel). Zero padding counts towards the mean (`count_include_pad=True`, PyTorch's
/// default), so every window divides by kernel².
public func avgPool2d(_ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
    let stride = stride ?? kernel
    let shape = pooledShape(x, kernel: kernel, stride: stride, padding: padding, name: "avgPool2d")
    let height = x.shape[2], width = x.shape[3], outHeight = shape[2], outWidth = shape[3]
    let planes = shape[0] * shape[1], inPlane = height * width, outPlane = outHeight * outWidth
    let divisor = 1 / Float(kernel * kernel)
    let result = Tensor(uninitializedShape: shape)
    let input = x.pointer, out = result.pointer
    // The ResNets' 2x2 pool: each window inside the image, summed in the general loop's order.
    let halving = kernel == 2 && stride == 2 && padding == 0
    Parallel.forEachChunk(planes, grain: poolingGrain(inPlane)) { range in
        for plane in range {
            let planeIn = input + plane * inPlane, planeOut = out + plane * outPlane
            if halving {
                for oh in 0..<outHeight {
                    let top = planeIn + 2 * oh * width, bottom = top + width, row = planeOut + oh * outWidth
                    for ow in 0..<outWidth { row[ow] = (((top[2 * ow] + top[2 * ow + 1]) + bottom[2 * ow]) + bottom[2 * ow + 1]) * divisor }
                }
                continue
            }
            for oh in 0..<outHeight {
                let rows = clippedWindow(origin: oh * stride - padding, kernel: kernel, size: height)
                for ow in 0..<outWidth {
                    let columns = clippedWindow(origin: ow * stride - padding, kernel: kernel, size: width)
                    var total: Float = 0
                    for ih in rows.start..<rows.end {
                        for iw in columns.start..<columns.end { total += planeIn[ih * width + iw] }
                    }
                    planeOut[oh * outWidth + ow] = total * divisor
                }
            }
        }
    }
    result.recordIfNeeded([x]) { _, outputGrad in
        guard let dx = x.gradientBuffer() else { return }
        averagePoolBackward(outputGrad.pointer, addingInto: dx, inputShape: x.shape, kernel: kernel, stride: stride, padding: padding)
    }
    return result
}

/// `avgPool2d`'s backward: each output's gradient, divided by the window's size, added onto every
/// input of its window, in `dx` [N, C, H, W] of `inputShape`.
func averagePoolBackward(
    _ g: UnsafePointer<Float>, addingInto dx: UnsafeMutablePointer<Float>, inputShape: [Int], kernel: Int, stride: Int, padding: Int
) {
    let height = inputShape[2], width = inputShape[3]
    let outHeight = slidingWindowCount(height, kernel: kernel, stride: stride, padding: padding)
    let outWidth = slidingWindowCount(width, kernel: kernel, stride: stride, padding: padding)
    let planes = inputShape[0] * inputShape[1], inPlane = height * width, outPlane = outHeight * outWidth
    let divisor = 1 / Float(kernel * kernel)
    let halving = kernel == 2 && stride == 2 && padding == 0
    Parallel.forEachChunk(planes, grain: poolingGrain(inPlane)) { range in
        for plane in range {
            let planeGrad = g + plane * outPlane, planeDX = dx + plane * inPlane
            if halving {
                for oh in 0..<outHeight {
                    let top = planeDX + 2 * oh * width, bottom = top + width, row = planeGrad + oh * outWidth
                    for ow in 0..<outWidth {
                        let share = row[ow] * divisor
                        top[2 * ow] += share
                        top[2 * ow + 1] += share
                        bottom[2 * ow] += share
                        bottom[2 * ow + 1] += share
                    }
                }
                continue
            }
            for oh in 0..<outHeight {
                let rows = clippedWindow(origin: oh * stride - padding, kernel: kernel, size: height)
                for ow in 0..<outWidth {
                    let columns = clippedWindow(origin: ow * stride - padding, kernel: kernel, size: width)
                    let share = planeGrad[oh * outWidth + ow] * divisor
                    for ih in rows.start..<rows.end {
                        for iw in columns.start..<columns.end { planeDX[ih * width + iw] += share }
                    }
                }
            }
        }
    }
}

/// Maximum over each `kernel`x`kernel` window of `x` [N, C, H, W], stepping by `stride` (default:
/// the kernel); padding never wins. The gradient goes to the window's maximum (the first one in
/// row-major order on ties, as PyTorch).
public func maxPool2d(_ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0) -> Tensor {
    let stride = stride ?? kernel
    let shape = pooledShape(x, kernel: kernel, stride: stride, padding: padding, name: "maxPool2d")
    let height = x.shape[2], width = x.shape[3], outHeight = shape[2], outWidth = shape[3]
    let planes = shape[0] * shape[1], inPlane = height * width, outPlane = outHeight * outWidth
    precondition(inPlane <= Int(Int32.max), "maxPool2d: plane of \(inPlane) values is too large")
    let result = Tensor(uninitializedShape: shape)
    // Where each output's maximum came from (offset within its input plane), for the backward.
    var argmax = [Int32](repeating: 0, count: result.count)
    let input = x.pointer, out = result.pointer
    argmax.withUnsafeMutableBufferPointer { buffer in
        let winners = buffer.baseAddress!
        Parallel.forEachChunk(planes, grain: poolingGrain(inPlane)) { range in
            for plane in range {
                let planeIn = input + plane * inPlane, planeOut = out + plane * outPlane
                let planeWinners = winners + plane * outPlane
                for oh in 0..<outHeight {
                    let rows = clippedWindow(origin: oh * stride - padding, kernel: kernel, size: height)
                    for ow in 0..<outWidth {
                        let columns = clippedWindow(origin: ow * stride - padding, kernel: kernel, size: width)
                        var best = -Float.infinity
                        var winner = rows.start * width + columns.start
                        for ih in rows.start..<rows.end {
                            for iw in columns.start..<columns.end {
                                let value = planeIn[ih * width + iw]
                                // A NaN wins, so it propagates as in PyTorch.
                                if value > best || value.isNaN {
                                    best = value
                                    winner = ih * width + iw
                                }
                            }
                        }
                        planeOut[oh * outWidth + ow] = best
                        planeWinners[oh * outWidth + ow] = Int32(winner)
                    }
                }
            }
        }
    }
    result.recordIfNeeded([x]) { [argmax] _, outputGrad in
        guard let dx = x.gradientBuffer() else { return }
        let g = outputGrad.pointer
        argmax.withUnsafeBufferPointer { buffer in
            let winners = buffer.baseAddress!
            Parallel.forEachChunk(planes, grain: poolingGrain(inPlane)) { range in
                for plane in range {
                    let planeGrad = g + plane * outPlane, planeDX = dx + plane * inPlane
                    let planeWinners = winners + plane * outPlane
                    for o in 0..<outPlane { planeDX[Int(planeWinners[o])] += planeGrad[o] }
                }
            }
        }
    }
    return result
}

/// Mean of `x` [N, C, H, W] over windows that tile it into `outputSize` cells, as PyTorch's
/// `adaptive_avg_pool2d`: cell i spans rows floor(i·H/Hout) ..< ceil((i+1)·H/Hout), so cells may
/// overlap when the sizes do not divide.
public func adaptiveAvgPool2d(_ x: Tensor, outputSize: (height: Int, width: Int)) -> Tensor {
    precondition(x.rank == 4, "adaptiveAvgPool2d input must be [N, C, H, W], got \(x.shape)")
    precondition(outputSize.height > 0 && outputSize.width > 0, "adaptiveAvgPool2d: output size \(outputSize) must be positive")
    let height = x.shape[2], width = x.shape[3], outHeight = outputSize.height, outWidth = outputSize.width
    let planes = x.shape[0] * x.shape[1], inPlane = height * width, outPlane = outHeight * outWidth
    func cell(_ index: Int, _ inSize: Int, _ outSize: Int) -> (start: Int, end: Int) {
        (index * inSize / outSize, ((index + 1) * inSize + outSize - 1) / outSize)
    }
    let rowCells = (0..<outHeight).map { cell($0, height, outHeight) }
    let columnCells = (0..<outWidth).map { cell($0, width, outWidth) }
    let result = Tensor(uninitializedShape: [x.shape[0], x.shape[1], outHeight, outWidth])
    let input = x.pointer, out = result.pointer
    Parallel.forEachChunk(planes, grain: poolingGrain(inPlane)) { range in
        for plane in range {
            let planeIn = input + plane * inPlane, planeOut = out + plane * outPlane
            for oh in 0..<outHeight {
                let rows = rowCells[oh]
                for ow in 0..<outWidth {
                    let columns = columnCells[ow]
                    var total: Float = 0
                    for ih in rows.start..<rows.end {
                        for iw in columns.start..<columns.end { total += planeIn[ih * width + iw] }
                    }
                    planeOut[oh * outWidth + ow] = total / Float((rows.end - rows.start) * (columns.end - columns.start))
                }
            }
        }
    }
    result.recordIfNeeded([x]) { _, outputGrad in
        guard let dx = x.gradientBuffer() else { return }
        let g = outputGrad.pointer
        Parallel.forEachChunk(planes, grain: poolingGrain(inPlane)) { range in
            for plane in range {
                let planeGrad = g + plane * outPlane, planeDX = dx + plane * inPlane
                for oh in 0..<outHeight {
                    let rows = rowCells[oh]
                    for ow in 0..<outWidth {
                        let columns = columnCells[ow]
                        let share = planeGrad[oh * outWidth + ow] / Float((rows.end - rows.start) * (columns.end - columns.start))
                        for ih in rows.start..<rows.end {
                            for iw in columns.start..<columns.end { planeDX[ih * width + iw] += share }
                        }
                    }
                }
            }
        }
    }
    return result
}

/// Mean over all spatial positions of `x` [N, C, H, W], giving [N, C] (the ResNet head's pooled
/// features, already flattened).
public func globalAvgPool2d(_ x: Tensor) -> Tensor {
    precondition(x.rank == 4, "globalAvgPool2d input must be [N, C, H, W], got \(x.shape)")
    let planes = x.shape[0] * x.shape[1], inPlane = x.shape[2] * x.shape[3]
    let result = Tensor(uninitializedShape: [x.shape[0], x.shape[1]])
    let input = x.pointer, out = result.pointer
    Parallel.forEachChunk(planes, grain: poolingGrain(inPlane)) { range in
        for plane in range { out[plane] = sumOf(input + plane * inPlane, inPlane) / Float(inPlane) }
    }
    result.recordIfNeeded([x]) { _, outputGrad in
        guard let dx = x.gradientBuffer() else { return }
        let g = outputGrad.pointer
        Parallel.forEachChunk(planes, grain: poolingGrain(inPlane)) { range in
            for plane in range {
                let share = g[plane] / Float(inPlane), planeDX = dx + plane * inPlane
                for i in 0..<inPlane { planeDX[i] += share }
            }
        }
    }
    return result
}
