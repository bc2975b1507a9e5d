/// Refines a frame's palette after giflib's median cut. `GifQuantizeBuffer` works on 5-bit
/// channels and writes each entry back as `value << 3` (white comes out as 248), and its boxes
/// leave some pixels far from their colour. A few Lloyd steps fix both: every entry becomes the
/// mean of the 8-bit colours of its pixels, then every pixel takes its nearest entry.
enum GIFPalette {
    /// `palette` is 256 RGB triples, `indices` one entry per pixel; both are updated in place.
    static func refine(
        red: [UInt8], green: [UInt8], blue: [UInt8], indices: inout [UInt8], palette: inout [(UInt8, UInt8, UInt8)], steps: Int = 2
    ) {
        for step in 0...steps {
            var sums = [Int](repeating: 0, count: 3 * 256), counts = [Int](repeating: 0, count: 256)
            for pixel in indices.indices {
                let entry = Int(indices[pixel])
                sums[3 * entry] += Int(red[pixel])
                sums[3 * entry + 1] += Int(green[pixel])
                sums[3 * entry + 2] += Int(blue[pixel])
                counts[entry] += 1
            }
            var used: [Int] = []
            for entry in 0..<256 where counts[entry] > 0 {
                func mean(_ channel: Int) -> UInt8 { UInt8((sums[3 * entry + channel] + counts[entry] / 2) / counts[entry]) }
                palette[entry] = (mean(0), mean(1), mean(2))
                used.append(entry)
            }
            // The last step only moves the entries: each pixel keeps an entry that is its mean.
            guard step < steps else { return }
            let entries = used.map { (Int(palette[$0].0), Int(palette[$0].1), Int(palette[$0].2)) }
            for pixel in indices.indices {
                let (r, g, b) = (Int(red[pixel]), Int(green[pixel]), Int(blue[pixel]))
                var best = 0, bestDistance = Int.max
                for (position, entry) in entries.enumerated() {
                    let distance = (entry.0 - r) * (entry.0 - r) + (entry.1 - g) * (entry.1 - g) + (entry.2 - b) * (entry.2 - b)
                    if distance < bestDistance { (best, bestDistance) = (position, distance) }
                }
                indices[pixel] = UInt8(used[best])
            }
        }
    }
}
