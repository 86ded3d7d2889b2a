import AgendaServer
import AgendaWeb
import ArgumentParser
import Engine
import Events
import Foundation
import Logging
import Metrics
import Mail
import NIOPosix
import Outbox
import Prometheus
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the operators' protocol (RESP2/RESP3) on a TCP socket.",
        discussion: """
            Opens (on first start creates and seeds) the data directory and listens. Every write \
            goes through the engine's single writer and is answered only once it is durable. \
            SIGTERM or SIGINT stops accepting, finishes the batch in flight and closes the store.

            --http-port also serves the web portal (docs/portal.md) and its JSON API \
            (docs/openapi.yaml) on that port, on the same engine; put it behind a TLS reverse \
            proxy and give --http-secure-cookies for the public.

            --demo also adds a training office (DEMO-Q), demo pratiche P-DEMO-000000000000 ... \
            and one account per role with the password `demo`, and lists them; it listens only \
            on loopback.

            Examples:
              agenda-node serve --demo --data ./demo-data --http-port 8080
              agenda-node serve --data ./data --host 0.0.0.0 --port 7878 --metrics-port 9464
            """)

    @OptionGroup var options: DataOptions

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one and prints it).")
    var port: Int = 7878

    @Option(help: "Serve the web portal and its JSON API on this port (0 picks a free one and prints it; off unless given).")
    var httpPort: Int?

    @Flag(help: "Mark the portal's session cookie Secure: give it when a TLS reverse proxy serves the portal.")
    var httpSecureCookies = false

    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (off unless given).")
    var metricsPort: Int?

    @Flag(help: "Seed a new directory with the demo accounts and pratiche as well; loopback only.")
    var demo = false

    @Option(help: "How many demo pratiche --demo registers (P-DEMO-000000000000 on).")
    var demoPratiche = 100_000

    @Option(help: ArgumentHelp(
        "The node's Ed25519 signing key (made on first start, mode 0600; default: DIR.signing-key beside --data).",
        valueName: "path"))
    var signingKey: String?

    @Option(help: ArgumentHelp("The SMTP relay the end-of-day lists are e-mailed through (docs/outbox.md); no mail without it.",
                               valueName: "host"))
    var smtpHost: String?

    @Option(help: "The relay's port.")
    var smtpPort: Int = 587

    @Option(help: "none, starttls (when offered), starttls-required, or tls (implicit, port 465).")
    var smtpTls: String = "starttls-required"

    @Option(help: "The relay's user for AUTH (the password from --smtp-password-file).")
    var smtpUser: String?

    @Option(help: ArgumentHelp("A file holding the relay's password on its first line (mode 0600).", valueName: "path"))
    var smtpPasswordFile: String?

    @Option(help: "The sender of the node's mail.")
    var mailFrom: String = "agenda@localhost"

    @Option(help: ArgumentHelp("When each day's end-of-day lists are e-mailed, Europe/Rome.", valueName: "HH:MM"))
    var dayListAt: String = "19:00"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        if demo && !["127.0.0.1", "::1", "localhost"].contains(host) {
            throw ValidationError("--demo listens only on loopback (127.0.0.1, ::1): its accounts' password is public.")
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0...65535.") }
        if let httpPort, !(0...65_535).contains(httpPort) { throw ValidationError("--http-port must be 0...65535.") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel).") }
        guard (0...10_000_000).contains(demoPratiche) else { throw ValidationError("--demo-pratiche must be 0...10000000.") }
        guard LocalTime(dayListAt) != nil else { throw ValidationError("--day-list-at is a time of day, HH:MM (e.g. 19:00).") }
        guard (1...65_535).contains(smtpPort) else { throw ValidationError("--smtp-port must be 1...65535.") }
        guard Self.transportSecurity[smtpTls] != nil else {
            throw ValidationError("--smtp-tls is none, starttls, starttls-required or tls, not \(smtpTls).")
        }
        if smtpUser != nil, smtpPasswordFile == nil { throw ValidationError("--smtp-user needs --smtp-password-file.") }
    }

    func run() async throws {
        // First of all: a SIGTERM while seeding or just after listening stops the node in order.
        let signals = StopSignals()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "agenda-node")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let outboxConfiguration = try outboxConfiguration()
        let (store, key) = try open(logger: logger)
        let node = NodeContext(store: store, logger: logger, signingKey: key)
        let server = AgendaServer(node: node, configuration: .init(host: host, port: port))
        if let metricsPort {
            let endpoint = MetricsEndpoint(group: MultiThreadedEventLoopGroup.singleton) {
                var bytes: [UInt8] = []
                registry.emit(into: &bytes)
                return bytes
            }
            try await endpoint.start(host: host, port: metricsPort)
            logger.info("metrics", metadata: ["url": "http://\(host):\(metricsPort)/metrics"])
        }
        if signals.requested {
            logger.info("stop asked before listening; not listening")
        } else {
            let boundPort: Int
            do {
                boundPort = try await server.start()
            } catch {
                store.close()
                throw error
            }
            print("protocol on \(host):\(boundPort)")
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server),
                                                                              .init(service: NodeClock(node: node)),
                                                                              .init(service: OutboxFollower(node: node, configuration: outboxConfiguration))]
            if let httpPort {
                let portal = Portal(node: node, configuration: .init(host: host, port: httpPort,
                                                                     secureCookies: httpSecureCookies))
                let host = self.host
                services.append(.init(service: portal.service { bound in
                    print("portal on http://\(host):\(bound)/")
                    fflush(nil)
                }))
            }
            // The signals are StopSignals', caught since the start, not the group's.
            let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [], logger: logger))
            signals.stop(group)
            fflush(nil)
            if demo {
                printDemo(try store.accounts().keys.sorted(), port: boundPort, httpPort: httpPort)
                // At once, so the banner reaches a pipe or a service manager's log, not only a terminal.
                fflush(nil)
            }
            do {
                try await group.run()
            } catch {
                logger.error("server stopped", metadata: ["error": "\(error)"])
            }
        }
        // The listener is closed; let the writer finish what is queued (its replies leave), then close.
        store.close()
        await server.shutdown()
        logger.info("stopped; the store is closed", metadata: ["head": "\((try? Environment(directory: options.data, readOnly: true))?.headLine ?? "")"])
    }

    static let transportSecurity: [String: SMTPConfiguration.TransportSecurity] = [
        "none": .none, "starttls": .startTLSIfOffered, "starttls-required": .startTLSRequired, "tls": .implicit,
    ]

    /// The outbox's mail settings from the flags: no relay, no mail.
    func outboxConfiguration() throws -> OutboxConfiguration {
        var configuration = OutboxConfiguration(mailFrom: mailFrom, dayListAt: LocalTime(dayListAt) ?? LocalTime(hour: 19, minute: 0)!,
                                                messageIDHost: ProcessInfo.processInfo.hostName)
        guard let smtpHost else { return configuration }
        var credentials: SMTPConfiguration.Credentials?
        if let smtpUser, let smtpPasswordFile {
            guard let text = try? String(contentsOfFile: smtpPasswordFile, encoding: .utf8),
                  let password = text.split(whereSeparator: \.isNewline).first.map(String.init), !password.isEmpty else {
                throw ValidationError("--smtp-password-file \(smtpPasswordFile) cannot be read, or its first line is empty.")
            }
            credentials = SMTPConfiguration.Credentials(user: smtpUser, password: password)
        }
        configuration.smtp = SMTPConfiguration(host: smtpHost, port: smtpPort, tls: Self.transportSecurity[smtpTls] ?? .startTLSRequired,
                                               credentials: credentials, heloName: ProcessInfo.processInfo.hostName)
        return configuration
    }

    func open(logger: Logger) throws -> (Store, NodeKey) {
        let data = options.data
        let isNew = !FileManager.default.fileExists(atPath: data + "/data.mdb")
        // Read the fixtures before creating anything: bad fixtures leave no half-made directory.
        let seed = isNew ? try Fixtures.load(from: options.fixtures) : nil
        // A directory written before the Merkle tree gets it on this start, from the log.
        let store = try Store(directory: data, treeProgress: { done, total in
            logger.info("building the Merkle tree", metadata: ["records": "\(done) of \(total)"])
        })
        do {
            if let seed, try store.head().sequence == 0 {
                let started = Date()
                var count = try store.seedIfEmpty(with: seed)
                if demo { count += try Demo.seed(store, pratiche: demoPratiche) }
                logger.info("seeded", metadata: ["data": "\(data)", "offices": "\(seed.offices.count)",
                                                 "records": "\(count)",
                                                 "seconds": "\(String(format: "%.1f", Date().timeIntervalSince(started)))"])
            }
            // The key made on first start, or read; its public half recorded when the log does
            // not hold it yet (docs/log-format.md, "Signed heads").
            let (key, created) = try NodeKey.loadOrCreate(signingKey ?? NodeKey.defaultPath(forData: data))
            if created { logger.info("signing key made", metadata: ["path": "\(key.path)"]) }
            if let sequence = try store.adoptSigningKey(key) {
                logger.info("signing key recorded", metadata: ["record": "\(sequence)", "public-key": "\(key.publicKey)"])
            }
            return (store, key)
        } catch {
            store.close()
            throw error
        }
    }

    func printDemo(_ accounts: [String], port: Int, httpPort: Int?) {
        print("Demo accounts (password: \(Demo.password)):")
        for spec in Demo.accounts(pratiche: demoPratiche) where accounts.contains(spec.name) {
            print("  \(spec.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(spec.role)"
                  + (spec.office.map { " at \($0)" } ?? "") + (spec.role == .body ? " for \(spec.body)" : "")
                  + (spec.pratica.map { " for \($0) only (self-booking)" } ?? ""))
        }
        print("Demo pratiche: \(Demo.pratica(0)) ... \(Demo.pratica(max(0, demoPratiche - 1))); training office \(Demo.office)")
        print("Try: redis-cli -p \(port)   then   AUTH sui.roma demo   and   BOOK \(Demo.office) fotosegnalamento \(Demo.pratica(1))")
        if let httpPort, httpPort != 0 {
            print("Or the portal: http://\(host):\(httpPort)/   sign in as self.demo, caf.roma, sui.roma or questura.demo (password demo)")
        }
    }
}

extension Environment {
    var headLine: String {
        defer { close() }
        guard let head = try? head() else { return "" }
        return "\(head.sequence):\(head.hash)"
    }
}
