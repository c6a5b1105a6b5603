// swift-tools-version: 6.1
import PackageDescription

// The hot-path benchmarks (package-benchmark). A package of its own so that the library does not
// depend on the benchmark framework. Run from the repository root:
//   swift package --package-path benchmarks benchmark            (full run)
//   make bench-quick                                             (CI: allocation thresholds only)
let package = Package(
    name: "CiblageBenchmarks",
    dependencies: [
        .package(name: "Ciblage", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The machine's own limits that the hot paths are measured against (the memory read rate).
        .target(name: "BenchmarkSupport", dependencies: [
            .product(name: "CiblageSupport", package: "Ciblage"), .product(name: "Dossiers", package: "Ciblage"),
        ], path: "Sources/BenchmarkSupport"),
        // Phase timings printed as JSON for peers/peers.py.
        .executableTarget(
            name: "ciblage-timings",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "CiblageSupport", package: "Ciblage"),
                .product(name: "LinearAlgebra", package: "Ciblage"),
                .product(name: "Dossiers", package: "Ciblage"),
                .product(name: "RiskModel", package: "Ciblage"),
            ],
            path: "Sources/ciblage-timings"
        ),
        .executableTarget(
            name: "HotPaths",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CiblageSupport", package: "Ciblage"),
                .product(name: "LinearAlgebra", package: "Ciblage"),
                .product(name: "Dossiers", package: "Ciblage"),
                .product(name: "RiskModel", package: "Ciblage"),
                .product(name: "ControlQueue", package: "Ciblage"),
                .product(name: "ControlQueueSQLite", package: "Ciblage"),
            ],
            path: "Benchmarks/HotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
