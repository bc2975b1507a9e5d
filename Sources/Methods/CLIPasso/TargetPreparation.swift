import Models
import Tensor

/// The photo as CLIPasso compares sketches with it: optionally masked to white outside the
/// object, either centre-cropped or padded onto a white square, and resized (PIL's antialiased
/// bicubic) to the model's resolution. Transparency is composited onto white by the caller, as
/// the reference pastes RGBA photos on white.
public enum TargetPreparation {
    /// Photos smaller than this on either side carry too little to sketch.
    public static let minimumSide = 32

    /// Fails, with what to change, when a photo of `width`×`height` (and a mask of
    /// `maskWidth`×`maskHeight`) cannot be prepared; cheap, so callers check before loading models.
    public static func check(width: Int, height: Int, mask: (width: Int, height: Int)?) throws {
        guard height >= minimumSide && width >= minimumSide else {
            throw MethodError("the photo is \(width)x\(height) pixels; CLIPasso needs at least \(minimumSide) on each side")
        }
        if let mask, mask.width != width || mask.height != height {
            throw MethodError(
                "the mask is \(mask.width)x\(mask.height) pixels but the photo is \(width)x\(height); give a mask of the photo's size")
        }
    }

    /// `photo` [3, H, W] in [0, 1]; `mask` [H, W] in [0, 1], 1 on the object. Returns [3, size, size].
    public static func prepare(photo: Tensor, mask: Tensor?, size: Int, pad: Bool, padMargin: Int) throws -> Tensor {
        precondition(photo.rank == 3 && photo.shape[0] == 3, "the photo must be RGB [3, H, W], got \(photo.shape)")
        precondition(mask.map { $0.rank == 2 } ?? true, "the mask must be [H, W]")
        let height = photo.shape[1], width = photo.shape[2]
        try check(width: width, height: height, mask: mask.map { (width: $0.shape[1], height: $0.shape[0]) })
        var image = photo
        if let mask { image = masked(photo, mask) }
        if pad && height != width {
            image = paddedToSquare(image, margin: padMargin)
        }
        return ImagePreprocessing.resizeAndCenterCrop(image, resolution: size)
    }

    /// White where the mask is 0, the photo where it is 1, blended between.
    private static func masked(_ photo: Tensor, _ mask: Tensor) -> Tensor {
        let plane = mask.count
        let result = photo.copy()
        for channel in 0..<3 {
            let pixels = result.pointer + channel * plane
            for index in 0..<plane { pixels[index] = pixels[index] * mask.pointer[index] + (1 - mask.pointer[index]) }
        }
        return result
    }

    /// The photo centred on a white square `margin` pixels larger than its longer side (the
    /// reference's `fix_image_scale`, which centres with integer halves).
    private static func paddedToSquare(_ photo: Tensor, margin: Int) -> Tensor {
        let height = photo.shape[1], width = photo.shape[2]
        let side = max(height, width) + margin
        let top = side / 2 - height / 2, left = side / 2 - width / 2
        let square = Tensor(repeating: 1, shape: [3, side, side])
        for channel in 0..<3 {
            for y in 0..<height {
                let source = photo.pointer + (channel * height + y) * width
                let target = square.pointer + (channel * side + top + y) * side + left
                target.update(from: source, count: width)
            }
        }
        return square
    }
}
