import Events
import Foundation
import Testing

/// The node's signing key through the real executables: made on the first start (mode 0600),
/// recorded in the log once, a replaced key recorded as a key change, a key others may read
/// refused with nothing written (issue 15, "Signed heads").
@Suite("agenda-node's signing key", .serialized)
struct SigningKeyProcessTests {
    static func replay(_ arguments: [String], _ scratch: Scratch) throws -> ToolResult {
        try runTool([replayPath] + arguments, in: scratch.root, timeout: 120)
    }

    static func line(_ result: ToolResult) -> String { result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }

    static func start(_ scratch: Scratch, _ log: String) throws {
        let node = try NodeProcess(data: scratch.data, log: scratch.path(log), extra: [])
        kill(node.pid, SIGTERM)
        #expect(node.waitForExit(timeout: 60), "the node stopped; log:\n\(node.logTail)")
    }

    @Test("made on the first start, recorded once, a replaced key recorded as a change, an open key file refused")
    func keyLifecycle() throws {
        let scratch = try Scratch("signing-key")
        defer { scratch.remove() }
        let keyPath = scratch.data + ".signing-key"

        try Self.start(scratch, "node-1.log")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? NSNumber)
        #expect(mode.intValue & 0o777 == 0o600, "the key file is mode \(String(mode.intValue, radix: 8))")
        let first = Self.line(try Self.replay(["head", "--data", scratch.data, "--public-key"], scratch))
        #expect(first.count == 64)
        let head1 = Self.line(try Self.replay(["head", "--data", scratch.data], scratch))
        let size1 = try #require(UInt64(head1.split(separator: ":")[0]))
        // The last record is the key's, as the node's own (`system`) command.
        let dumped = try Self.replay(["dump", "--data", scratch.data, "--from-seq", String(size1)], scratch)
        #expect(dumped.stdout.contains("\"type\":\"record-signing-key\",\"publicKey\":\"\(first)\""), "\(dumped.stdout)")
        #expect(dumped.stdout.contains("\"operator\":\"system\""))
        let signed1 = try #require(SignedHead(Self.line(try Self.replay(["head", "--data", scratch.data, "--sign"], scratch))))
        #expect(signed1.head == head1 && signed1.verifies(with: Hex.decode(first) ?? []))

        // The same key again: nothing recorded.
        try Self.start(scratch, "node-2.log")
        #expect(Self.line(try Self.replay(["head", "--data", scratch.data], scratch)) == head1)

        // A replaced key file: the new key is recorded; the old head still verifies with the old key
        // only, and cannot be signed with the new one.
        try FileManager.default.removeItem(atPath: keyPath)
        try Self.start(scratch, "node-3.log")
        let second = Self.line(try Self.replay(["head", "--data", scratch.data, "--public-key"], scratch))
        #expect(second.count == 64 && second != first)
        let head3 = Self.line(try Self.replay(["head", "--data", scratch.data], scratch))
        #expect(head3.hasPrefix("\(size1 + 1):"))
        let resigned = try Self.replay(["head", "--data", scratch.data, "--sign", "--size", String(size1)], scratch)
        #expect(resigned.status != 0 && resigned.stderr.contains("is not the one the log records for a head of \(size1) records"),
                "\(resigned.stderr)")
        let audited = try Self.replay(["audit", "--data", scratch.data, "--expect-head", signed1.description,
                                       "--public-key", first], scratch)
        #expect(audited.status == 0, "\(audited.stdout)")
        let wrongKey = try Self.replay(["audit", "--data", scratch.data, "--expect-head", signed1.description,
                                        "--public-key", second], scratch)
        #expect(wrongKey.status == 1 && wrongKey.stdout.contains("signature-invalid"), "\(wrongKey.stdout)")
        // Without --public-key, the key the log records for that head: the first one.
        #expect(try Self.replay(["audit", "--data", scratch.data, "--expect-head", signed1.description], scratch).status == 0)

        // A key file others may read: refused, with the fix, and nothing written.
        chmod(keyPath, 0o644)
        let refused = try runTool([NodeProcessTests.nodePath, "serve", "--data", scratch.data, "--port", "0"],
                                  in: scratch.root, timeout: 60)
        #expect(refused.status != 0 && refused.stderr.contains("chmod 600 \(keyPath)"), "\(refused.stderr)")
        #expect(Self.line(try Self.replay(["head", "--data", scratch.data], scratch)) == head3)
    }
}
