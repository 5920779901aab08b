// swift-tools-version: 6.1
import PackageDescription

/// No target sets unsafe flags, so every library can be a dependency. Release builds
/// link the Swift runtime and Foundation statically with SwiftPM's
/// `--static-swift-stdlib` (the README's main job): a `collab` process then starts in ~5 ms
/// instead of ~13 ms of dynamic linking (docs/benchmarks.md), which matters to a tool that
/// shell pipelines run many times.

let package = Package(
    name: "collab",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "collab", targets: ["collab"]),
        .executable(name: "collab-bench", targets: ["collab-bench"]),
        .library(name: "CollabCore", targets: ["CollabCore"]),
        .library(name: "CollabLog", targets: ["CollabLog"]),
        .library(name: "CollabStorage", targets: ["CollabStorage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        // Signed tokens (HS256 JWTs) and, through its swift-crypto, the KDF for share passwords.
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // The server: HTTP and WebSocket on SwiftNIO.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        // Named directly for what the server uses of them: service lifecycle (the access
        // watch), the WebSocket error codes, the answer to a refused upgrade, and the
        // inflate limit's error.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        // The server's log and the logger the CLI hands it.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        // /metrics: the collectors and their exposition text.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // The engine: ids, clocks, versions, ops and the sequence CRDT. Pure: no file, clock or network access.
        // Its classes' stored properties skip the runtime exclusivity checks
        // (`@exclusivity(unchecked)`): the classes are single-owner, the compile-time checks
        // still apply, and the dynamic checks cost ~80 instructions per property access on
        // the hot path (docs/benchmarks.md).
        .target(name: "CollabCore"),
        // zlib from the system, for gzip-compressed inputs (and, later, checkpoint compression).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // zstd from the system, for op batches and checkpoints: fast to inflate, and its
        // window reaches text pasted again far apart (docs/format.md).
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // CRC-32 folded with carry-less multiplication, for checking records as fast as
        // they are read (zlib's crc32 where the CPU lacks it).
        .target(name: "CCRC32"),
        // Formats: JSON and the op form, JSON lines, foreign import formats, the .clog
        // framing and codecs, rendering and diff output, safe file writing.
        .target(name: "CollabLog", dependencies: ["CollabCore", "CZlib", "CZstd", "CCRC32"]),
        // Storage: the Store and DocumentLog interfaces, the directory store and its .clog
        // logs (appends, checkpoints, repair, salvage, compaction), log files read whole.
        .target(name: "CollabStorage", dependencies: ["CollabCore", "CollabLog"]),
        // A store on PostgreSQL: its URL, versioned schema, the Store and DocumentLog on it
        // (docs/postgres.md).
        .target(
            name: "CollabPostgres",
            dependencies: [
                "CollabCore", "CollabLog", "CollabStorage", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Access control: levels, grants, the one authorization rule, the audit trail.
        .target(
            name: "CollabAccess",
            dependencies: [
                "CollabCore", "CollabLog", "CollabStorage", .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The protocol's messages as values (docs/protocol.md): what the server, its clients
        // (sync, watch, loadtest) and the tests write and read.
        .target(name: "CollabProtocol", dependencies: ["CollabCore", "CollabLog"]),
        // The server's core: documents held in memory, each with one writer and group commit.
        .target(
            name: "CollabServer",
            dependencies: [
                "CollabCore", "CollabLog", "CollabStorage", "CollabAccess", "CollabProtocol", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSCompression", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The subcommands, as a library so the executable stays a few lines.
        .target(
            name: "CollabCLI",
            dependencies: [
                "CollabCore", "CollabLog", "CollabStorage", "CollabAccess", "CollabServer", "CollabPostgres", "CollabProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "collab", dependencies: ["CollabCLI"]
        ),
        .executableTarget(
            name: "collab-bench", dependencies: ["CollabCore", "CollabLog", "CollabStorage", "CHeapStats"], path: "Benchmarks/collab-bench"),
        // glibc's heap statistics, for collab-bench --memory.
        .target(name: "CHeapStats", path: "Benchmarks/CHeapStats"),
        // What the test targets share: a seeded random generator, a JSON Schema validator.
        .target(name: "CollabTestSupport", dependencies: ["CollabLog", "CollabStorage", "CZlib"], path: "Tests/TestSupport"),
        .testTarget(
            name: "CollabCoreTests",
            dependencies: [
                "CollabCore", "CollabTestSupport", .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "CollabLogTests",
            dependencies: [
                "CollabCore", "CollabLog", "CollabStorage", "CollabProtocol", "CollabTestSupport", .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "CollabAccessTests", dependencies: ["CollabAccess", "CollabCore", "CollabLog", "CollabStorage"]),
        .testTarget(
            name: "CollabServerTests",
            dependencies: [
                "CollabServer", "CollabAccess", "CollabCore", "CollabLog", "CollabStorage", "CollabProtocol", "CollabTestSupport", "CZlib",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CollabCLITests",
            dependencies: [
                "CollabCLI", "collab", "CollabTestSupport", "CollabServer", "CollabProtocol", "CollabAccess", "CollabLog", "CollabStorage", "CollabCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
