import Events
import Foundation
import Testing

/// Workflows 1 and 3 of issue 5, end to end: the real `agenda-node` as a child process, driven
/// by redis-py (one script per workflow, printing what it saw as JSON) and redis-cli, and the
/// real `replay` reading the same directory beside it.
@Suite("Workflows 1 (agenda elettronica) and 3 (COPER Pavia) through a running agenda-node", .serialized)
struct WorkflowPrintingTests {
    /// `replay`, built beside `agenda-node`.
    static let replayPath = URL(fileURLWithPath: NodeProcessTests.nodePath).deletingLastPathComponent()
        .appendingPathComponent("replay").path

    /// The fixture pratiche of one SUI: `[pratica, visto, surname, name, birth_date, nationality, office]`.
    static func fixturePratiche(office: String) throws -> [[String]] {
        let text = try String(contentsOfFile: NodeProcessTests.fixturesPath + "/pratiche.csv", encoding: .utf8)
        return text.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }.filter { $0.last == office }
    }

    /// Today in Rome, as the node's clock sees it.
    static func romeToday() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Europe/Rome")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date())
    }

    /// Today in Rome, for a test that books "today" and then reads that day's list: within
    /// `margin` seconds of Rome's midnight it first waits for the new day, so one run never
    /// straddles two days.
    static func romeTodayAwayFromMidnight(margin: TimeInterval = 180) -> String {
        var rome = Calendar(identifier: .gregorian)
        rome.timeZone = TimeZone(identifier: "Europe/Rome")!
        let now = Date()
        if let midnight = rome.nextDate(after: now, matching: DateComponents(hour: 0, minute: 0, second: 0),
                                        matchingPolicy: .nextTime),
           midnight.timeIntervalSince(now) < margin {
            Thread.sleep(forTimeInterval: midnight.timeIntervalSince(now) + 1)
        }
        return romeToday()
    }

    static func runPython(_ script: String, _ arguments: [String], in scratch: Scratch) throws -> [String: Any] {
        let result = try runTool(["python3", "-c", script] + arguments, in: scratch.root, timeout: 180)
        #expect(result.status == 0, "python3 exited \(result.status): \(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                            "not JSON: \(result.stdout) \(result.stderr)")
    }

    // MARK: - Workflow 1

    @Test("workflow 1: the SUI finds the applicant by pratica and by visto, books fingerprinting (a full day moves on), prints the note; the Questura gets the day's list with the head replay computes",
          .enabled(if: NodeProcessTests.redisPyAvailable && NodeProcessTests.redisCLIAvailable,
                   "needs redis-py and redis-cli (make test installs them)"))
    func workflowOne() throws {
        let scratch = try Scratch("wf1")
        defer { scratch.remove() }
        // A Moroccan applicant of the Sportello Unico di Roma: the note defaults to Arabic.
        let applicant = try #require(try Self.fixturePratiche(office: "RM-S").first { $0[5] == "MAR" })
        let node = try NodeProcess(data: scratch.data, log: scratch.path("node.log"),
                                   extra: ["--demo", "--demo-pratiche", "300"])
        defer { node.killHard() }
        let script = #"""
            import json, sys, redis
            port, pratica, visto = int(sys.argv[1]), sys.argv[2], sys.argv[3]
            def client(user):
                return redis.Redis(host="127.0.0.1", port=port, username=user, password="demo",
                                   decode_responses=True, protocol=3)
            sui, questura = client("sui.roma"), client("questura.roma")
            out = {}
            def error(call):
                try:
                    call()
                    return "no error"
                except redis.exceptions.NoPermissionError as e:  # redis-py drops this code from the message
                    return "NOPERM " + str(e)
                except redis.exceptions.ResponseError as e:
                    return str(e)
            # Find the applicant without retyping: by pratica, and by visto.
            out["by_pratica"] = sui.execute_command("PRATICA", pratica)
            out["by_visto"] = sui.execute_command("LOOKUP", "VISTO", visto)
            out["unknown_visto"] = error(lambda: sui.execute_command("LOOKUP", "VISTO", "ITA-NO-SUCH"))
            # The first day with room, filled up by other applicants of the SUI.
            first = sui.execute_command("FIRSTFREE", "RM-Q", "fotosegnalamento", "COUNT", "1")[0]
            day = first["date"]
            free = sui.execute_command("CAPACITY", "RM-Q", "fotosegnalamento", day, day)[0]["free"]
            pipe = sui.pipeline(transaction=False)
            for n in range(free):
                pipe.execute_command("BOOK", "RM-Q", "fotosegnalamento", "P-DEMO-%012d" % n, "ON", day)
            filled = pipe.execute()
            out["day"], out["filled"] = day, [b["date"] for b in filled]
            out["capacity_after"] = sui.execute_command("CAPACITY", "RM-Q", "fotosegnalamento", day, day)[0]
            # The applicant's booking: the full day moves on by itself.
            booked = sui.execute_command("BOOK", "RM-Q", "fotosegnalamento", pratica)
            out["booked"] = booked
            out["week"] = sui.execute_command("CAPACITY", "RM-Q", "fotosegnalamento", day, booked["date"])
            a = booked["appointment"]
            # The convocation note: the applicant's language by default, or chosen.
            out["text_default"] = sui.execute_command("PRINT", "CONVOCATION", a)
            out["text_it"] = sui.execute_command("PRINT", "CONVOCATION", a, "LANG", "it")
            out["html_ar"] = sui.execute_command("PRINT", "CONVOCATION", a, "FORMAT", "html")
            out["html_fr"] = sui.execute_command("PRINT", "CONVOCATION", a, "LANG", "fr", "FORMAT", "html")
            out["ics"] = sui.execute_command("PRINT", "CONVOCATION", a, "LANG", "en", "FORMAT", "ics")
            out["ics_again"] = sui.execute_command("PRINT", "CONVOCATION", a, "LANG", "en", "FORMAT", "ics")
            out["print_reminder"] = error(lambda: sui.execute_command("PRINT", "REMINDER", a))
            out["print_bad_lang"] = error(lambda: sui.execute_command("PRINT", "CONVOCATION", a, "LANG", "de"))
            out["print_unknown"] = error(lambda: sui.execute_command("PRINT", "CONVOCATION", "A-NOSUCH"))
            out["body_print"] = error(lambda: client("caf.roma").execute_command("PRINT", "CONVOCATION", a))
            # The end-of-day list: the Questura's own staff only.
            out["sui_daylist"] = error(lambda: sui.execute_command("DAYLIST", "RM-Q", sys.argv[4]))
            out["csv"] = questura.execute_command("DAYLIST", "RM-Q", sys.argv[4])
            out["html"] = questura.execute_command("DAYLIST", "RM-Q", sys.argv[4], "BOOKED", "FORMAT", "html")
            out["bad_format"] = error(lambda: questura.execute_command("DAYLIST", "RM-Q", sys.argv[4], "FORMAT", "pdf"))
            info = questura.execute_command("INFO", "persistence")
            if isinstance(info, dict):  # redis-py parses INFO into a dict
                out["info_head"] = "%s:%s" % (info["log_head_seq"], info["log_head_hash"])
            else:
                fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
                out["info_head"] = "%s:%s" % (fields["log_head_seq"], fields["log_head_hash"])
            print(json.dumps(out))
            """#
        let today = Self.romeTodayAwayFromMidnight()
        let out = try Self.runPython(script, [String(node.port), applicant[0], applicant[1], today], in: scratch)

        // Looked up by pratica and by visto: the same applicant, not retyped.
        let byPratica = try #require(out["by_pratica"] as? [String: Any])
        let byVisto = try #require(out["by_visto"] as? [String: Any])
        #expect(byPratica["pratica"] as? String == applicant[0] && byPratica["visto"] as? String == applicant[1])
        #expect(byVisto["pratica"] as? String == applicant[0])
        #expect(byVisto["applicant"] as? String == "\(applicant[2]) \(applicant[3])")
        #expect((out["unknown_visto"] as? String)?.hasPrefix("NOTFOUND") == true, "\(out["unknown_visto"] ?? "")")

        // The day was filled, and the applicant's booking moved on to the next open day.
        let day = try #require(out["day"] as? String)
        #expect(Set(out["filled"] as? [String] ?? []) == [day])
        #expect((out["capacity_after"] as? [String: Any])?["free"] as? Int == 0)
        let booked = try #require(out["booked"] as? [String: String])
        #expect(booked["deferred"] == "1", "\(booked)")
        let nextOpen = (out["week"] as? [[String: Any]] ?? []).first { ($0["date"] as? String ?? "") > day && ($0["capacity"] as? Int ?? 0) > 0 }
        #expect(booked["date"] == nextOpen?["date"] as? String, "\(booked) after \(day): \(out["week"] ?? "")")
        let appointment = try #require(booked["appointment"])

        // The note, as text (Arabic by default for a Moroccan applicant; Italian when asked), HTML and iCalendar.
        let arabic = try #require(out["text_default"] as? String)
        #expect(arabic.contains("إشعار استدعاء") && arabic.contains(appointment) && arabic.contains(applicant[0]), "\(arabic)")
        let italian = try #require(out["text_it"] as? String)
        #expect(italian.hasPrefix("Questura di Roma\nUfficio Immigrazione, Questura di Roma, Roma\n"), "\(italian)")
        #expect(italian.contains("NOTA DI CONVOCAZIONE") && italian.contains("Modello 209") && italian.contains(booked["time"] ?? "?"))
        #expect(italian.contains("Codice appuntamento:") && italian.contains(appointment))
        let htmlArabic = try #require(out["html_ar"] as? String)
        #expect(htmlArabic.contains("<html lang=\"ar\" dir=\"rtl\">") && htmlArabic.contains("@page { size: A4;"))
        #expect((out["html_fr"] as? String)?.contains("<html lang=\"fr\" dir=\"ltr\">") == true)
        let ics = try #require(out["ics"] as? String)
        let compact = (booked["date"] ?? "").replacingOccurrences(of: "-", with: "")
            + "T" + (booked["time"] ?? "").replacingOccurrences(of: ":", with: "") + "00"
        #expect(ics.contains("\r\nDTSTART;TZID=Europe/Rome:\(compact)\r\n"), "\(ics)")
        #expect(ics.contains("\r\nUID:\(appointment)@agenda.RM-Q\r\n") && ics.contains("BEGIN:VTIMEZONE"))
        #expect(out["ics_again"] as? String == ics, "printing twice gives the same calendar file")
        #expect((out["print_reminder"] as? String)?.hasPrefix("CONFLICT") == true, "\(out["print_reminder"] ?? "")")
        #expect((out["print_bad_lang"] as? String)?.hasPrefix("SYNTAX") == true)
        #expect((out["print_unknown"] as? String)?.hasPrefix("NOTFOUND") == true)
        #expect((out["body_print"] as? String)?.hasPrefix("NOPERM") == true, "a body prints only what it booked")

        // The end-of-day list: every booking the SUI made today for RM-Q, and the head.
        #expect((out["sui_daylist"] as? String)?.hasPrefix("NOPERM") == true)
        #expect((out["bad_format"] as? String)?.hasPrefix("SYNTAX") == true)
        let csv = try #require(out["csv"] as? String)
        let rows = csv.components(separatedBy: "\r\n").dropLast()
        let filled = (out["filled"] as? [String] ?? []).count
        #expect(rows.count == 1 + filled + 1 + 1 + 1, "header, \(filled) + 1 bookings, head, signed head: \(rows.count) rows")
        #expect(rows.contains { $0.hasPrefix("\(appointment),\(applicant[0]),\(applicant[2]),") })
        let headRow = rows[rows.count - 2]
        #expect(headRow.hasPrefix("#head,") && headRow.contains(",provisional,"), "\(headRow)")
        let head = headRow.split(separator: ",")[1]
        // The last row: the same head signed by the node, and the node's public key.
        let signedRow = try #require(rows.last).split(separator: ",", omittingEmptySubsequences: false)
        #expect(signedRow.first == "#signed-head")
        let signed = try #require(SignedHead(signedRow[1]))
        #expect(signed.head == String(head))
        let publicKey = try runTool([Self.replayPath, "head", "--data", scratch.data, "--public-key"], in: scratch.root, timeout: 60)
        let key = publicKey.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(String(signedRow[2]) == key)
        #expect(signed.verifies(with: Hex.decode(key) ?? []), "the day's head is signed with the key the log records")
        #expect((out["html"] as? String)?.contains("<code class=\"head signed\">\(signed)</code>") == true)
        // An auditor checks the signed head against the log: signature, record and Merkle root.
        let checked = try runTool([Self.replayPath, "audit", "--data", scratch.data, "--expect-head", signed.description,
                                   "--public-key", key], in: scratch.root, timeout: 120)
        #expect(checked.status == 0 && checked.stdout.contains("ok:"), "\(checked.stdout) \(checked.stderr)")
        var forged = signed
        forged.signature[0] ^= 1
        let refused = try runTool([Self.replayPath, "audit", "--data", scratch.data, "--expect-head", forged.description,
                                   "--public-key", key], in: scratch.root, timeout: 120)
        #expect(refused.status == 1 && refused.stdout.contains("signature-invalid"), "\(refused.stdout)")

        // The head is the one `INFO` and `replay head` give, and `replay daylist` writes the same list.
        #expect(out["info_head"] as? String == String(head), "INFO persistence: \(out["info_head"] ?? "")")
        let replayHead = try runTool([Self.replayPath, "head", "--data", scratch.data], in: scratch.root, timeout: 60)
        #expect(replayHead.status == 0, "\(replayHead.stderr)")
        #expect(replayHead.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == String(head))
        let replayList = try runTool([Self.replayPath, "daylist", "--data", scratch.data, "--office", "RM-Q", "--date", today],
                                     in: scratch.root, timeout: 60)
        #expect(replayList.status == 0, "\(replayList.stderr)")
        #expect(replayList.stdout == csv, "replay daylist and DAYLIST render the same list")
        let page = scratch.path("rm-q.html")
        let replayPage = try runTool([Self.replayPath, "daylist", "--data", scratch.data, "--office", "RM-Q", "--date", today,
                                      "--format", "html", "--out", page], in: scratch.root, timeout: 60)
        #expect(replayPage.status == 0 && replayPage.stderr.contains("head \(head)"), "\(replayPage.stderr)")
        #expect((try? String(contentsOfFile: page, encoding: .utf8)) == out["html"] as? String)

        // An operator saves the note with redis-cli, as docs/workflows.md shows.
        let saved = try runTool(["redis-cli", "-p", String(node.port), "--user", "sui.roma", "--pass", "demo", "--raw",
                                 "PRINT", "CONVOCATION", appointment, "LANG", "it", "FORMAT", "html"],
                                in: scratch.root, timeout: 60)
        #expect(saved.status == 0 && saved.stdout.hasPrefix("<!DOCTYPE html>") && saved.stdout.contains(appointment),
                "\(saved.stdout.prefix(200)) \(saved.stderr)")
    }

    // MARK: - Workflow 3

    @Test("workflow 3: the Questura marks permits ready, a body books the pickup (first free or another day) and prints the reminder, the Questura sees it live and prints the day's list, STATUS answers ready/not-ready/unknown",
          .enabled(if: NodeProcessTests.redisPyAvailable, "needs redis-py (make test installs it)"))
    func workflowThree() throws {
        let scratch = try Scratch("wf3")
        defer { scratch.remove() }
        let applicants = Array(try Self.fixturePratiche(office: "PV-S").prefix(3))
        try #require(applicants.count == 3)
        // Pavia's accounts, made before the node starts (one writer per directory).
        for (name, extra) in [("questura.pavia", ["--role", "questura", "--office", "PV-Q"]),
                              ("caritas.pavia", ["--role", "body", "--body", "CARITAS-PV"]),
                              ("cisl.pavia", ["--role", "body", "--body", "CISL-PV"])] {
            let made = try runTool([NodeProcessTests.nodePath, "user", "add", name, "--data", scratch.data,
                                    "--fixtures", NodeProcessTests.fixturesPath] + extra,
                                   input: "pavia\n", in: scratch.root, timeout: 120)
            try #require(made.status == 0, "user add \(name): \(made.stdout) \(made.stderr)")
        }
        let node = try NodeProcess(data: scratch.data, log: scratch.path("node.log"), extra: [])
        defer { node.killHard() }
        let script = #"""
            import json, sys, time, redis
            port = int(sys.argv[1])
            p1, p2, p3 = sys.argv[2], sys.argv[3], sys.argv[4]
            def client(user, protocol=3):
                return redis.Redis(host="127.0.0.1", port=port, username=user, password="pavia",
                                   decode_responses=True, protocol=protocol)
            def error(call):
                try:
                    call()
                    return "no error"
                except redis.exceptions.NoPermissionError as e:  # redis-py drops this code from the message
                    return "NOPERM " + str(e)
                except redis.exceptions.ResponseError as e:
                    return str(e)
            questura, caritas, cisl = client("questura.pavia"), client("caritas.pavia"), client("cisl.pavia")
            out = {}
            # Fingerprinting first (the day STATUS asks for), then the Questura marks two permits ready.
            out["fingerprints"] = [questura.execute_command("BOOK", "PV-Q", "fotosegnalamento", p)["date"] for p in (p1, p2, p3)]
            out["ready"] = [questura.execute_command("READY", p)["permit"] for p in (p1, p2)]
            # The Questura watches its agenda live, on its own connection (RESP2 pub/sub).
            watcher = client("questura.pavia", protocol=2).pubsub()
            watcher.subscribe("agenda:PV-Q")
            first = watcher.get_message(timeout=5)
            out["subscribed"] = first["type"] if first else None
            # The body checks its applicants' permits.
            out["permits"] = [caritas.execute_command("PRATICA", p)["permit"] for p in (p1, p2, p3)]
            # The first free day and hour for pickup; the applicant takes it.
            offer = caritas.execute_command("FIRSTFREE", "PV-Q", "consegna-permesso", "COUNT", "1")[0]
            out["offer"] = offer
            out["b1"] = caritas.execute_command("BOOK", "PV-Q", "consegna-permesso", p1)
            # The second cannot come then: another day, a week later.
            later = caritas.execute_command("FIRSTFREE", "PV-Q", "consegna-permesso", "NOTBEFORE", sys.argv[5], "COUNT", "1")[0]
            out["later"] = later
            out["b2"] = caritas.execute_command("BOOK", "PV-Q", "consegna-permesso", p2, "ON", later["date"], "AT", later["time"])
            out["b3"] = error(lambda: caritas.execute_command("BOOK", "PV-Q", "consegna-permesso", p3))
            # The reminder, by pratica or by appointment, in the language asked.
            out["reminder_text"] = caritas.execute_command("PRINT", "REMINDER", p1, "LANG", "it")
            out["reminder_html"] = caritas.execute_command("PRINT", "REMINDER", out["b2"]["appointment"], "LANG", "ar", "FORMAT", "html")
            out["reminder_ics"] = caritas.execute_command("PRINT", "REMINDER", p2, "FORMAT", "ics")
            out["reminder_other_body"] = error(lambda: cisl.execute_command("PRINT", "REMINDER", p1))
            out["reminder_none"] = error(lambda: caritas.execute_command("PRINT", "REMINDER", p3))
            out["convocation_of_pickup"] = error(lambda: caritas.execute_command("PRINT", "CONVOCATION", out["b1"]["appointment"]))
            # What the Questura saw live.
            seen, deadline = [], time.time() + 10
            while len([m for m in seen if m.get("event") == "appointment-booked" and m.get("service") == "consegna-permesso"]) < 2 and time.time() < deadline:
                m = watcher.get_message(timeout=1)
                if m and m["type"] == "message":
                    seen.append(json.loads(m["data"]))
            out["seen"] = seen
            # The day's list, as the Questura prints it.
            out["agenda"] = questura.execute_command("AGENDA", "PV-Q", out["b1"]["date"])
            out["list_csv"] = questura.execute_command("DAYLIST", "PV-Q", out["b1"]["date"], "AGENDA")
            out["list_html"] = questura.execute_command("DAYLIST", "PV-Q", out["b1"]["date"], "AGENDA", "FORMAT", "html")
            out["body_list"] = error(lambda: caritas.execute_command("DAYLIST", "PV-Q", out["b1"]["date"], "AGENDA"))
            # STATUS: anyone, no password.
            public = redis.Redis(host="127.0.0.1", port=port, decode_responses=True, protocol=2)
            def status(p, surname, name, birth, day):
                return public.execute_command("STATUS", surname, name, birth, day)
            a = [json.loads(x) for x in sys.argv[6:9]]
            out["status"] = [
                status(p1, a[0][2], a[0][3], a[0][4], out["fingerprints"][0]),
                status(p3, a[2][2], a[2][3], a[2][4], out["fingerprints"][2]),
                status(p1, a[0][2], a[0][3], a[0][4], "2001-01-01"),
                status(p1, "Nobody", "At All", "1970-01-01", out["fingerprints"][0]),
            ]
            print(json.dumps(out))
            """#
        let offerDay = try #require(Day(Self.romeTodayAwayFromMidnight()))
        let weekLater = offerDay.adding(days: 7).description
        let encoded = try applicants.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        let out = try Self.runPython(script, [String(node.port)] + applicants.map { $0[0] } + [weekLater] + encoded,
                                     in: scratch)

        #expect(out["ready"] as? [String] == ["ready", "ready"])
        #expect(out["subscribed"] as? String == "subscribe")
        #expect(out["permits"] as? [String] == ["ready", "ready", "not-ready"], "the body sees which permits are ready")
        let offer = try #require(out["offer"] as? [String: Any])
        let first = try #require(out["b1"] as? [String: String])
        #expect(first["date"] == offer["date"] as? String && first["time"] == offer["time"] as? String,
                "BOOK takes the first free day and hour FIRSTFREE offered: \(first) \(offer)")
        #expect(first["bookedBy"] == "CARITAS-PV")
        let second = try #require(out["b2"] as? [String: String])
        let later = try #require(out["later"] as? [String: Any])
        #expect(second["date"] == later["date"] as? String && (second["date"] ?? "") >= weekLater, "\(second)")
        #expect((out["b3"] as? String)?.hasPrefix("NOTREADY") == true, "\(out["b3"] ?? "")")

        let text = try #require(out["reminder_text"] as? String)
        #expect(text.hasPrefix("Questura di Pavia\nUfficio Immigrazione, Questura di Pavia, Pavia\n") && text.contains("PROMEMORIA"), "\(text)")
        #expect(text.contains(first["appointment"] ?? "?") && text.replacingOccurrences(of: "\n   ", with: " ").contains("rilevamento delle impronte digitali"))
        let html = try #require(out["reminder_html"] as? String)
        #expect(html.contains("<html lang=\"ar\" dir=\"rtl\">") && html.contains("تذكير") && html.contains(second["appointment"] ?? "?"))
        let ics = try #require(out["reminder_ics"] as? String)
        #expect(ics.contains("UID:\(second["appointment"] ?? "?")@agenda.PV-Q"))
        #expect((out["reminder_other_body"] as? String)?.hasPrefix("NOPERM") == true, "\(out["reminder_other_body"] ?? "")")
        #expect((out["reminder_none"] as? String)?.hasPrefix("NOTFOUND") == true, "\(out["reminder_none"] ?? "")")
        #expect((out["convocation_of_pickup"] as? String)?.hasPrefix("CONFLICT") == true)

        // Seen live by the Questura: both pickups, as they were booked.
        let seen = (out["seen"] as? [[String: Any]] ?? []).filter { $0["service"] as? String == "consegna-permesso" }
        let expected = Set([first["appointment"], second["appointment"]].compactMap { $0 })
        #expect(Set(seen.compactMap { $0["appointment"] as? String }) == expected, "\(out["seen"] ?? "")")
        #expect(seen.allSatisfy { $0["event"] as? String == "appointment-booked" && $0["office"] as? String == "PV-Q" })

        // The day's list holds what AGENDA shows, in the same order, and ends with the head.
        let agenda = (out["agenda"] as? [[String: String]] ?? []).compactMap { $0["appointment"] }
        #expect(agenda.contains(first["appointment"] ?? "?"))
        let csv = try #require(out["list_csv"] as? String)
        let rows = csv.components(separatedBy: "\r\n").dropLast()
        #expect(rows.first?.hasPrefix("time,service,appointment,") == true)
        #expect(rows.dropFirst().dropLast(2).map { String($0.split(separator: ",")[2]) } == agenda, "\(csv)")
        #expect(rows.dropLast().last?.hasPrefix("#head,") == true && rows.dropLast().last?.contains(",as-of,") == true)
        #expect(rows.last?.hasPrefix("#signed-head,") == true)
        #expect((out["list_html"] as? String)?.contains("@page { size: A4 landscape;") == true)
        #expect((out["body_list"] as? String)?.hasPrefix("NOPERM") == true)

        #expect(out["status"] as? [String] == ["ready", "not-ready", "unknown", "unknown"], "\(out["status"] ?? "")")
    }
}
