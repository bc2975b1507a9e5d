// swift-tools-version:6.0
// ClipCanvas: CLIP-guided drawing, sketching, stylising and painting on the CPU.
// One folder per layer (see README.md, "Layers"); arrows in the architecture point down this file.
import PackageDescription

/// Numeric hot loops are written with explicit indices; in release builds we drop the bounds and
/// overflow checks there (the kernels validate shapes once, up front), and compile for the CPU
/// doing the build (users build from source: `make`), which lets the activation and resampling
/// loops use AVX2/FMA where the machine has them — about 2x on those loops. Set
/// CLIPCANVAS_PORTABLE=1 when building a binary to copy to other machines.
let portable = Context.environment["CLIPCANVAS_PORTABLE"] == "1"
let fastMath: [SwiftSetting] = [
    .unsafeFlags(
        ["-Ounchecked", "-enforce-exclusivity=unchecked"] + (portable ? [] : ["-target-cpu", "native"]),
        .when(configuration: .release))
]

/// Every preset in Presets/ ships with the binary, so `--preset NAME` finds it after install.
/// Listed by name (SwiftPM warns about a JSON file in that folder that is not listed here).
let presetFiles = [
    "clipag-draw.json",
    "clipag.json",
    "clipasso-16.json",
    "clipasso-32.json",
    "clipasso-4.json",
    "clipasso-8.json",
    "clipasso-fast.json",
    "clipasso.json",
    "clipdraw.json",
    "clipstyler-fast.json",
    "clipstyler.json",
    "styleclipdraw.json",
]

let package = Package(
    name: "ClipCanvas",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "clipcanvas", targets: ["clipcanvas"]),
        .library(name: "ClipCanvas", targets: ["Tensor", "Models", "Scene", "Output", "Guidance", "Raster", "Methods"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        // System libraries (Debian: libcairo2-dev libopenblas-dev libpng-dev libjpeg-dev libgif-dev).
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // giflib ships no pkg-config file on Debian: the module map links it by name.
        .systemLibrary(name: "CGIF", providers: [.apt(["libgif-dev"])]),
        // oneDNN (convolutions, integer GEMM); Debian's package ships no pkg-config file either.
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),

        // Puts OpenMP's (oneDNN's) idle threads to sleep instead of spinning; acts at load time.
        .target(name: "CThreadWaitPolicy"),

        // libpng and libjpeg behind calls that return errors instead of longjmp-ing through Swift.
        .target(name: "CImageCodecs", dependencies: ["CPNG", "CJPEG"]),

        // Layers.
        .target(name: "Tensor", dependencies: ["CBLAS", "CDNNL", "CThreadWaitPolicy"], swiftSettings: fastMath),
        .target(
            name: "Models", dependencies: ["Tensor", "CZlib"],
            resources: [.copy("Resources/bpe_simple_vocab_16e6.txt.gz")], swiftSettings: fastMath),
        .target(name: "Scene", swiftSettings: fastMath),
        .target(name: "Output", dependencies: ["Scene", "Tensor", "CCairo", "CImageCodecs", "CGIF"], swiftSettings: fastMath),
        .target(name: "Raster", dependencies: ["Tensor", "Scene"], swiftSettings: fastMath),
        .target(name: "Guidance", dependencies: ["Tensor", "Models"], swiftSettings: fastMath),
        .target(name: "Presets", path: "Presets", resources: presetFiles.map { .copy($0) }),
        .target(
            name: "Methods", dependencies: ["Tensor", "Models", "Scene", "Raster", "Guidance", "Presets"],
            swiftSettings: fastMath),
        .executableTarget(
            name: "clipcanvas",
            dependencies: [
                "Tensor", "Models", "Scene", "Output", "Raster", "Guidance", "Methods",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fastMath),

        // Tests, and the helpers every test target shares: temporary directories, fixture files,
        // the tiny CLIP, finite differences.
        .target(name: "TestSupport", dependencies: ["Tensor", "Models", "CGIF"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ModelsTests", dependencies: ["Models", "Tensor", "Output", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SceneTests", dependencies: ["Scene", "Output", "TestSupport"]),
        .testTarget(
            name: "OutputTests", dependencies: ["Output", "Scene", "CCairo", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CLITests", dependencies: ["Output", "Scene", "Models", "Tensor", "TestSupport"]),
        .testTarget(name: "GuidanceTests", dependencies: ["Guidance", "Models", "Tensor", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "RasterTests", dependencies: ["Raster", "Scene", "Tensor", "Output", "TestSupport"]),
        .testTarget(
            name: "MethodsTests", dependencies: ["Methods", "Models", "Scene", "Output", "Tensor", "TestSupport"],
            resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5]
)
