// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "livejobs",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "livejobs", targets: ["livejobs"]),
        .executable(name: "metastudio-sim", targets: ["metastudio-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // The API: job model, JSON, redaction of secrets.
        // libcurl, used directly: a system library with static inline shims for its variadic calls.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "MetaStudio", dependencies: [
            "CCurl",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // SQLite's variadic configuration call, wrapped like libcurl's.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // zlib, for saved pages compressed with gzip; a system library with a shim for its set-up macro
        // (named CGzip: ZIPFoundation has a module CZLib, and module names clash whatever their case).
        .systemLibrary(name: "CGzip", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The SQLite database: schema, migrations, import, normalizer.
        .target(name: "LiveJobsStore", dependencies: [
            "MetaStudio", "CSQLite", "CGzip",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Stored queries, read-only execution, Markdown/CSV/SVG writers.
        .target(name: "LiveJobsReport", dependencies: [
            "LiveJobsStore", "MetaStudio",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The CLI: argument parsing, exit codes, no business logic.
        .executableTarget(name: "livejobs", dependencies: [
            "MetaStudio", "LiveJobsStore", "LiveJobsReport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // A local stand-in for the MetaStudio API, and the sample-data generator.
        .target(name: "MetaStudioSimulator", dependencies: [
            "MetaStudio",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "metastudio-sim", dependencies: [
            "MetaStudioSimulator",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Libraries are handed a Logger by their caller: tests pass one that discards or one that
        // keeps entries in memory (swift-log's InMemoryLogging) to check what was logged.
        .testTarget(name: "MetaStudioTests", dependencies: [
            "MetaStudio", "MetaStudioSimulator",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "InMemoryLogging", package: "swift-log"),
        ]),
        .testTarget(name: "LiveJobsStoreTests", dependencies: [
            "LiveJobsStore", "MetaStudio",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "InMemoryLogging", package: "swift-log"),
        ]),
        .testTarget(name: "LiveJobsReportTests", dependencies: ["LiveJobsReport", "LiveJobsStore"]),
        .testTarget(name: "LiveJobsCLITests", dependencies: [
            "MetaStudio", "MetaStudioSimulator",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
    ],
    // Every target builds in the Swift 6 language mode, where the compiler checks what crosses
    // threads (Sendable, isolation).
    swiftLanguageModes: [.v6]
)
