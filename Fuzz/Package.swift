// swift-tools-version:6.0
// libFuzzer targets for every reader of untrusted files, kept out of the main package so that
// `swift build` and `swift test` never see them. Build and run them with `make fuzz` (see the
// Makefile): `-sanitize=fuzzer,address` links libFuzzer's main into each executable, and each
// target's `LLVMFuzzerTestOneInput` feeds one input to one reader.
import PackageDescription

/// One target per reader; `make fuzz` runs them all (FUZZ_TARGETS in the Makefile).
let targets = ["png", "jpeg", "svg", "scene-json", "pickle", "checkpoint", "safetensors"]

let package = Package(
    name: "ClipCanvasFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "ClipCanvas", path: "..")],
    targets: [.target(name: "FuzzDriver")]
        + targets.map { target in
            .executableTarget(
                name: "fuzz-\(target)",
                dependencies: ["FuzzDriver", .product(name: "ClipCanvas", package: "ClipCanvas")],
                path: "Sources/\(target)")
        },
    swiftLanguageModes: [.v5]
)
