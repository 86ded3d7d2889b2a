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
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        // The web portal (issue 12): HTTP/1.1 on SwiftNIO, routing, cookies, form decoding.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // The outbox's webhooks (issue 16).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // Debian's liblmdb-dev, found through pkg-config (`lmdb`).
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        // Debian's libqrencode-dev (`libqrencode`): the QR code on the printed notes.
        .systemLibrary(
            name: "CQRencode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        // The vocabulary: commands, outcomes, the record envelope, its codec and the hash chain.
        // Pure: no I/O, no clock, no LMDB.
        .target(
            name: "Events",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // Registry exports (CSV as a comune's anagrafe or a previous booking system writes it):
        // a reader that keeps line numbers, and the applicants' columns checked row by row.
        // Pure: no I/O, shared by the server (REGISTER) and the importers.
        .target(
            name: "RegistryCSV",
            dependencies: ["Events", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Folds of the log into the views the engine decides against and operators read.
        .target(name: "Projections", dependencies: ["Events"]),
        // The rules (a pure decide), the office calendars, the LMDB store and its single writer.
        .target(name: "Engine", dependencies: ["Events", "Projections", "CLMDB",
                                               .product(name: "Crypto", package: "swift-crypto")]),
        // The printed documents: convocation notes, pickup reminders, calendar files, day lists.
        // Pure: from views and records to text, HTML, iCalendar and CSV; no I/O, no LMDB, no NIO.
        .target(name: "Documents", dependencies: ["Events", "Projections", "CQRencode"]),
        // The operators' protocol server: RESP framing, accounts and roles, replies. The only
        // module that imports NIO; `agenda-node` is its command line.
        .target(
            name: "AgendaServer",
            dependencies: [
                "Engine", "Replay", "Documents", "RegistryCSV",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The web portal (docs/portal.md): pages for the public, applicants, bodies and the
        // offices' desks, and the JSON API (docs/openapi.yaml), on Hummingbird. Parses, calls the
        // engine through the same layer as the RESP server (AgendaServer's `Actions`), renders.
        .target(
            name: "AgendaWeb",
            dependencies: [
                "AgendaServer", "Engine", "Documents", "Events", "Projections",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Outgoing mail: a deterministic MIME composer and an SMTP client (STARTTLS, AUTH) on SwiftNIO.
        .target(
            name: "Mail",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The outbox's follower (docs/outbox.md): files what the committed log asks to send
        // (signed webhooks, the end-of-day e-mail) and delivers it, at least once.
        .target(
            name: "Outbox",
            dependencies: [
                "AgendaServer", "Engine", "Events", "Projections", "Replay", "Documents", "Mail",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "agenda-node",
            dependencies: [
                "Engine", "Events", "AgendaServer", "AgendaWeb", "RegistryCSV", "Outbox", "Mail",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // import-appointments derives each row's request id with SHA-256.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The auditors' and analysts' reading of a log: rebuild, audit, dump, history, as-of.
        .target(
            name: "Replay",
            dependencies: ["Engine", "Projections", "Events", "Documents",
                           // what-if's held attendance marks (swift-collections comes with SwiftNIO).
                           .product(name: "HeapModule", package: "swift-collections")]
        ),
        .executableTarget(
            name: "replay",
            dependencies: ["Engine", "Projections", "Replay", "Documents", "Events",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Prints numbers, asserts no timing: `make bench`.
        .executableTarget(
            name: "agenda-bench",
            dependencies: ["Engine", "CLMDB", "Replay"],
            path: "Benchmarks/agenda-bench"
        ),
        // A writer the crash test kills with SIGKILL mid-load; not shipped.
        .executableTarget(name: "agenda-crash-probe", dependencies: ["Engine"], path: "Tests/CrashProbe"),
        // Coverage-guided fuzzing (`make fuzz`, built with -sanitize=fuzzer -DFUZZING in .build-fuzz):
        // the request decoder and the record decoder. Built plainly, each checks saved inputs
        // (`agenda-fuzz-resp Fuzz/corpus/resp`) with the same properties; not shipped.
        // CLibFuzzer declares libFuzzer's driver (defined by -sanitize=fuzzer); FuzzSupport is the
        // harnesses' shared main and corpus reading.
        .target(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], path: "Fuzz/Support"),
        .executableTarget(
            name: "agenda-fuzz-resp",
            dependencies: ["AgendaServer", "Engine", "FuzzSupport",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOEmbedded", package: "swift-nio")],
            path: "Fuzz/RESPDecoder"
        ),
        .executableTarget(name: "agenda-fuzz-record", dependencies: ["Events", "FuzzSupport"],
                         path: "Fuzz/RecordDecoder"),
        .testTarget(name: "EventsTests", dependencies: ["Events", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "DocumentsTests", dependencies: ["Documents", "Engine", "Events", "Projections"]),
        .testTarget(name: "RegistryCSVTests", dependencies: ["RegistryCSV", "Events"]),
        // smtp_sink.py is the aiosmtpd server the delivery tests start.
        .testTarget(name: "MailTests", dependencies: ["Mail", .product(name: "NIOCore", package: "swift-nio"),
                                                      .product(name: "NIOPosix", package: "swift-nio"),
                                                      .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
                    exclude: ["smtp_sink.py"]),
        // Issue5RuleTests audits its logs with Replay: name it, or a clean build may compile the tests first.
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Projections", "Events", "CLMDB", "Replay"]),
        .testTarget(name: "ReplayTests", dependencies: ["Replay", "Engine", "Projections", "Events", "CLMDB", "Documents"]),
        .testTarget(
            name: "AgendaWebTests",
            dependencies: ["AgendaWeb", .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]
        ),
        .testTarget(
            name: "AgendaServerTests",
            dependencies: [
                "AgendaServer", "Engine", "Events", "Projections",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            // The outbox tests' webhook receiver.
            exclude: ["webhook_receiver.py"]
        ),
    ]
)
