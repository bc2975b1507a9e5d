import Tensor

/// Runs `body` once per sgemm library (OpenBLAS's, oneDNN's), each forced for every product in
/// it: a check of the products covers both, whichever `auto` picks on this CPU.
public func forEachGemmPath(_ body: (GemmImplementation) throws -> Void) rethrows {
    for implementation in [GemmImplementation.openBLAS, .oneDNN] {
        print("sgemm path: \(implementation.rawValue)")
        try GemmRouting.using(implementation) { try body(implementation) }
    }
}
