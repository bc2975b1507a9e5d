/// The lowest loss a run has seen and what it had then: every method keeps its best result this
/// way, so an interrupted or finished run writes the best, not the last.
public struct BestSoFar<Value> {
    public private(set) var loss: Float?
    public private(set) var value: Value?

    public init() {}

    /// The best of a checkpointed run, to continue from.
    public init(loss: Float?, value: Value?) {
        self.loss = loss
        self.value = value
    }

    /// Keeps `value` when `loss` is lower than the best by more than `margin` (any finite loss
    /// beats none); returns whether it did. `value` is only evaluated when it is kept.
    @discardableResult
    public mutating func offer(_ loss: Float, _ value: @autoclosure () -> Value, margin: Float = 0) -> Bool {
        guard loss - (self.loss ?? .infinity) < -margin else { return false }
        self.loss = loss
        self.value = value()
        return true
    }
}
