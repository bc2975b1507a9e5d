import Foundation
import Models

/// What a run will hold at its peak, from its dominant buffers, before it starts: the command
/// compares it with the machine's memory and refuses, with this breakdown, a run that would not
/// fit. Each method's configuration makes one (`memoryEstimate(...)`).
public struct MemoryEstimate: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        public let what: String
        public let bytes: Int
    }

    /// What the steps hold at once.
    public private(set) var parts: [Part] = []
    /// Loading, before the steps: the whole model in float32 beside the file it was read from
    /// (every method then frees the text tower, so the steps may need less).
    public private(set) var loading: Part?

    public init() {}

    public var bytes: Int { max(runningBytes, loading?.bytes ?? 0) }

    var runningBytes: Int { parts.reduce(0) { $0 + $1.bytes } }

    mutating func add(_ what: String, _ bytes: Int) {
        parts.append(Part(what: what, bytes: bytes))
    }

    /// The peak of loading `architecture` (its float32 weights and a half-precision file, as
    /// OpenAI ships them) with the process around it.
    mutating func addLoading(_ architecture: CLIPArchitecture) {
        loading = Part(what: "loading the model", bytes: Self.runtimeBytes + architecture.weightBytes * 3 / 2)
    }

    /// "2.4 GB (CLIP weights 0.6 GB, 64 views 1.2 GB, …)": the total and its largest parts.
    public var summary: String {
        if let loading, loading.bytes > runningBytes { return "\(Self.format(bytes)) (\(loading.what))" }
        let largest = parts.sorted { $0.bytes > $1.bytes }.prefix(3).map { "\($0.what) \(Self.format($0.bytes))" }
        return "\(Self.format(bytes)) (\(largest.joined(separator: ", ")))"
    }

    public static func format(_ bytes: Int) -> String {
        let gigabytes = Double(bytes) / 1e9
        return gigabytes >= 0.1 ? String(format: "%.1f GB", gigabytes) : String(format: "%.0f MB", Double(bytes) / 1e6)
    }

    /// The process itself: code, the BLAS threads' buffers, allocator slack (45–60 MB peak RSS
    /// for commands that load no model).
    static let runtimeBytes = 60_000_000
    /// A float32 image [3, side, side], in bytes.
    static func image(_ side: Int) -> Int { 12 * side * side }
}
