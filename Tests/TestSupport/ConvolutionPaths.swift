import Tensor

/// Runs `body` once per convolution path (ours, oneDNN's), each forced for every
/// `conv2d` in it, forward and backward: each convolution check covers every path.
public func forEachConvolutionPath(_ body: (ConvolutionImplementation) throws -> Void) rethrows {
    for implementation in [ConvolutionImplementation.native, .oneDNN] {
        print("convolution path: \(implementation.rawValue)")
        try ConvolutionRouting.using(implementation) { try body(implementation) }
    }
}
