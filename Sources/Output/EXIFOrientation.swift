import Foundation

/// The EXIF orientation tag (0x0112): how a camera's stored pixels must be turned to be upright.
/// Cases name the operation that makes the stored image upright; rotations are clockwise.
public enum EXIFOrientation: Int, Sendable {
    case upright = 1
    case mirror = 2
    case rotate180 = 3
    case flip = 4
    /// Mirror along the top-left to bottom-right diagonal.
    case transpose = 5
    case rotate90 = 6
    /// Mirror along the top-right to bottom-left diagonal.
    case transverse = 7
    case rotate270 = 8

    /// The orientation recorded in a JPEG's Exif APP1 segment; `.upright` when there is none or
    /// it cannot be parsed (a damaged tag should not stop the photo from loading).
    public init(jpeg data: Data) {
        self = Self.read(from: [UInt8](data)).flatMap(EXIFOrientation.init(rawValue:)) ?? .upright
    }

    private static func read(from bytes: [UInt8]) -> Int? {
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var offset = 2
        while offset + 4 <= bytes.count, bytes[offset] == 0xFF {
            let marker = bytes[offset + 1]
            // Start of scan or end of image: no metadata segments follow.
            if marker == 0xDA || marker == 0xD9 { return nil }
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let segment = offset + 4
            let end = offset + 2 + length
            guard length >= 2, end <= bytes.count else { return nil }
            if marker == 0xE1, end - segment > 14, Array(bytes[segment..<segment + 6]) == Array("Exif\0\0".utf8) {
                return orientation(inTIFF: Array(bytes[segment + 6..<end]))
            }
            offset = end
        }
        return nil
    }

    /// Finds tag 0x0112 in IFD0 of the TIFF structure inside the Exif segment.
    private static func orientation(inTIFF tiff: [UInt8]) -> Int? {
        let littleEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        func uint(_ offset: Int, _ size: Int) -> Int? {
            guard offset >= 0, offset + size <= tiff.count else { return nil }
            let bytes = tiff[offset..<offset + size]
            return (littleEndian ? bytes.reversed() : Array(bytes)).reduce(0) { $0 << 8 | Int($1) }
        }
        guard uint(2, 2) == 42, let directory = uint(4, 4), let count = uint(directory, 2) else { return nil }
        for entry in 0..<count {
            let start = directory + 2 + 12 * entry
            guard let tag = uint(start, 2) else { return nil }
            if tag == 0x0112 {
                // Type SHORT (3), one value, stored in the first two bytes of the value field.
                guard uint(start + 2, 2) == 3 else { return nil }
                return uint(start + 8, 2)
            }
        }
        return nil
    }
}

extension Image {
    /// The image turned upright according to `orientation`; orientations 5 to 8 swap width and
    /// height.
    public func oriented(_ orientation: EXIFOrientation) -> Image {
        if orientation == .upright { return self }
        let swapsAxes = orientation.rawValue >= 5
        let outputWidth = swapsAxes ? height : width
        let outputHeight = swapsAxes ? width : height
        var output = Image(
            width: outputWidth, height: outputHeight, channels: channels,
            pixels: [Float](repeating: 0, count: pixels.count))
        for y in 0..<outputHeight {
            for x in 0..<outputWidth {
                let (sourceX, sourceY): (Int, Int)
                switch orientation {
                case .upright: (sourceX, sourceY) = (x, y)
                case .mirror: (sourceX, sourceY) = (width - 1 - x, y)
                case .rotate180: (sourceX, sourceY) = (width - 1 - x, height - 1 - y)
                case .flip: (sourceX, sourceY) = (x, height - 1 - y)
                case .transpose: (sourceX, sourceY) = (y, x)
                case .rotate90: (sourceX, sourceY) = (y, height - 1 - x)
                case .transverse: (sourceX, sourceY) = (width - 1 - y, height - 1 - x)
                case .rotate270: (sourceX, sourceY) = (width - 1 - y, x)
                }
                for channel in 0..<channels {
                    output[x, y, channel] = self[sourceX, sourceY, channel]
                }
            }
        }
        return output
    }
}
