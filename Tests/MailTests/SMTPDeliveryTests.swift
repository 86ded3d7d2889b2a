import Foundation
@testable import Mail
import NIOCore
import NIOPosix
import Testing

/// The client against a real SMTP server, aiosmtpd (make test installs it), on 127.0.0.1.
@Suite("Sending to aiosmtpd")
struct SMTPDeliveryTests {
    static func configuration(port: Int, tls: SMTPConfiguration.TransportSecurity = .startTLSIfOffered) -> SMTPConfiguration {
        SMTPConfiguration(
            host: "127.0.0.1", port: port, tls: tls, heloName: "agenda.questura.example.org",
            connectTimeout: .seconds(5), commandTimeout: .seconds(10)
        )
    }

    static let sender = "agenda@questura.example.org"

    @Test("a day list with an HTML body and a CSV arrives byte for byte, and Python's email reads its headers, body and attachment back")
    func deliversDayList() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let message = try Fixture.dayList()
        let client = SMTPClient(configuration: Self.configuration(port: sink.port))
        let receipt = try await client.send(
            message, envelopeFrom: Self.sender,
            recipients: ["ufficio.immigrazione@questura.example.org", "archivio@questura.example.org"]
        )
        #expect(receipt.dataReply == SMTPReply(code: 250, lines: ["2.0.0 Ok: queued as agenda-sink-1"]))
        #expect(!receipt.encrypted && receipt.authenticatedUser == nil)

        let received = try sink.received()
        try #require(received.count == 1)
        #expect(received[0].bytes == message.rendered(), "the server undoes the dot-stuffing; what is left must be the rendering")
        #expect(received[0].envelope["mail_from"] as? String == Self.sender)
        #expect(received[0].envelope["rcpt_tos"] as? [String] == ["ufficio.immigrazione@questura.example.org", "archivio@questura.example.org"])
        #expect(received[0].envelope["helo"] as? String == "agenda.questura.example.org")

        let parsed = try await PythonEmail.parse(received[0].path)
        #expect(parsed["defects"] as? [String] == [])
        #expect(parsed["subject"] as? String == "Questura di Trieste — elenco del 14/04")
        #expect(parsed["from_name"] as? String == "Agenda — Questura di Trieste")
        #expect(parsed["from_address"] as? String == "agenda@questura.example.org")
        #expect(parsed["to"] as? [[String]] == [["Ufficio immigrazione", "ufficio.immigrazione@questura.example.org"]])
        #expect(parsed["message_id"] as? String == "<outbox-123-daylist@agenda.questura.example.org>")
        #expect(parsed["idempotency_key"] as? String == "outbox-123-daylist")
        #expect(parsed["date_utc"] as? String == "2026-04-14T05:30:00+00:00" && parsed["date_weekday"] as? String == "Tue")
        #expect(parsed["mime_version"] as? String == "1.0")
        let parts = try #require(parsed["parts"] as? [[String: Any]])
        #expect(parts.map { $0["type"] as? String } == ["multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/csv"])
        // Text travels in its canonical form, CRLF line breaks (RFC 2045 §6.8); Python's email
        // decodes the base64 and leaves them as they are.
        #expect(parts[2]["text"] as? String == "Elenco del giorno in allegato.\r\n")
        #expect(parts[3]["text"] as? String == "<p>Elenco del giorno in allegato.</p>\r\n")
        #expect(parts[4]["filename"] as? String == "elenco-2026-04-14.csv")
        #expect(parts[4]["disposition"] as? String == "attachment")
        #expect(parts[4]["base64"] as? String == Base64.encodedString(Fixture.csv))
    }

    @Test("a non-ASCII attachment name and a long folded subject come back whole through Python's email")
    func encodedNamesRoundTrip() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let subject = "Questura di Trieste — elenco del 14/04 — Ufficio immigrazione, sportello 3, piano terra"
        let name = "Questura di Trieste — elenco completo delle prenotazioni del giorno 14 aprile 2026.csv"
        let invite = Array("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n".utf8)
        let message = try Fixture.dayList(subject: subject, attachments: [
            MailAttachment(filename: name, contentType: "text/csv; charset=utf-8", bytes: Fixture.csv),
            MailAttachment(filename: "appuntamento.ics", contentType: "text/calendar; method=REQUEST; charset=utf-8", bytes: invite),
        ])
        _ = try await SMTPClient(configuration: Self.configuration(port: sink.port))
            .send(message, envelopeFrom: Self.sender, recipients: ["ufficio.immigrazione@questura.example.org"])
        let received = try sink.received()
        try #require(received.count == 1)
        let parsed = try await PythonEmail.parse(received[0].path)
        #expect(parsed["defects"] as? [String] == [])
        #expect(parsed["subject"] as? String == subject)
        let parts = try #require(parsed["parts"] as? [[String: Any]])
        #expect(parts[4]["filename"] as? String == name)
        #expect(parts[5]["type"] as? String == "text/calendar")
        #expect((parts[5]["params"] as? [String: String])?["method"] == "REQUEST")
        #expect(parts[5]["base64"] as? String == Base64.encodedString(invite))
    }

    @Test("with STARTTLS required and AUTH PLAIN: the message goes over TLS to a server that trusts only the self-signed certificate, authenticated")
    func startTLSAndAuthPlain() async throws {
        let tls = try await SMTPSink.makeCertificate()
        defer { try? FileManager.default.removeItem(atPath: tls.directory) }
        let sink = try await SMTPSink.start(["--tls-cert", tls.certificate, "--tls-key", tls.key, "--auth", "agenda:s3gr3ta ü"])
        defer { sink.stop() }
        var configuration = Self.configuration(port: sink.port, tls: .startTLSRequired)
        configuration.credentials = .init(user: "agenda", password: "s3gr3ta ü")
        configuration.certificateVerification = .trustedCertificatesPEM(try [UInt8](Data(contentsOf: URL(fileURLWithPath: tls.certificate))))
        let receipt = try await SMTPClient(configuration: configuration)
            .send(try Fixture.dayList(), envelopeFrom: Self.sender, recipients: ["ufficio.immigrazione@questura.example.org"])
        #expect(receipt.encrypted && receipt.authenticatedUser == "agenda")
        #expect(receipt.dataReply.code == 250)
        let received = try sink.received()
        try #require(received.count == 1)
        #expect(received[0].envelope["tls"] as? Bool == true)
        #expect(received[0].envelope["login"] as? String == "agenda")
        #expect(received[0].bytes == (try Fixture.dayList()).rendered())
    }

    @Test("with implicit TLS (port 465 style) the greeting itself comes over TLS, and AUTH goes on it")
    func implicitTLS() async throws {
        let tls = try await SMTPSink.makeCertificate()
        defer { try? FileManager.default.removeItem(atPath: tls.directory) }
        let sink = try await SMTPSink.start(["--tls-cert", tls.certificate, "--tls-key", tls.key, "--implicit-tls", "--auth", "agenda:secret"])
        defer { sink.stop() }
        var configuration = Self.configuration(port: sink.port, tls: .implicit)
        configuration.credentials = .init(user: "agenda", password: "secret")
        configuration.certificateVerification = .trustedCertificatesPEM(try [UInt8](Data(contentsOf: URL(fileURLWithPath: tls.certificate))))
        let receipt = try await SMTPClient(configuration: configuration)
            .send(try Fixture.dayList(), envelopeFrom: Self.sender, recipients: ["ufficio.immigrazione@questura.example.org"])
        #expect(receipt.encrypted && receipt.authenticatedUser == "agenda")
        let received = try sink.received()
        #expect(received.count == 1)
        #expect(received.first?.envelope["tls"] as? Bool == true && received.first?.envelope["login"] as? String == "agenda")
    }

    @Test("a kept raw message with lines that start with a dot and bare line breaks arrives as written, with CRLF")
    func rawMessageDotStuffing() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let raw = Array("Subject: dots\r\n\r\n.\r\n..two\r\n.three\nbare\rend".utf8)
        let receipt = try await SMTPClient(configuration: Self.configuration(port: sink.port))
            .send(renderedMessage: raw, envelopeFrom: "", recipients: ["ufficio.immigrazione@questura.example.org"])
        #expect(receipt.dataReply.code == 250)
        let received = try sink.received()
        try #require(received.count == 1)
        #expect(received[0].bytes.text == "Subject: dots\r\n\r\n.\r\n..two\r\n.three\r\nbare\r\nend\r\n")
        #expect(received[0].envelope["mail_from"] as? String == "<>", "the null reverse-path, as aiosmtpd records it")
    }

    @Test("when the server offers only AUTH LOGIN, the client logs in with LOGIN")
    func authLogin() async throws {
        let tls = try await SMTPSink.makeCertificate()
        defer { try? FileManager.default.removeItem(atPath: tls.directory) }
        let sink = try await SMTPSink.start(["--tls-cert", tls.certificate, "--tls-key", tls.key, "--auth", "agenda:secret", "--auth-exclude", "PLAIN"])
        defer { sink.stop() }
        var configuration = Self.configuration(port: sink.port, tls: .startTLSRequired)
        configuration.credentials = .init(user: "agenda", password: "secret")
        configuration.certificateVerification = .trustedCertificatesPEM(try [UInt8](Data(contentsOf: URL(fileURLWithPath: tls.certificate))))
        let receipt = try await SMTPClient(configuration: configuration)
            .send(try Fixture.dayList(), envelopeFrom: Self.sender, recipients: ["ufficio.immigrazione@questura.example.org"])
        #expect(receipt.authenticatedUser == "agenda")
        #expect(try sink.received().first?.envelope["login"] as? String == "agenda")
    }

    @Test("a wrong password is a permanent refusal of AUTH PLAIN that names no credentials")
    func wrongPassword() async throws {
        let tls = try await SMTPSink.makeCertificate()
        defer { try? FileManager.default.removeItem(atPath: tls.directory) }
        let sink = try await SMTPSink.start(["--tls-cert", tls.certificate, "--tls-key", tls.key, "--auth", "agenda:secret"])
        defer { sink.stop() }
        var configuration = Self.configuration(port: sink.port, tls: .startTLSRequired)
        configuration.credentials = .init(user: "agenda", password: "wrong-password")
        configuration.certificateVerification = .trustedCertificatesPEM(try [UInt8](Data(contentsOf: URL(fileURLWithPath: tls.certificate))))
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: configuration)
                .send(try Fixture.dayList(), envelopeFrom: Self.sender, recipients: ["ufficio.immigrazione@questura.example.org"])
        }
        guard case .rejected(let command, let reply)? = error else { Issue.record("expected a refusal, got \(String(describing: error))"); return }
        #expect(command == "AUTH PLAIN" && reply.code == 535)
        #expect(error?.isTransient == false)
        #expect(error?.description.contains("wrong-password") == false)
        #expect(error?.description.contains(Base64.encodedString(Array("\0agenda\0wrong-password".utf8))) == false)
        #expect(try sink.received().isEmpty)
    }

    @Test("a certificate the client does not trust fails the handshake (transient) and nothing is sent")
    func untrustedCertificate() async throws {
        let tls = try await SMTPSink.makeCertificate()
        defer { try? FileManager.default.removeItem(atPath: tls.directory) }
        let sink = try await SMTPSink.start(["--tls-cert", tls.certificate, "--tls-key", tls.key])
        defer { sink.stop() }
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: Self.configuration(port: sink.port, tls: .startTLSRequired))
                .send(try Fixture.dayList(), envelopeFrom: Self.sender, recipients: ["ufficio.immigrazione@questura.example.org"])
        }
        guard case .tlsFailed? = error else { Issue.record("expected a TLS failure, got \(String(describing: error))"); return }
        #expect(error?.isTransient == true)
        #expect(try sink.received().isEmpty)
    }

    @Test("STARTTLS required and not offered: nothing is sent, and the error is transient")
    func startTLSRequiredNotOffered() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: Self.configuration(port: sink.port, tls: .startTLSRequired))
                .send(try Fixture.dayList(), envelopeFrom: Self.sender, recipients: ["ufficio.immigrazione@questura.example.org"])
        }
        #expect(error == .startTLSNotOffered(host: "127.0.0.1"))
        #expect(error?.isTransient == true)
        #expect(try sink.received().isEmpty)
    }

    @Test("credentials over a connection without TLS are not sent unless the configuration allows it")
    func noCredentialsInTheClear() async throws {
        let sink = try await SMTPSink.start(["--auth", "agenda:secret"])
        defer { sink.stop() }
        var configuration = Self.configuration(port: sink.port, tls: .none)
        configuration.credentials = .init(user: "agenda", password: "secret")
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: configuration)
                .send(try Fixture.dayList(), envelopeFrom: Self.sender, recipients: ["ufficio.immigrazione@questura.example.org"])
        }
        #expect(error == .credentialsNeedTLS(host: "127.0.0.1"))
        #expect(error?.isTransient == false)
        #expect(error?.description.contains("did not send the password") == true)
        #expect(try sink.received().isEmpty)
    }

    @Test("a 550 at RCPT is a permanent refusal naming the command and the server's text; nothing is delivered")
    func permanentRecipient() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: Self.configuration(port: sink.port))
                .send(try Fixture.dayList(), envelopeFrom: Self.sender, recipients: ["ufficio.immigrazione@questura.example.org", "permanent@questura.example.org"])
        }
        guard case .rejected(let command, let reply)? = error else { Issue.record("expected a refusal, got \(String(describing: error))"); return }
        #expect(command == "RCPT TO:<permanent@questura.example.org>")
        #expect(reply.code == 550)
        #expect(error?.isTransient == false)
        #expect(error?.description == "The mail server refused RCPT TO:<permanent@questura.example.org> with “550 5.1.1 <permanent@questura.example.org>: Recipient address rejected: User unknown”; this is permanent: sending the same message again will fail the same way.")
        #expect(try sink.received().isEmpty)
    }

    @Test("a 451 at RCPT is a transient refusal: retry later")
    func transientRecipient() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: Self.configuration(port: sink.port))
                .send(try Fixture.dayList(), envelopeFrom: Self.sender, recipients: ["transient@questura.example.org"])
        }
        guard case .rejected(let command, let reply)? = error else { Issue.record("expected a refusal, got \(String(describing: error))"); return }
        #expect(command == "RCPT TO:<transient@questura.example.org>" && reply.code == 451)
        #expect(error?.isTransient == true)
        #expect(error?.description.hasSuffix("this is transient: send the message again later.") == true)
        #expect(try sink.received().isEmpty)
    }

    @Test("a server that refuses EHLO with a 5xx is greeted with HELO, and the message still goes")
    func heloFallback() async throws {
        let sink = try await SMTPSink.start(["--no-ehlo"])
        defer { sink.stop() }
        let receipt = try await SMTPClient(configuration: Self.configuration(port: sink.port))
            .send(try Fixture.dayList(), envelopeFrom: Self.sender, recipients: ["ufficio.immigrazione@questura.example.org"])
        #expect(receipt.dataReply.code == 250)
        let received = try sink.received()
        #expect(received.count == 1)
        #expect(received.first?.envelope["extended_smtp"] as? Bool == false)
    }

    @Test("an EHLO reply longer than the line limit is refused, not buffered (transient)")
    func overlongReply() async throws {
        let sink = try await SMTPSink.start(["--long-ehlo", "\(Limits.replyLinesMax + 50)"])
        defer { sink.stop() }
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: Self.configuration(port: sink.port))
                .send(try Fixture.dayList(), envelopeFrom: Self.sender, recipients: ["ufficio.immigrazione@questura.example.org"])
        }
        #expect(error == .malformedReply(command: "EHLO agenda.questura.example.org", problem: "a reply ran past \(Limits.replyLinesMax) lines"))
        #expect(error?.isTransient == true)
    }

    @Test("a port nobody listens on is a transient connection error, reported by the refusal, long before the connect timeout")
    func nobodyListening() async throws {
        // The kernel's free port, released again: nothing listens there now.
        let placeholder = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(placeholder.localAddress?.port)
        try await placeholder.close()
        var configuration = Self.configuration(port: port)
        configuration.connectTimeout = .seconds(10)
        let clock = ContinuousClock()
        let started = clock.now
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: configuration)
                .send(try Fixture.dayList(), envelopeFrom: Self.sender, recipients: ["ufficio.immigrazione@questura.example.org"])
        }
        let elapsed = clock.now - started
        guard case .connectionFailed(let host, let failedPort, _)? = error else {
            Issue.record("expected a connection failure, got \(String(describing: error))"); return
        }
        #expect(host == "127.0.0.1" && failedPort == port)
        #expect(error?.isTransient == true)
        // About 30 ms alone; the bound is loose because the other suites share two cores, and
        // the point is that the refusal, not the 10 s timeout, ended the attempt.
        #expect(elapsed < .seconds(5), "refused took \(elapsed)")
    }

    @Test("a server that accepts the connection and never greets times out on the greeting (transient)")
    func silentServer() async throws {
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { silent.close(promise: nil) }
        let port = try #require(silent.localAddress?.port)
        var configuration = Self.configuration(port: port)
        configuration.commandTimeout = .milliseconds(300)
        let error = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: configuration)
                .send(try Fixture.dayList(), envelopeFrom: Self.sender, recipients: ["ufficio.immigrazione@questura.example.org"])
        }
        #expect(error == .timedOut(command: "the greeting", after: .milliseconds(300)))
        #expect(error?.isTransient == true)
    }

    @Test("an envelope address with a line break is refused before connecting")
    func injectedRecipient() async throws {
        let client = SMTPClient(configuration: Self.configuration(port: 9))
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(try Fixture.dayList(), envelopeFrom: Self.sender, recipients: ["a@example.org>\r\nRCPT TO:<b@example.org"])
        }
        guard case .invalidRequest? = error else { Issue.record("expected an invalid request, got \(String(describing: error))"); return }
        #expect(error?.isTransient == false)
    }
}
