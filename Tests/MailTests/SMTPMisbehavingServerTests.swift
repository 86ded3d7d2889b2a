@testable import Mail
import Testing

/// What aiosmtpd will not do, from a scripted server on 127.0.0.1.
@Suite("A server that misbehaves")
struct SMTPMisbehavingServerTests {
    static func send(to server: ScriptedSMTPServer) async -> SMTPError? {
        await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: SMTPDeliveryTests.configuration(port: server.port, tls: .startTLSRequired))
                .send(try Fixture.dayList(), envelopeFrom: SMTPDeliveryTests.sender, recipients: ["ufficio.immigrazione@questura.example.org"])
        }
    }

    @Test("bytes after the 220 to STARTTLS, in the clear, end the session before the handshake: an injected reply is never read as the server's")
    func injectionAfterStartTLS() async throws {
        let server = try await ScriptedSMTPServer.start(greeting: "220 scripted ESMTP\r\n", script: [
            ("EHLO", "250-scripted\r\n250 STARTTLS\r\n"),
            // One write, so one segment on the loopback: the 220 and what an attacker appended.
            ("STARTTLS", "220 2.0.0 Ready to start TLS\r\n250-injected\r\n250 AUTH PLAIN\r\n"),
        ])
        defer { server.stop() }
        let error = await Self.send(to: server)
        guard case .malformedReply(let command, let problem)? = error else {
            Issue.record("expected the session to be refused, got \(String(describing: error))"); return
        }
        #expect(command == "STARTTLS" && problem.contains("bytes followed the 220"))
        #expect(server.lines == ["EHLO agenda.questura.example.org", "STARTTLS"])
    }

    @Test("a reply sent before the client asked (a pipelining server, or an injection) is refused and no command is written")
    func unaskedReply() async throws {
        let server = try await ScriptedSMTPServer.start(greeting: "220 scripted ESMTP\r\n250 2.1.0 Ok\r\n", script: [])
        defer { server.stop() }
        let error = await Self.send(to: server)
        guard case .malformedReply? = error else { Issue.record("expected a refusal, got \(String(describing: error))"); return }
        #expect(error?.isTransient == true)
        #expect(server.lines.isEmpty)
    }

    @Test("a 421 greeting (the server is shutting down) is transient and names the greeting")
    func closingGreeting() async throws {
        let server = try await ScriptedSMTPServer.start(greeting: "421 4.3.2 Service shutting down\r\n", script: [])
        defer { server.stop() }
        let error = await Self.send(to: server)
        #expect(error == .rejected(command: "the greeting", reply: SMTPReply(code: 421, lines: ["4.3.2 Service shutting down"])))
        #expect(error?.isTransient == true)
    }
}
