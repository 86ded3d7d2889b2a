import Foundation
import Testing

/// Workflow 4 (ELI2: a comune's registry export becomes pratiche) and the comuni of Asti as
/// booking bodies (workflow 5), driven through the real `agenda-node` binary: its importer
/// client against a running node, and `user add-bodies` on a data directory.
@Suite("ELI2 registry import and Asti's comuni, through the agenda-node binary", .serialized)
struct RegistryWorkflowTests {
    static let header = "numero_pratica;numero_visto;cognome;nome;data_nascita;cittadinanza;sportello;codice_fiscale"

    /// What Excel writes for "CSV UTF-8" in an Italian locale: a byte-order mark, ';', CRLF.
    static func excel(_ rows: [String]) -> Data {
        Data([0xEF, 0xBB, 0xBF] + Array(([header] + rows).map { $0 + "\r\n" }.joined().utf8))
    }

    static let good = [
        "P-AT-2009-900001;ITA9000001;D'Angelo;Anna Maria;29/02/1984;MAR;AT-S;DNGNMR84B69Z330X",
        "P-AT-2009-900002;ITA9000002;\"Nguyễn\";\"Thị; Hồng\";1990-12-01;vnm;AT-S;",
        "P-AT-2009-900003;ITA9000003;Çelik;Ömer;1975-07-14;TUR;at-s;",
    ]

    func importer(_ file: String, port: Int, extra: [String] = [], in scratch: Scratch) throws -> ToolResult {
        try runTool([NodeProcessTests.nodePath, "import-applicants", file, "--port", String(port), "--user", "comune.roma"] + extra,
                    input: "demo\n", in: scratch.root, timeout: 120)
    }

    @Test("workflow 4: a registry file is imported once; a file with bad rows imports nothing unless --skip-bad; importing again changes nothing")
    func registryImport() throws {
        let scratch = try Scratch("eli2")
        defer { scratch.remove() }
        let node = try NodeProcess(data: scratch.data, log: scratch.path("node.log"), extra: ["--demo", "--demo-pratiche", "10"])
        defer { node.killHard() }
        let audit = try node.client(account: "audit")

        // A good file, as Excel writes it.
        let goodPath = scratch.path("anagrafe.csv")
        try Self.excel(Self.good).write(to: URL(fileURLWithPath: goodPath))
        let before = try #require(try audit.logHead())
        let first = try importer(goodPath, port: node.port, in: scratch)
        #expect(first.status == 0, "\(first.stdout) \(first.stderr)")
        #expect(first.stdout.contains("imported 3, already present 0, refused 0"), "\(first.stdout)")
        let afterGood = try #require(try audit.logHead())
        #expect(afterGood == before + 3, "three REGISTER records")
        let pratica = try audit.call("PRATICA", "P-AT-2009-900002").fields
        #expect(pratica["applicant"] == "Nguyễn Thị; Hồng" && pratica["nationality"] == "VNM" && pratica["office"] == "AT-S",
                "\(pratica)")
        #expect(try audit.call("LOOKUP", "VISTO", "ITA9000001").fields["birthdate"] == "1984-02-29")

        // The same pratica read by a stock client.
        if NodeProcessTests.redisPyAvailable {
            let script = """
                import sys, redis
                r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]), username="audit", password="demo",
                                decode_responses=True, protocol=2)
                flat = r.execute_command("PRATICA", "P-AT-2009-900003")
                record = dict(zip(flat[0::2], flat[1::2]))
                print(record["applicant"] + "|" + record["birthdate"] + "|" + record["office"])
                """
            let result = try runTool(["python3", "-c", script, String(node.port)], in: scratch.root, timeout: 60)
            #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "Çelik Ömer|1975-07-14|AT-S",
                    "\(result.stdout) \(result.stderr)")
        }

        // Importing the same file again: every row already there, the log as it was.
        let again = try importer(goodPath, port: node.port, in: scratch)
        #expect(again.status == 0, "\(again.stdout)")
        #expect(again.stdout.contains("imported 0, already present 3, refused 0"), "\(again.stdout)")
        #expect(try audit.logHead() == afterGood)

        // A file with bad rows: each reported with its line, nothing imported, exit status 1.
        let badPath = scratch.path("anagrafe-bad.csv")
        try Self.excel([
            "P-AT-2009-900011;ITA9000011;Rossi;Mario;1980-01-01;ALB;AT-S;",      // line 2, good
            "P-AT-2009-900012;ITA9000012;Bianchi;Anna;31/02/1980;ALB;AT-S;",     // line 3, no such day
            "P-AT-2009-900013;ITA9000013;\"Verdi\nLuca\";Luca;1980-01-01;ALB;AT-S;", // lines 4-5, a line break in a name
            "P-AT-2009-900014;ITA9000014;Neri;Sara;1980-01-01;XYZ;AT-S;",        // line 6, unknown nationality
            "P-AT-2009-900011;ITA9000015;Gialli;Ugo;1980-01-01;ALB;AT-S;",       // line 7, pratica of line 2
            "P-AT-2009-900016;ITA9000016;Blu;Eva;1980-01-01;ALB;AT-S;",          // line 8, good
        ]).write(to: URL(fileURLWithPath: badPath))
        let bad = try importer(badPath, port: node.port, in: scratch)
        #expect(bad.status == 1, "\(bad.stdout)")
        for expected in ["line 2: duplicate numero_pratica P-AT-2009-900011: also on line 7", "line 3: data_nascita '31/02/1980'",
                         "line 4: cognome has a line break", "line 6: cittadinanza 'XYZ'", "line 7: duplicate numero_pratica",
                         "nothing imported"] {
            #expect(bad.stdout.contains(expected), "missing '\(expected)' in:\n\(bad.stdout)")
        }
        #expect(!bad.stdout.contains("line 8:"), "line 8 is good: \(bad.stdout)")
        #expect(try audit.logHead() == afterGood, "a file with bad rows recorded something")
        #expect(try audit.call("PRATICA", "P-AT-2009-900016").errorCode == "NOTFOUND")

        // --skip-bad imports the good rows only (line 8), and says which ones it left out.
        let skipping = try importer(badPath, port: node.port, extra: ["--skip-bad"], in: scratch)
        #expect(skipping.status == 0, "\(skipping.stdout)")
        #expect(skipping.stdout.contains("imported 1, already present 0, refused 0, bad rows skipped 5"), "\(skipping.stdout)")
        #expect(try audit.call("PRATICA", "P-AT-2009-900016").fields["applicant"] == "Blu Eva")
        let afterSkip = try #require(try audit.logHead())
        #expect(afterSkip == afterGood + 1)

        // A row the node refuses (a registered pratica with other data) is listed with the
        // node's reason and exit status 1; sent again, it records nothing more.
        let conflictPath = scratch.path("anagrafe-conflict.csv")
        try Self.excel([Self.good[0].replacingOccurrences(of: "Anna Maria", with: "Anna"), Self.good[2]])
            .write(to: URL(fileURLWithPath: conflictPath))
        let conflict = try importer(conflictPath, port: node.port, in: scratch)
        #expect(conflict.status == 1, "\(conflict.stdout)")
        #expect(conflict.stdout.contains("line 2: P-AT-2009-900001 refused: CONFLICT"), "\(conflict.stdout)")
        #expect(conflict.stdout.contains("imported 0, already present 1, refused 1"), "\(conflict.stdout)")
        let afterConflict = try #require(try audit.logHead())
        #expect(afterConflict == afterSkip + 1, "the refusal is recorded once")
        _ = try importer(conflictPath, port: node.port, in: scratch)
        _ = try importer(badPath, port: node.port, extra: ["--skip-bad"], in: scratch)
        _ = try importer(goodPath, port: node.port, in: scratch)
        #expect(try audit.logHead() == afterConflict, "importing the same files again changed the log")
        #expect(try audit.call("PRATICA", "P-AT-2009-900001").fields["applicant"] == "D'Angelo Anna Maria")

        // A dry run reads the file and connects to nothing; a wrong password is exit status 2.
        let dry = try runTool([NodeProcessTests.nodePath, "import-applicants", goodPath, "--dry-run"], in: scratch.root, timeout: 60)
        #expect(dry.status == 0 && dry.stdout.contains("would send 3 rows"), "\(dry.stdout) \(dry.stderr)")
        let wrong = try runTool([NodeProcessTests.nodePath, "import-applicants", goodPath, "--port", String(node.port),
                                 "--user", "comune.roma"], input: "nope\n", in: scratch.root, timeout: 60)
        #expect(wrong.status == 2 && wrong.stdout.contains("WRONGPASS"), "\(wrong.stdout) \(wrong.stderr)")
    }

    @Test("workflow 5: every comune of Asti gets a body account; one signs in, books for an applicant, and cannot touch another comune's appointment")
    func astiComuni() throws {
        let scratch = try Scratch("asti")
        defer { scratch.remove() }
        let accountsPath = scratch.path("asti-accounts.csv")
        let add = try runTool([NodeProcessTests.nodePath, "user", "add-bodies", "--province", "AT", "--data", scratch.data,
                               "--fixtures", NodeProcessTests.fixturesPath, "--out", accountsPath],
                              in: scratch.root, timeout: 600)
        #expect(add.status == 0, "\(add.stdout) \(add.stderr)")
        #expect(add.stderr.contains("created 117 body accounts for AT"), "\(add.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: accountsPath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(attributes)")
        let lines = try String(contentsOfFile: accountsPath, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == "account,password,body,name")
        #expect(lines.count == 118, "a header and 117 comuni")
        var passwords: [String: String] = [:]
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", maxSplits: 3).map(String.init)
            passwords[fields[0]] = fields[1]
        }
        #expect(passwords.count == 117 && Set(passwords.values).count == 117, "one distinct password per comune")

        // Again: refused, nothing created; with --skip-existing, nothing to create.
        let again = try runTool([NodeProcessTests.nodePath, "user", "add-bodies", "--province", "AT", "--data", scratch.data,
                                 "--fixtures", NodeProcessTests.fixturesPath], in: scratch.root, timeout: 120)
        #expect(again.status != 0 && again.stderr.contains("117 of the 117 accounts exist already"), "\(again.stdout) \(again.stderr)")
        let list = try runTool([NodeProcessTests.nodePath, "user", "list", "--data", scratch.data], in: scratch.root, timeout: 60)
        let bodies = list.stdout.split(separator: "\n").filter { $0.hasPrefix("comune-at-") }
        #expect(bodies.count == 117, "\(list.stdout)")
        #expect(bodies.contains { $0.hasPrefix("comune-at-005005\tbody\t-\tCOMUNE-AT-005005\tenabled") }, "Asti: \(bodies.prefix(5))")

        // The node over that directory: Asti (005005) books for one of its applicants.
        let node = try NodeProcess(data: scratch.data, log: scratch.path("node.log"), extra: [])
        defer { node.killHard() }
        func signIn(_ account: String) throws -> RESPClient {
            let client = try RESPClient(port: node.port)
            let reply = try client.call("AUTH", account, passwords[account] ?? "")
            guard reply == .simple("OK") else { throw TestFailure("AUTH \(account): \(reply)") }
            return client
        }
        let asti = try signIn("comune-at-005005")
        let canelli = try signIn("comune-at-005017")
        let fixtures = try String(contentsOfFile: NodeProcessTests.fixturesPath + "/pratiche.csv", encoding: .utf8)
        let applicant = try #require(fixtures.split(separator: "\n").first { $0.hasSuffix(",AT-S") }?.split(separator: ",").first)
        let booked = try asti.call("BOOK", "AT-Q", "fotosegnalamento", String(applicant)).fields
        let appointment = try #require(booked["appointment"], "\(booked)")
        #expect(booked["bookedBy"] == "COMUNE-AT-005005")
        #expect(try canelli.call("CANCEL", appointment).errorCode == "NOPERM")
        #expect(try canelli.call("DEFER", appointment, "NEXT").errorCode == "NOPERM")
        #expect(try canelli.call("APPT", appointment).errorCode == "NOPERM")
        #expect(try asti.call("APPT", appointment).fields["state"] == "booked")
        #expect(try asti.call("CANCEL", appointment).fields["state"] == "cancelled")
        #expect(try RESPClient(port: node.port).call("AUTH", "comune-at-005005", "wrong").errorCode == "WRONGPASS")
    }
}
