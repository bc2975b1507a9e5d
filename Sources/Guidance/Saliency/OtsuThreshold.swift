/// Otsu's threshold as scikit-image's `threshold_otsu` computes it: a 256-bin histogram over the
/// values' own range, and the bin centre that maximises the between-class variance. XDoG
/// binarises its response with it.
public enum OtsuThreshold {
    public static func threshold(_ values: [Double], bins: Int = 256) -> Double {
        precondition(!values.isEmpty && bins >= 2, "Otsu needs values and at least two bins")
        let low = values.min()!, high = values.max()!
        // scikit-image returns the value itself when the image has only one.
        if low == high { return low }
        // NumPy's histogram: equal bins over [low, high], the last one closed.
        var counts = [Double](repeating: 0, count: bins)
        let scale = Double(bins) / (high - low)
        for value in values {
            counts[min(Int((value - low) * scale), bins - 1)] += 1
        }
        let step = (high - low) / Double(bins)
        let centres = (0..<bins).map { low + (Double($0) + 0.5) * step }
        // Class weights and means on each side of every candidate split.
        var belowWeight = [Double](repeating: 0, count: bins), belowMean = belowWeight
        var aboveWeight = belowWeight, aboveMean = belowWeight
        var weight = 0.0, moment = 0.0
        for bin in 0..<bins {
            weight += counts[bin]
            moment += counts[bin] * centres[bin]
            belowWeight[bin] = weight
            belowMean[bin] = moment / weight
        }
        weight = 0
        moment = 0
        for bin in stride(from: bins - 1, through: 0, by: -1) {
            weight += counts[bin]
            moment += counts[bin] * centres[bin]
            aboveWeight[bin] = weight
            aboveMean[bin] = moment / weight
        }
        var best = 0, bestVariance = -Double.infinity
        for bin in 0..<(bins - 1) {
            let difference = belowMean[bin] - aboveMean[bin + 1]
            let variance = belowWeight[bin] * aboveWeight[bin + 1] * difference * difference
            // Never NaN: the first bin holds the minimum and the last the maximum, so no side is empty.
            if variance > bestVariance {  // the first maximum, as NumPy's argmax
                best = bin
                bestVariance = variance
            }
        }
        return centres[best]
    }
}
