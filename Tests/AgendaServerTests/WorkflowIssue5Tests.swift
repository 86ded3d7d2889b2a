import Events
import Foundation
import Testing

/// Issue 5's workflows 2 and 5, end to end: the real `agenda-node` on a fresh data directory
/// seeded from the fixtures, accounts made with `agenda-node user add`, and a stock client
/// (redis-py) sending what an operator or an applicant would. Today is the machine's today.
@Suite("Workflows 2 (SUI agenda di Sportello) and 5 (Siamo Digitali, Asti) through a real client", .serialized)
struct WorkflowIssue5Tests {
    static let replayPath = URL(fileURLWithPath: NodeProcessTests.nodePath).deletingLastPathComponent()
        .appendingPathComponent("replay").path

    /// Pratiche of the fixtures opened by `office` (fixtures/pratiche.csv), in file order.
    static func fixturePratiche(_ office: String) throws -> [String] {
        let text = try String(contentsOfFile: NodeProcessTests.fixturesPath + "/pratiche.csv", encoding: .utf8)
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: ",")
            return fields.last.map(String.init) == office ? String(fields[0]) : nil
        }
    }

    /// `agenda-node user add`, the node stopped, as an administrator would.
    static func addUser(_ data: String, _ name: String, _ options: [String], in root: String) throws {
        let result = try runTool([NodeProcessTests.nodePath, "user", "add", name, "--data", data,
                                  "--fixtures", NodeProcessTests.fixturesPath] + options,
                                 input: "pw-\(name)\n", in: root, timeout: 180)
        guard result.status == 0 else { throw TestFailure("user add \(name): \(result.stderr)") }
    }

    /// Runs a redis-py script given the port and `arguments`; its stdout must be one JSON object.
    static func python(_ script: String, port: Int, _ arguments: [String] = [], in root: String) throws -> [String: Any] {
        let prelude = """
            import json, sys, redis
            port = int(sys.argv[1])
            args = sys.argv[2:]
            def client(user):
                return redis.Redis(host="127.0.0.1", port=port, username=user, password="pw-" + user,
                                   decode_responses=True, protocol=2)
            def record(flat):
                return {key: str(value) if isinstance(value, int) else value
                        for key, value in zip(flat[0::2], flat[1::2])}
            def service_record(flat):
                service = record(flat)
                service["hours"] = "; ".join(service["hours"])
                return service
            def attempt(function):
                try:
                    return {"ok": function()}
                except redis.exceptions.NoPermissionError as error:
                    # redis-py takes the NOPERM code off the message; put it back.
                    return {"error": "NOPERM " + str(error)}
                except redis.exceptions.ResponseError as error:
                    return {"error": str(error)}
            def head(r):
                return int(r.info("persistence")["log_head_seq"])
            out = {}

            """
        let result = try runTool(["python3", "-c", prelude + script + "\nprint(json.dumps(out))\n", String(port)] + arguments,
                                 in: root, timeout: 120)
        guard result.status == 0,
              let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw TestFailure("python3 exited \(result.status): \(result.stderr)\n\(result.stdout)")
        }
        return object
    }

    static func today() -> Day {
        RomeTime.day(of: Instant(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)))
    }

    // MARK: - Workflow 2

    @Test("workflow 2: each SUI office has its own appointment types and calendar; an applicant books only its own pratica",
          .enabled(if: NodeProcessTests.redisPyAvailable, "Python's redis package is missing (make test installs it)"))
    func sportello() throws {
        let scratch = try Scratch("wf2")
        defer { scratch.remove() }
        let roma = try Self.fixturePratiche("RM-S")
        let latina = try Self.fixturePratiche("LT-S")
        try #require(roma.count >= 3 && latina.count >= 1)
        try Self.addUser(scratch.data, "sui.roma", ["--role", "sui", "--office", "RM-S"], in: scratch.root)
        try Self.addUser(scratch.data, "prefettura.roma", ["--role", "prefettura", "--office", "RM-P"], in: scratch.root)
        try Self.addUser(scratch.data, "self.roma", ["--role", "applicant", "--pratica", roma[0]], in: scratch.root)
        try Self.addUser(scratch.data, "self.latina", ["--role", "applicant", "--pratica", latina[0]], in: scratch.root)
        // An applicant account without a pratica is refused by the command line.
        let without = try runTool([NodeProcessTests.nodePath, "user", "add", "self.nobody", "--role", "applicant",
                                   "--data", scratch.data], input: "pw\n", in: scratch.root, timeout: 60)
        #expect(without.status != 0 && without.stderr.contains("--pratica"), "\(without.stderr)")

        let node = try NodeProcess(data: scratch.data, log: scratch.path("node.log"), extra: [])
        defer { node.killHard() }
        let script = """
            own, other, latina = args[0], args[1], args[2]
            service = "nulla-osta-documenti"
            staff = client("prefettura.roma")
            out["roma"] = record(staff.execute_command("OFFICE", "RM-S"))
            out["latina"] = record(staff.execute_command("OFFICE", "LT-S"))
            out["roma_services"] = [service_record(s) for s in out["roma"].pop("services")]
            out["latina_services"] = [service_record(s) for s in out["latina"].pop("services")]
            # Each office's own calendar: Rome closes on 29 June (Saints Peter and Paul), Latina on
            # 6 July (Saint Maria Goretti), both Tuesdays in 2027.
            for office in ["RM-S", "LT-S"]:
                out["capacity " + office] = [record(day) for day in
                    staff.execute_command("CAPACITY", office, service, "2027-06-22", "2027-07-13")]
            # Quotas for the SUI's own operators and for self-booking; one place open to all.
            out["quota"] = record(staff.execute_command("QUOTA", "RM-S", service, "SUI", "2", "APPLICANT", "1",
                                                        "RELEASE", "0"))
            out["quota_services"] = [service_record(s) for s in out["quota"].pop("services")]
            applicant = client("self.roma")
            out["firstfree"] = [record(x) for x in applicant.execute_command("FIRSTFREE", "RM-S", service, "COUNT", "2")]
            out["book"] = record(applicant.execute_command("BOOK", "RM-S", service, own))
            booked = out["book"]["appointment"]
            out["appt"] = attempt(lambda: record(applicant.execute_command("APPT", booked)))
            out["pratica"] = attempt(lambda: record(applicant.execute_command("PRATICA", own))["pratica"])
            out["defer"] = attempt(lambda: record(applicant.execute_command("DEFER", booked, "NEXT")))
            # The applicant prints its own convocation (autoconvocazione), by id or, as a reminder, never another's.
            out["print own"] = attempt(lambda: applicant.execute_command("PRINT", "CONVOCATION", booked, "LANG", "en"))
            # Anything else: refused. The refused changes (book, defer, cancel twice, ready, quota,
            # Latina's booking: seven) are recorded, who tried what; the refused reads are not.
            sui = client("sui.roma")
            theirs = record(sui.execute_command("BOOK", "RM-S", service, other))["appointment"]
            before = head(staff)
            out["refused"] = {
                "book other": attempt(lambda: applicant.execute_command("BOOK", "RM-S", service, other)),
                "pratica other": attempt(lambda: applicant.execute_command("PRATICA", other)),
                "appt other": attempt(lambda: applicant.execute_command("APPT", theirs)),
                "defer other": attempt(lambda: applicant.execute_command("DEFER", theirs, "NEXT")),
                "cancel other": attempt(lambda: applicant.execute_command("CANCEL", theirs)),
                "cancel unknown": attempt(lambda: applicant.execute_command("CANCEL", "A-NONE")),
                "agenda": attempt(lambda: applicant.execute_command("AGENDA", "RM-S", "2027-01-04")),
                "capacity": attempt(lambda: applicant.execute_command("CAPACITY", "RM-S", service, "2027-01-04", "2027-01-04")),
                "lookup": attempt(lambda: applicant.execute_command("LOOKUP", "VISTO", "ITA0000000")),
                "office": attempt(lambda: applicant.execute_command("OFFICE", "RM-S")),
                "ready": attempt(lambda: applicant.execute_command("READY", own)),
                "quota": attempt(lambda: applicant.execute_command("QUOTA", "RM-S", service, "APPLICANT", "4")),
                "history": attempt(lambda: applicant.execute_command("HISTORY", own)),
                "print other": attempt(lambda: applicant.execute_command("PRINT", "CONVOCATION", theirs)),
                "print unknown": attempt(lambda: applicant.execute_command("PRINT", "CONVOCATION", "A-NONE")),
                "print other's reminder": attempt(lambda: applicant.execute_command("PRINT", "REMINDER", other)),
                "latina books rome's": attempt(lambda: client("self.latina").execute_command("BOOK", "RM-S", service, own)),
            }
            out["head grew by"] = head(staff) - before
            out["cancel"] = attempt(lambda: record(applicant.execute_command("CANCEL", booked, "REASON", "cambio programma")))
            out["latina own"] = attempt(lambda: record(client("self.latina").execute_command("BOOK", "LT-S", service, latina)))
            """
        let out = try Self.python(script, port: node.port, [roma[0], roma[1], latina[0]], in: scratch.root)

        // Appointment types per office: each SUI's own services, hours and address.
        let romaServices = try #require(out["roma_services"] as? [[String: String]])
        let latinaServices = try #require(out["latina_services"] as? [[String: String]])
        #expect(romaServices.map { $0["service"] } == ["nulla-osta-documenti", "nulla-osta-consegna"])
        #expect(latinaServices.map { $0["service"] } == ["nulla-osta-documenti", "nulla-osta-consegna"])
        #expect(romaServices[0]["capacityPerSlot"] == "4" && latinaServices[0]["capacityPerSlot"] == "1")
        #expect(romaServices[0]["hours"] == "mon 09:00-12:00 14:00-16:00; tue 09:00-12:00; wed 09:00-12:00 14:00-16:00; "
                    + "thu 09:00-12:00; fri 09:00-12:00; sat; sun")
        #expect(latinaServices[0]["hours"] != romaServices[0]["hours"])
        let romaOffice = try #require(out["roma"] as? [String: String])
        #expect(romaOffice["address"] == "Ufficio Immigrazione, Sportello Unico per l'Immigrazione di Roma, Roma")
        #expect(romaOffice["kind"] == "sui")
        // Their own calendars.
        let romaDays = try #require(out["capacity RM-S"] as? [[String: String]])
        let latinaDays = try #require(out["capacity LT-S"] as? [[String: String]])
        func capacity(_ days: [[String: String]], _ date: String) -> String? { days.first { $0["date"] == date }?["capacity"] }
        #expect(capacity(romaDays, "2027-06-29") == "0" && capacity(romaDays, "2027-07-06") == capacity(romaDays, "2027-06-22"))
        #expect(capacity(latinaDays, "2027-07-06") == "0" && capacity(latinaDays, "2027-06-29") == capacity(latinaDays, "2027-06-22"))
        #expect(capacity(romaDays, "2027-06-22") != "0" && capacity(latinaDays, "2027-06-22") != "0")
        // The quota, as OFFICE shows it after QUOTA.
        let quota = try #require((out["quota_services"] as? [[String: String]])?.first)
        #expect(quota["quotaSui"] == "2" && quota["quotaApplicant"] == "1" && quota["quotaBody"] == "0")
        #expect(quota["quotaOpen"] == "1" && quota["releaseDays"] == "0")
        // Self-booking: FIRSTFREE shows what the applicant's channel may take (its quota and the
        // open place: 2 of the slot's 4); BOOK, APPT, PRATICA, DEFER on its own pratica work.
        let firstFree = try #require(out["firstfree"] as? [[String: String]])
        #expect(firstFree.first?["free"] == "2", "\(firstFree)")
        let booked = try #require(out["book"] as? [String: String])
        #expect(booked["pratica"] == roma[0] && booked["state"] == "booked" && booked["migrated"] == "0")
        #expect(booked["date"] == firstFree.first?["date"] && booked["time"] == firstFree.first?["time"])
        #expect(((out["appt"] as? [String: Any])?["ok"] as? [String: String])?["appointment"] == booked["appointment"])
        #expect((out["pratica"] as? [String: Any])?["ok"] as? String == roma[0])
        #expect(((out["defer"] as? [String: Any])?["ok"] as? [String: String])?["appointment"] == booked["appointment"])
        let printed = try #require((out["print own"] as? [String: Any])?["ok"] as? String, "\(out["print own"] ?? "")")
        // A SUI's convocation: its service, never the Questura's fingerprinting.
        #expect(printed.contains("APPOINTMENT NOTICE") && printed.contains(booked["appointment"] ?? "?"), "\(printed)")
        #expect(printed.contains("Nulla osta: presentazione e verifica dei documenti") && !printed.contains("fingerprint"),
                "\(printed)")
        // Everything else is refused with NOPERM; the log grew by the seven refused changes only.
        let refused = try #require(out["refused"] as? [String: [String: Any]])
        #expect(refused.count == 17)
        for (what, reply) in refused {
            #expect((reply["error"] as? String)?.hasPrefix("NOPERM") == true, "\(what): \(reply)")
        }
        #expect(out["head grew by"] as? Int == 7)
        let cancelled = try #require((out["cancel"] as? [String: Any])?["ok"] as? [String: String], "\(out["cancel"] ?? "")")
        #expect(cancelled["state"] == "cancelled")
        let latinaOwn = try #require((out["latina own"] as? [String: Any])?["ok"] as? [String: String])
        #expect(latinaOwn["office"] == "LT-S" && latinaOwn["pratica"] == latina[0])
    }

    // MARK: - Workflow 5

    @Test("workflow 5: one engine for Asti's offices; migrated appointments imported from CSV, kept and flagged past capacity",
          .enabled(if: NodeProcessTests.redisPyAvailable, "Python's redis package is missing (make test installs it)"))
    func siamoDigitali() throws {
        let scratch = try Scratch("wf5")
        defer { scratch.remove() }
        let asti = try Self.fixturePratiche("AT-S")
        try #require(asti.count >= 10)
        try Self.addUser(scratch.data, "prefettura.asti", ["--role", "prefettura", "--office", "AT-P"], in: scratch.root)
        try Self.addUser(scratch.data, "questura.asti", ["--role", "questura", "--office", "AT-Q"], in: scratch.root)
        try Self.addUser(scratch.data, "sui.asti", ["--role", "sui", "--office", "AT-S"], in: scratch.root)
        let node = try NodeProcess(data: scratch.data, log: scratch.path("node.log"), extra: [])
        defer { node.killHard() }
        let today = Self.today()
        let windowEnd = today.adding(days: 30)

        // The transition window, and the slot the old system filled: the first free one a week on.
        let setup = try Self.python("""
            prefettura = client("prefettura.asti")
            out["transition"] = record(prefettura.execute_command("TRANSITION", "AT-Q", args[0], args[1]))
            out["transition"].pop("services")
            questura = client("questura.asti")
            out["slot"] = record(questura.execute_command("FIRSTFREE", "AT-Q", "fotosegnalamento", "NOTBEFORE", args[2])[0])
            out["late"] = record(questura.execute_command("FIRSTFREE", "AT-Q", "fotosegnalamento", "NOTBEFORE", args[3])[0])
            out["head"] = head(prefettura)
            """, port: node.port, [today.description, windowEnd.description, today.adding(days: 7).description,
                                   windowEnd.adding(days: 1).description],
            in: scratch.root)
        let transition = try #require(setup["transition"] as? [String: String])
        #expect(transition["transitionFrom"] == today.description && transition["transitionTo"] == windowEnd.description)
        let slot = try #require(setup["slot"] as? [String: String])
        let day = try #require(slot["date"])
        let time = try #require(slot["time"])
        #expect(slot["free"] == "4")  // AT-Q fotosegnalamento: 4 places per slot

        // Five appointments in a slot of four: the old system's overbooking, to be kept as it is.
        let rows = (0..<5).map { "AT-Q,fotosegnalamento,\(asti[$0]),\(day),\(time),DED-\(1000 + $0)" }
        let header = "office,service,pratica,date,time,legacy_id"
        let good = scratch.path("dedalo.csv")
        try ([header] + rows).joined(separator: "\n").appending("\n").write(toFile: good, atomically: true, encoding: .utf8)
        let bad = scratch.path("dedalo-bad.csv")
        try ([header] + rows + ["AT-Q,fotosegnalamento,\(asti[5]),2026-13-01,09:00,DED-2000",
                                "AT-Q,fotosegnalamento,\(asti[6]),\(day)",
                                "AT-Q,fotosegnalamento,\(asti[7]),\(day),\(time),DED-1000"])
            .joined(separator: "\n").write(toFile: bad, atomically: true, encoding: .utf8)
        func importer(_ file: String, _ extra: [String] = []) throws -> ToolResult {
            try runTool([NodeProcessTests.nodePath, "import-appointments", file, "--port", String(node.port),
                         "--user", "prefettura.asti"] + extra, input: "pw-prefettura.asti\n", in: scratch.root, timeout: 120)
        }

        // A file with bad rows imports nothing, and says which lines and why.
        let refused = try importer(bad)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("dedalo-bad.csv:7: date '2026-13-01' is not a date"), "\(refused.stderr)")
        #expect(refused.stderr.contains("dedalo-bad.csv:8: 4 fields, expected 6"), "\(refused.stderr)")
        #expect(refused.stderr.contains("dedalo-bad.csv:9: legacy_id DED-1000 repeats line 2"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nothing imported"), "\(refused.stderr)")

        // The good file: every row in, the slot past its capacity; then again: nothing changes.
        let imported = try importer(good)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("5 row(s) sent: 5 imported, 0 already imported, 0 refused"), "\(imported.stdout)")
        let again = try importer(good)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("5 row(s) sent: 0 imported, 5 already imported, 0 refused"), "\(again.stdout)")
        // With --skip-bad the bad file sends only its good rows (already in), and lists the bad ones.
        let skipping = try importer(bad, ["--skip-bad"])
        #expect(skipping.status == 1 && skipping.stdout.contains("0 imported, 5 already imported, 0 refused; 3 bad row(s)"),
                "\(skipping.stdout) \(skipping.stderr)")
        // A row outside the transition window is refused by the node, on the record, by line.
        let late = scratch.path("late.csv")
        let lateSlot = try #require(setup["late"] as? [String: String])
        try "\(header)\nAT-Q,fotosegnalamento,\(asti[8]),\(lateSlot["date"] ?? ""),\(lateSlot["time"] ?? ""),DED-3000\n"
            .write(toFile: late, atomically: true, encoding: .utf8)
        let outside = try importer(late)
        #expect(outside.status == 1 && outside.stderr.contains("late.csv:2: refused: CONFLICT"), "\(outside.stderr)")
        #expect(outside.stderr.contains("transition window"), "\(outside.stderr)")
        // Once the window is widened, another attempt decides the refused row again; the rows
        // already in are refused (their pratiche hold them), never doubled.
        _ = try Self.python("""
            client("prefettura.asti").execute_command("TRANSITION", "AT-Q", args[0], args[1])
            """, port: node.port, [today.description, windowEnd.adding(days: 60).description], in: scratch.root)
        let retried = try importer(late, ["--attempt", "2"])
        #expect(retried.status == 0 && retried.stdout.contains("1 row(s) sent: 1 imported"), "\(retried.stdout) \(retried.stderr)")
        let doubled = try importer(good, ["--attempt", "2"])
        #expect(doubled.status == 1 && doubled.stdout.contains("5 row(s) sent: 0 imported, 0 already imported, 5 refused"),
                "\(doubled.stdout)")
        #expect(doubled.stderr.contains("CONFLICT"), "\(doubled.stderr)")

        // What the offices see: one engine for the Prefettura, the Questura and the SUI.
        let seen = try Self.python("""
            day, time, newcomer, sui_pratica = args
            prefettura = client("prefettura.asti")
            questura = client("questura.asti")
            out["agenda"] = [record(a) for a in questura.execute_command("AGENDA", "AT-Q", day)]
            out["capacity"] = record(questura.execute_command("CAPACITY", "AT-Q", "fotosegnalamento", day, day)[0])
            # New bookings go on as usual and see the migrated ones as taking places.
            out["book"] = record(questura.execute_command("BOOK", "AT-Q", "fotosegnalamento", newcomer, "ON", day, "AT", time))
            out["sui"] = record(client("sui.asti").execute_command("BOOK", "AT-S", "nulla-osta-documenti", sui_pratica))
            out["sui agenda"] = len(prefettura.execute_command("AGENDA", "AT-S", out["sui"]["date"]))
            out["prefettura office"] = record(prefettura.execute_command("OFFICE", "AT-P"))["address"]
            out["migrate by sui"] = attempt(lambda: client("sui.asti").execute_command(
                "MIGRATE", "AT-Q", "fotosegnalamento", newcomer, day, time))
            """, port: node.port, [day, time, asti[9], asti[8]], in: scratch.root)
        let agenda = try #require(seen["agenda"] as? [[String: String]])
        let migrated = agenda.filter { $0["migrated"] == "1" }
        #expect(migrated.count == 5 && migrated.allSatisfy { $0["time"] == time && $0["state"] == "booked" })
        #expect(Set(migrated.compactMap { $0["legacyId"] }) == Set((0..<5).map { "DED-\(1000 + $0)" }))
        let capacity = try #require(seen["capacity"] as? [String: String])
        // Five booked in the day's first slot of four: that slot has no seat left, the day's others keep theirs.
        let dayCapacity = Int(capacity["capacity"] ?? "") ?? 0
        #expect(capacity["booked"] == "5" && capacity["free"] == String(dayCapacity - 4), "\(capacity)")
        let booked = try #require(seen["book"] as? [String: String])
        #expect(booked["date"] == day && booked["time"] != time && booked["deferred"] == "1" && booked["migrated"] == "0")
        let sui = try #require(seen["sui"] as? [String: String])
        #expect(sui["office"] == "AT-S" && (seen["sui agenda"] as? Int ?? 0) >= 1)
        #expect(seen["prefettura office"] as? String == "Ufficio Immigrazione, Prefettura di Asti, Asti")
        // The SUI is not the Questura's staff: it cannot migrate into it.
        #expect(((seen["migrate by sui"] as? [String: Any])?["error"] as? String)?.hasPrefix("NOPERM") == true)

        // The auditor re-decides the whole log: the migrated seats past capacity are no finding.
        node.killHard()
        let audit = try runTool([Self.replayPath, "audit", "--data", scratch.data], in: scratch.root, timeout: 300)
        #expect(audit.status == 0, "replay audit: \(audit.stdout)\n\(audit.stderr)")
    }
}
