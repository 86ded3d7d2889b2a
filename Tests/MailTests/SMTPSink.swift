import Foundation

/// Tests/MailTests/smtp_sink.py (aiosmtpd) run as a child process on 127.0.0.1, on a port it
/// chooses by binding port 0 and prints; each test starts its own and stops it with `stop()`
/// (terminate, then wait), which the tests call from `defer` so that a failing test stops it too.
final class SMTPSink: @unchecked Sendable {  // used by one test at a time
    struct Received {
        let bytes: [UInt8]
        /// mail_from, rcpt_tos, tls, login, helo, as smtp_sink.py wrote them.
        let envelope: [String: Any]
        let path: String
    }

    enum Failure: Error, CustomStringConvertible {
        case aiosmtpdMissing
        case opensslMissing
        case didNotStart(String)
        case unreadable(String)

        var description: String {
            switch self {
            case .aiosmtpdMissing:
                "Python's aiosmtpd is missing, so the SMTP tests have no server to send to; run `make test`, which installs it (scripts/ensure-deps.sh python-aiosmtpd)."
            case .opensslMissing:
                "The openssl command is missing, so the STARTTLS test cannot make its certificate; run `make test`, which installs it (scripts/ensure-deps.sh openssl)."
            case .didNotStart(let problem):
                "smtp_sink.py did not print “ready PORT”: \(problem)"
            case .unreadable(let problem):
                problem
            }
        }
    }

    static let scriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("smtp_sink.py").path

    let port: Int
    let directory: String
    private let process: Process
    /// The server's stdin, kept open while this object lives; see smtp_sink.py.
    private let lifeline: Pipe

    private init(port: Int, directory: String, process: Process, lifeline: Pipe) {
        self.port = port
        self.directory = directory
        self.process = process
        self.lifeline = lifeline
    }

    static func run(_ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        guard (try? process.run()) != nil else { return (-1, "\(arguments[0]) could not be run") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func makeDirectory(_ purpose: String) throws -> String {
        let directory = NSTemporaryDirectory() + "agenda-mail-\(purpose)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Runs blocking work (a child process, a pipe read) on a Dispatch thread, not on one of the
    /// few threads of Swift's cooperative pool that every test's `await` resumes on: tests run in
    /// parallel, and blocked pool threads would delay the others' timing-sensitive steps.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    static func start(_ options: [String] = []) async throws -> SMTPSink {
        try await offPool { try startBlocking(options) }
    }

    private static func startBlocking(_ options: [String]) throws -> SMTPSink {
        guard run(["python3", "-c", "import aiosmtpd"]).status == 0 else { throw Failure.aiosmtpdMissing }
        let directory = try makeDirectory("sink")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptPath, directory] + options
        // Its log goes to a file, not a pipe: a pipe nobody reads would stop the server once full.
        let logPath = directory + "/server.log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let output = Pipe(), lifeline = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardInput = lifeline
        try process.run()
        // A script that hangs before listening would block the read below for ever: stop it after
        // 30 s, which ends its output and so the read.
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: watchdog)
        defer { watchdog.cancel() }
        var printed = Data()
        while !printed.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            printed.append(chunk)
        }
        let line = String(decoding: printed, as: UTF8.self).split(separator: "\n").first ?? ""
        let words = line.split(separator: " ")
        guard words.count == 2, words[0] == "ready", let port = Int(words[1]) else {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            let problem = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw Failure.didNotStart("it printed “\(line)” and exited with \(process.terminationStatus): \(problem)")
        }
        return SMTPSink(port: port, directory: directory, process: process, lifeline: lifeline)
    }

    /// SIGTERM, then SIGKILL if the server has not exited within 5 s (a server that cannot be
    /// stopped must not hang the test run), then the wait that reaps it.
    func stop() {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The messages the server accepted, in order.
    func received() throws -> [Received] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".eml") }
            .sorted { Int($0.dropLast(4)) ?? 0 < Int($1.dropLast(4)) ?? 0 }
        return try names.map { name in
            let base = directory + "/" + name.dropLast(4)
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: base + ".eml")))
            let envelope = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: base + ".json")))
            return Received(bytes: bytes, envelope: envelope as? [String: Any] ?? [:], path: base + ".eml")
        }
    }

    /// A self-signed certificate for 127.0.0.1 (and localhost), made with openssl into a new
    /// directory: (certificate path, key path, directory to remove).
    static func makeCertificate() async throws -> (certificate: String, key: String, directory: String) {
        try await offPool { try makeCertificateBlocking() }
    }

    private static func makeCertificateBlocking() throws -> (certificate: String, key: String, directory: String) {
        guard run(["openssl", "version"]).status == 0 else { throw Failure.opensslMissing }
        let directory = try makeDirectory("tls")
        let certificate = directory + "/cert.pem", key = directory + "/key.pem"
        let made = run([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ])
        guard made.status == 0 else { throw Failure.unreadable("openssl could not make a certificate: \(made.output)") }
        return (certificate, key, directory)
    }
}

/// A received message read back by Python's `email` package (policy.default: encoded-words and
/// RFC 2231 parameters decoded, as a mail reader would), as JSON.
enum PythonEmail {
    static let script = #"""
        import base64, email, json, sys
        from email import policy
        from email.utils import parsedate_to_datetime
        with open(sys.argv[1], "rb") as f:
            message = email.message_from_binary_file(f, policy=policy.default)
        def defects(part):
            return [type(d).__name__ for d in part.defects]
        parts, all_defects = [], defects(message)
        for part in message.walk():
            all_defects += defects(part)
            if part.is_multipart():
                parts.append({"type": part.get_content_type()})
                continue
            payload = part.get_payload(decode=True)
            parts.append({
                "type": part.get_content_type(), "charset": part.get_content_charset(),
                "params": dict(part.get_params()[1:]) if part.get_params() else {},
                "filename": part.get_filename(), "disposition": part.get_content_disposition(),
                "base64": base64.b64encode(payload).decode(),
                "text": part.get_content() if part.get_content_maintype() == "text" else None,
            })
        date = parsedate_to_datetime(message["Date"])
        print(json.dumps({
            "subject": str(message["Subject"]),
            "from_name": message["From"].addresses[0].display_name,
            "from_address": message["From"].addresses[0].addr_spec,
            "to": [[a.display_name, a.addr_spec] for a in message["To"].addresses],
            "message_id": str(message["Message-ID"]),
            "idempotency_key": str(message["X-Agenda-Idempotency-Key"]),
            "date_utc": date.isoformat(), "date_weekday": date.strftime("%a"),
            "mime_version": str(message["MIME-Version"]),
            "parts": parts, "defects": all_defects,
        }))
        """#

    static func parse(_ path: String) async throws -> [String: Any] {
        let result = try await SMTPSink.offPool { SMTPSink.run(["python3", "-c", script, path]) }
        guard result.status == 0, let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] else {
            throw SMTPSink.Failure.unreadable("Python's email could not read \(path): \(result.output)")
        }
        return json
    }
}
