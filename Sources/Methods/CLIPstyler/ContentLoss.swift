import Tensor

// CLIPstyler's content loss: keeps the output's structure close to the photo's by comparing
// feature maps of a frozen network (VGG19 relu4_2 and relu5_2 in the reference).

/// Σ over layers of the mean squared difference between `features[i]` and `targets[i]` (the
/// photo's features, constants); differentiable with respect to `features`.
public func contentLoss(_ features: [Tensor], targets: [Tensor]) -> Tensor {
    precondition(
        !features.isEmpty && features.count == targets.count, "content loss: \(features.count) feature maps for \(targets.count) targets")
    for (feature, target) in zip(features, targets) {
        precondition(feature.shape == target.shape, "content loss: features \(feature.shape) against target \(target.shape)")
    }
    let terms = zip(features, targets).map { meanSquaredError($0, $1) }
    return terms.dropFirst().reduce(terms[0], +)
}
