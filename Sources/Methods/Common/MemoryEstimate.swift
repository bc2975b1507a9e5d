import Foundation

/// What a run will hold at its peak, from its dominant buffers, before it starts: the command
/// compares it with the machine's memory and refuses, with this breakdown, a run that would not
/// fit. Each method's configuration makes one (`memoryEstimate(...)`).
public struct MemoryEstimate: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        public let what: String
        public let bytes: Int
    }

    public private(set) var parts: [Part] = []

    public init() {}

    public var bytes: Int { parts.reduce(0) { $0 + $1.bytes } }

    mutating func add(_ what: String, _ bytes: Int) {
        parts.append(Part(what: what, bytes: bytes))
    }

    /// "2.4 GB (CLIP weights 0.6 GB, 64 views 1.2 GB, …)": the total and its largest parts.
    public var summary: String {
        let largest = parts.sorted { $0.bytes > $1.bytes }.prefix(3).map { "\($0.what) \(Self.format($0.bytes))" }
        return "\(Self.format(bytes)) (\(largest.joined(separator: ", ")))"
    }

    public static func format(_ bytes: Int) -> String {
        let gigabytes = Double(bytes) / 1e9
        return gigabytes >= 0.1 ? String(format: "%.1f GB", gigabytes) : String(format: "%.0f MB", Double(bytes) / 1e6)
    }

    /// The process itself: code, the BLAS threads' buffers, allocator slack.
    static let runtimeBytes = 150_000_000
    /// A float32 image [3, side, side], in bytes.
    static func image(_ side: Int) -> Int { 12 * side * side }
}
