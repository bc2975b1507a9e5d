/// A method cannot start with what it was given; the message says what to change.
public struct MethodError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
