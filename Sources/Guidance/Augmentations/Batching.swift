import Tensor

// How parameter lists line up with image batches, for every augmentation in this folder.
//
// Images are always [N, C, H, W]. A transform takes a list of P parameter sets, which broadcasts
// against the batch like a leading axis:
// - P = 1: the same draw for every image (CLIPasso warps sketch and target identically);
// - N = 1: the one image augmented once per draw (CLIPDraw's K copies of one render);
// - P = N: one draw per image.
// The result has max(N, P) images.

/// The batch size of the result of applying `parameterCount` draws to `images`.
func broadcastBatch(_ images: Tensor, parameterCount: Int, _ transform: String) -> Int {
    precondition(images.rank == 4, "\(transform) expects images [N, C, H, W], got \(images.shape)")
    let imageCount = images.shape[0]
    precondition(parameterCount > 0, "\(transform) needs at least one parameter set")
    precondition(
        parameterCount == 1 || imageCount == 1 || parameterCount == imageCount,
        "\(transform): \(parameterCount) parameter sets do not fit a batch of \(imageCount) images")
    return max(imageCount, parameterCount)
}

/// Applies `transform` image by image when each image has its own draw (for transforms whose
/// output size or index pattern differs per draw), or once to the whole batch when one draw is
/// shared.
func mapImages<Parameters>(
    _ images: Tensor, _ parameters: [Parameters], _ name: String, _ transform: (Tensor, Parameters) -> Tensor
) -> Tensor {
    let batch = broadcastBatch(images, parameterCount: parameters.count, name)
    if parameters.count == 1 { return transform(images, parameters[0]) }
    let shared = images.shape[0] == 1
    let outputs = (0..<batch).map { index in
        transform(shared ? images : images.slice(axis: 0, start: index, length: 1), parameters[index])
    }
    return concat(outputs, axis: 0)
}

/// `images` repeated so that it has `batch` images (the gradient of the copies sums back).
func repeatBatch(_ images: Tensor, to batch: Int) -> Tensor {
    images.shape[0] == batch ? images : concat(Array(repeating: images, count: batch), axis: 0)
}

/// A constant [count, 1, 1, 1] tensor of per-image scalars, which broadcasts over an image batch.
func perImageScalars(_ values: [Float]) -> Tensor {
    Tensor(shape: [values.count, 1, 1, 1], values: values)
}
