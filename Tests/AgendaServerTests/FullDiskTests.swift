import Foundation
import Testing

/// A real `agenda-node` whose data directory fills up under writing clients: a small tmpfs,
/// filled to the last few pages by another file. Where a tmpfs cannot be mounted (no root, no
/// CAP_SYS_ADMIN: most containers), the test is skipped and says why.
@Suite("agenda-node on a full disk", .serialized)
struct FullDiskTests {
    /// Mounting a tmpfs here works (tried once, on a throwaway mount point); else why not.
    static let tmpfsRefusal: String? = {
        let point = NSTemporaryDirectory() + "agenda-tmpfs-probe-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: point) }
        do {
            try FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
            let mounted = try runTool(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", point],
                                      in: NSTemporaryDirectory(), timeout: 30)
            guard mounted.status == 0 else {
                return "mount -t tmpfs failed (\(mounted.stderr.trimmingCharacters(in: .whitespacesAndNewlines)))"
            }
            _ = try runTool(["umount", point], in: NSTemporaryDirectory(), timeout: 30)
            return nil
        } catch {
            return "mount -t tmpfs could not run (\(error))"
        }
    }()

    static var tmpfsMountable: Bool {
        if let refusal = tmpfsRefusal {
            print("full-disk test skipped: \(refusal); it needs root and CAP_SYS_ADMIN to mount a small tmpfs")
        }
        return tmpfsRefusal == nil
    }

    @Test("on a full disk writes are refused with INTERNAL and not recorded, nothing acknowledged is lost, the node keeps answering and writes again once there is room",
          .enabled(if: FullDiskTests.tmpfsMountable, "cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)"))
    func fullDisk() throws {
        let parameters = AbuseParameters.current
        let scratch = try Scratch("disk")
        defer { scratch.remove() }
        let mountPoint = scratch.path("tmpfs")
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        let mounted = try runTool(["mount", "-t", "tmpfs", "-o", "size=\(parameters.diskMegabytes)m", "tmpfs", mountPoint],
                                  in: scratch.root, timeout: 30)
        try #require(mounted.status == 0, "mount: \(mounted.stderr)")
        defer { _ = try? runTool(["umount", "-l", mountPoint], in: scratch.root, timeout: 30) }
        let data = mountPoint + "/data"
        let pratiche = 2_000

        // Seeded, then copied without its free pages (mdb_copy -c): the seeding's churn leaves
        // megabytes of free pages inside data.mdb (sealed registrations' keyed-hash indexes are in
        // random order), room the bookings below would use before the disk. Compacted, every
        // new page comes from the disk.
        let seeding = try NodeProcess(data: data, log: scratch.path("node-0.log"),
                                      extra: ["--demo", "--demo-pratiche", String(pratiche)])
        kill(seeding.pid, SIGTERM)
        #expect(seeding.waitForExit(timeout: 60), "the seeding node stopped")
        let compacted = mountPoint + "/compacted"
        try FileManager.default.createDirectory(atPath: compacted, withIntermediateDirectories: true)
        let copied = try runTool(["mdb_copy", "-c", data, compacted], in: scratch.root, timeout: 60)
        try #require(copied.status == 0, "mdb_copy -c: \(copied.stderr)")
        try FileManager.default.removeItem(atPath: data + "/data.mdb")
        try FileManager.default.moveItem(atPath: compacted + "/data.mdb", toPath: data + "/data.mdb")
        try FileManager.default.removeItem(atPath: compacted)
        let node = try NodeProcess(data: data, log: scratch.path("node-1.log"), extra: [])
        defer { node.killHard() }
        let audit = try node.client(account: "audit")
        let headBefore = try #require(try audit.logHead())

        // Leave the log a few pages: fill the tmpfs, then give back 256 KiB.
        let filler = mountPoint + "/filler"
        Self.fill(filler)
        try Self.giveBack(256 * 1_024, of: filler)

        func books(_ range: Range<Int>, tag: String) -> [[String]] {
            range.map { ["BOOK", NodeProcessTests.office, NodeProcessTests.service, NodeProcessTests.pratica($0), "REQID", "\(tag)-\($0)"] }
        }
        let sui = try node.client(account: "sui.roma")
        let fullExchanges = try sui.exchange(books(2..<1_002, tag: "disk"))
        let acknowledged = fullExchanges.filter { $0.fields["appointment"] != nil }
        let refused = fullExchanges.filter { $0.reply.errorCode == "INTERNAL" }
        let other = fullExchanges.filter { $0.fields["appointment"] == nil && $0.reply.errorCode != "INTERNAL" }
        #expect(!refused.isEmpty, "the disk never filled: \(acknowledged.count) bookings fit in \(parameters.diskMegabytes) MB")
        #expect(other.isEmpty, "replies neither a booking nor INTERNAL: \(other.prefix(3).map(\.reply))")

        // Full, it still answers: a fresh connection's PING, reads, the acknowledged bookings.
        #expect(try node.client().call("PING") == .simple("PONG"), "PING on a full disk")
        for (exchange, reply) in try zip(acknowledged, audit.pipeline(acknowledged.map { ["APPT", $0.fields["appointment"] ?? "?"] })) {
            #expect(firstReplyFields(reply.fields).filter { $0.key != "seq" } == firstReplyFields(exchange.fields).filter { $0.key != "seq" },
                    "acknowledged \(exchange.fields), APPT on a full disk says \(reply)")
        }
        let headFull = try #require(try audit.logHead())
        #expect(headFull == headBefore + acknowledged.count,
                "the log head went \(headBefore) → \(headFull) for \(acknowledged.count) acknowledged: refused commands were recorded")

        // Room again, and no restart: the refused commands, sent again under their REQID, are
        // decided now (they were never recorded), and new ones go through.
        try FileManager.default.removeItem(atPath: filler)
        let retried = try sui.exchange(refused.map(\.command) + books(1_002..<1_052, tag: "disk"))
        let retriedOK = retried.filter { $0.fields["appointment"] != nil }
        #expect(retriedOK.count == retried.count,
                "once there is room again: \(retried.filter { $0.fields["appointment"] == nil }.prefix(3).map(\.reply))")

        // Restarted, everything acknowledged is there, and the audit is clean.
        node.killHard()
        let again = try NodeProcess(data: data, log: scratch.path("node-2.log"), extra: [])
        defer { again.killHard() }
        let everything = acknowledged + retriedOK
        let suiAgain = try again.client(account: "sui.roma")
        for (exchange, repeated) in try zip(everything, suiAgain.pipeline(everything.map(\.command))) {
            #expect(firstReplyFields(repeated.fields) == firstReplyFields(exchange.fields),
                    "\(exchange.command.joined(separator: " ")) acknowledged \(exchange.fields), repeated after the restart \(repeated)")
        }
        let headAfter = try #require(try again.client(account: "audit").logHead())
        #expect(headAfter == headBefore + everything.count, "log head \(headBefore) + \(everything.count) acknowledged, found \(headAfter)")
        again.killHard()
        let report = try replayAudit(data, in: scratch.root)
        #expect(report.status == 0, "replay audit:\n\(report.stdout)\(report.stderr)")
        printFigures("full disk", [
            "tmpfs MB": String(parameters.diskMegabytes), "acknowledged before full": String(acknowledged.count),
            "refused INTERNAL": String(refused.count), "acknowledged once freed": String(retriedOK.count),
        ])
    }

    /// Writes zeros until the file system says it is full.
    static func fill(_ path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { return }
        defer { try? handle.close() }
        for chunk in [1 << 20, 1 << 16, 1 << 12] {
            let zeros = Data(count: chunk)
            while (try? handle.write(contentsOf: zeros)) != nil {}
        }
    }

    /// Shortens the file by `bytes`, so that much room is free again.
    static func giveBack(_ bytes: Int, of path: String) throws {
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard truncate(path, off_t(max(0, size - bytes))) == 0 else { throw TestFailure("truncate \(path) failed") }
    }
}
