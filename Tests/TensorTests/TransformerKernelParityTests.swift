import Tensor
import XCTest

/// Softmax, layer norm and multi-head attention against PyTorch's outputs
/// (`Tools/fixtures/make_tensor_fixtures.py`).
final class TransformerKernelParityTests: XCTestCase {
    func testSoftmaxAndLayerNorm() {
        TensorFixtures.check(op: "softmax") { _, inputs in softmax(inputs["x"]!) }
        TensorFixtures.check(op: "layerNorm") { _, inputs in layerNorm(inputs["x"]!, weight: inputs["weight"], bias: inputs["bias"]) }
    }

    /// `F.multi_head_attention_forward` is an input projection to packed (q | k | v), attention
    /// per head, and an output projection.
    func testMultiHeadAttention() {
        TensorFixtures.check(op: "attention") { fixture, inputs in
            let packed = linear(inputs["x"]!, weight: inputs["inProjWeight"]!, bias: inputs["inProjBias"]!)
            let mixed = attention(packed: packed, heads: fixture.int("heads"), causal: fixture.bool("causal")).output
            return linear(mixed, weight: inputs["outProjWeight"]!, bias: inputs["outProjBias"]!)
        }
    }
}
