/// The size a photo is stylised at: the requested longer side, the photo's aspect ratio, both
/// sides multiples of 8 because the U-Net halves the image three times and joins the halves
/// back with skip connections.
public struct WorkingSize: Equatable, Sendable {
    public let height: Int
    public let width: Int
    /// The requested longer side when it was not a multiple of 8 and was rounded.
    public let roundedFrom: Int?

    public init(photoHeight: Int, photoWidth: Int, longerSide: Int) {
        precondition(
            photoHeight > 0 && photoWidth > 0 && longerSide > 0, "working size of a \(photoWidth)x\(photoHeight) photo at \(longerSide)")
        func multipleOf8(_ side: Double) -> Int { max(8, Int((side / 8).rounded()) * 8) }
        let longer = multipleOf8(Double(longerSide))
        let shorter = multipleOf8(Double(longer) * Double(min(photoHeight, photoWidth)) / Double(max(photoHeight, photoWidth)))
        (height, width) = photoHeight >= photoWidth ? (longer, shorter) : (shorter, longer)
        roundedFrom = longer == longerSide ? nil : longerSide
    }
}
