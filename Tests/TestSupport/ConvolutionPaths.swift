import Tensor

/// Runs `body` once with our convolutions and once with oneDNN's forced for every `conv2d` in it
/// (forward and backward), so each convolution check covers both paths whatever `auto` picks.
public func forEachConvolutionPath(_ body: (ConvolutionImplementation) -> Void) {
    for implementation in [ConvolutionImplementation.native, .oneDNN] {
        ConvolutionRouting.using(implementation) { body(implementation) }
    }
}
