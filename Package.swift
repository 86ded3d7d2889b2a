// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Agenda",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "agenda-node", targets: ["agenda-node"]),
        .executable(name: "replay", targets: ["replay"]),
        .library(name: "Engine", targets: ["Engine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // Debian's liblmdb-dev, found through pkg-config (`lmdb`).
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        // The vocabulary: commands, outcomes, the record envelope, its codec and the hash chain.
        // Pure: no I/O, no clock, no LMDB.
        .target(
            name: "Events",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // Folds of the log into the views the engine decides against and operators read.
        .target(name: "Projections", dependencies: ["Events"]),
        // The rules (a pure decide), the office calendars, the LMDB store and its single writer.
        .target(name: "Engine", dependencies: ["Events", "Projections", "CLMDB"]),
        .executableTarget(
            name: "agenda-node",
            dependencies: ["Engine", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "replay",
            dependencies: ["Engine", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Prints numbers, asserts no timing: `make bench`.
        .executableTarget(
            name: "agenda-bench",
            dependencies: ["Engine", "CLMDB"],
            path: "Benchmarks/agenda-bench"
        ),
        // A writer the crash test kills with SIGKILL mid-load; not shipped.
        .executableTarget(name: "agenda-crash-probe", dependencies: ["Engine"], path: "Tests/CrashProbe"),
        .testTarget(name: "EventsTests", dependencies: ["Events"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Projections", "Events", "CLMDB"]),
    ]
)
