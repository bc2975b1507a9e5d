/// A method cannot start with what it was given; the message says what to change.
public struct MethodError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    /// Throws `message` unless `condition` holds: the configurations' `validate()` checks read as
    /// a list of requirements.
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw MethodError(message()) }
    }
}
