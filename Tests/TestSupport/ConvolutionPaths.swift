import Tensor

/// Runs `body` once per convolution path (ours, oneDNN's), each forced for every
/// `conv2d` in it, forward and backward: each convolution check covers every path.
public func forEachConvolutionPath(_ body: (ConvolutionImplementation) -> Void) {
    for implementation in [ConvolutionImplementation.native, .oneDNN] {
        ConvolutionRouting.using(implementation) { body(implementation) }
    }
}
