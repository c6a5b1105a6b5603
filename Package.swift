// swift-tools-version: 6.1
import PackageDescription

// Layout (see docs/ARCHITECTURE.md): the numeric core (COpenBLAS, LinearAlgebra, RiskModel) depends
// on nothing but OpenBLAS/LAPACK and swift-crypto's SHA-256; Dossiers adds Yams for feature specs;
// the CLI adds swift-argument-parser at the edge.
let package = Package(
    name: "Ciblage",
    products: [
        .library(name: "CiblageServer", targets: ["CiblageServer"]),
        .library(name: "CiblageSupport", targets: ["CiblageSupport"]),
        .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
        .library(name: "Dossiers", targets: ["Dossiers"]),
        .library(name: "RiskModel", targets: ["RiskModel"]),
        .library(name: "Reporting", targets: ["Reporting"]),
        .library(name: "Evaluation", targets: ["Evaluation"]),
        .library(name: "Accountability", targets: ["Accountability"]),
        .library(name: "ControlQueue", targets: ["ControlQueue"]),
        .library(name: "ControlQueueSQLite", targets: ["ControlQueueSQLite"]),
        .library(name: "ControlQueuePostgres", targets: ["ControlQueuePostgres"]),
        .library(name: "Workflows", targets: ["Workflows"]),
        .executable(name: "ciblage", targets: ["ciblage"]),
        .executable(name: "ciblage-fuzz", targets: ["CiblageFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // CBLAS from OpenBLAS and the Fortran LAPACK prototypes of lapack.h (BLAS.md, variant B).
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapack-dev", "liblapacke-dev"])]
        ),
        // Shared helpers with no domain meaning: the thread count, the unchecked-Sendable box of the
        // parallel loops, the seeded generator, CSV field quoting.
        .target(name: "CiblageSupport"),
        .target(name: "LinearAlgebra", dependencies: ["COpenBLAS", "CiblageSupport"]),
        .target(
            name: "Dossiers",
            dependencies: ["CiblageSupport", "LinearAlgebra", .product(name: "Crypto", package: "swift-crypto"), "Yams"],
            // Swift 5 mode: the block reader and the simulator hand closures over raw buffers to
            // Dispatch workers (disjoint writes, documented at each site); making them @Sendable is a
            // change of its own.
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .target(
            name: "RiskModel",
            dependencies: ["CiblageSupport", "LinearAlgebra", "Dossiers", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Report pages: inline SVG charts, the page frame and escaping, and the Markdown/HTML document of the card.
        .target(name: "Reporting"),
        .target(name: "Evaluation", dependencies: ["CiblageSupport", "Reporting", "RiskModel", "Dossiers", "LinearAlgebra"]),
        // Bias audit, proxy check, outcome drift and the model card.
        .target(name: "Accountability", dependencies: ["CiblageSupport", "Reporting", "Evaluation", "RiskModel", "Dossiers", "LinearAlgebra", "Yams"]),
        // Campaigns, the planner and the store protocol: the queue's rules, with no database.
        .target(
            name: "ControlQueue",
            dependencies: ["CiblageSupport", "RiskModel", "Dossiers", "LinearAlgebra", "Yams", .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "HeapModule", package: "swift-collections")]
        ),
        // Store adapters (edges): GRDB and SwiftNIO/postgres-nio stay in these two targets.
        .target(
            name: "ControlQueueSQLite",
            dependencies: ["CiblageSupport", "ControlQueue", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "ControlQueuePostgres",
            dependencies: ["CiblageSupport", "ControlQueue", .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        // One function per user task, called by every edge (the CLI today, the server next).
        .target(
            name: "Workflows",
            dependencies: ["CiblageSupport", "Reporting", "Accountability", "ControlQueue", "ControlQueueSQLite", "ControlQueuePostgres", "Evaluation", "RiskModel",
                           "Dossiers", "LinearAlgebra", .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "HummingbirdBcrypt", package: "hummingbird-auth")]
        ),
        // The web edge: Hummingbird routes, sessions, CSRF and pages over the same workflows.
        .target(
            name: "CiblageServer",
            dependencies: ["Workflows", "ControlQueue", "CiblageSupport", "Reporting",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Mustache", package: "swift-mustache")]
        ),
        // The CLI edge: options into a request, one workflow, the result printed.
        .executableTarget(
            name: "ciblage",
            dependencies: [
                "Workflows", "CiblageServer", "CiblageSupport", "Accountability", "ControlQueue", "Evaluation", "RiskModel", "Dossiers", "LinearAlgebra",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The fuzzing harnesses (docs/HARDENING.md): libFuzzer's driver in a fuzzing build
        // (scripts/fuzz.sh), a replay of saved inputs otherwise (the test suite's regressions).
        .executableTarget(
            name: "CiblageFuzz",
            dependencies: ["CiblageSupport", "Dossiers", "RiskModel", "ControlQueue", "Accountability", "CiblageServer", "Yams"]
        ),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["CiblageSupport", "LinearAlgebra"]),
        .testTarget(name: "DossiersTests", dependencies: ["CiblageSupport", "Dossiers", "LinearAlgebra"]),
        .testTarget(
            name: "RiskModelTests",
            dependencies: [
                "CiblageSupport", "RiskModel", "Dossiers", "LinearAlgebra",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("References")]
        ),
        .testTarget(
            name: "EvaluationTests",
            dependencies: ["CiblageSupport", "Evaluation", "RiskModel", "Dossiers", "LinearAlgebra"],
            resources: [.copy("References")]
        ),
        .testTarget(
            name: "AccountabilityTests",
            dependencies: ["CiblageSupport", "Reporting", "Accountability", "Evaluation", "RiskModel", "Dossiers", "LinearAlgebra"],
            resources: [.copy("References")]
        ),
        .testTarget(name: "ControlQueueTests", dependencies: ["CiblageSupport", .product(name: "Crypto", package: "swift-crypto"), "ControlQueue", "ControlQueueSQLite", "ControlQueuePostgres", "Workflows", "Accountability", "Evaluation", "RiskModel", "Dossiers", .product(name: "GRDB", package: "GRDB.swift"),
                                          .product(name: "PostgresNIO", package: "postgres-nio")]),
        .testTarget(name: "CLITests", dependencies: ["ciblage", "Dossiers", "LinearAlgebra", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ServerTests", dependencies: ["CiblageServer", "Workflows", "ControlQueue", "Dossiers", "Accountability",
                                                        .product(name: "HummingbirdTesting", package: "hummingbird")]),
    ],
    swiftLanguageModes: [.v6]
)
