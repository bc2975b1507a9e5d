import Foundation
import Methods
import Models

#if canImport(Glibc)
    import Glibc
#endif

/// What this machine can hold, and the check every method run makes before it starts: a run
/// whose estimated peak exceeds it is refused with the estimate, instead of being killed by the
/// kernel (or trapping in an allocation) minutes later.
struct MemoryBudget {
    /// What to change when the run does not fit (names the flags that cost memory).
    let advice: String
    /// The run's estimated peak with a given CLIP architecture.
    let estimate: (CLIPArchitecture) -> MemoryEstimate

    /// Refuses the run before a known model (by name) is loaded; a file's architecture is known
    /// only once it is read (`check(architecture:)`, from the loader's `inspect`).
    func check(modelNamed name: String) throws {
        if let architecture = Self.architecture(named: name) { try check(architecture: architecture) }
    }

    func check(architecture: CLIPArchitecture) throws {
        try Self.check(estimate(architecture), advice: advice)
    }

    /// Physical memory, or less where a limit on the process says so (`ulimit -v`, a cgroup).
    static var availableBytes: Int {
        var bytes = Int(sysconf(Int32(_SC_PHYS_PAGES))) * Int(sysconf(Int32(_SC_PAGESIZE)))
        var limit = rlimit()
        if getrlimit(RLIMIT_AS_VALUE, &limit) == 0, limit.rlim_cur != rlim_t.max {
            bytes = min(bytes, Int(clamping: limit.rlim_cur))
        }
        for file in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = try? String(contentsOfFile: file, encoding: .utf8),
                let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), value > 0
            {
                bytes = min(bytes, value)
            }
        }
        return bytes
    }

    /// Throws, with the estimate and what to change, when the run will not fit.
    static func check(_ estimate: MemoryEstimate, advice: String) throws {
        let available = availableBytes
        guard estimate.bytes > available else { return }
        throw RefusedRun(
            message: "this run needs about \(estimate.summary) but this machine has \(MemoryEstimate.format(available)); \(advice)")
    }

    /// The architecture of a known model name (nil for a file: its shape is known once loaded),
    /// so a run too large for the machine is refused before the model loads.
    static func architecture(named name: String) -> CLIPArchitecture? {
        guard !FileManager.default.fileExists(atPath: name), let known = ModelStore().knownModel(name) else { return nil }
        return CLIPArchitecture.known[known.name]
    }
}

#if canImport(Glibc)
    private let RLIMIT_AS_VALUE = __rlimit_resource_t(RLIMIT_AS.rawValue)
#endif
