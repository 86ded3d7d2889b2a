import AgendaServer
import Documents
import Engine
import Events
import Foundation
import Hummingbird
import NIOCore
import Projections

/// The Questura's desk in a browser: the day's appointments, kept up to date by the office's
/// events (server-sent, `/events/{office}`), with attendance, permits ready, pickups, closing a
/// day and its printed list. Who may do each is the engine's rule, as at the RESP desk.
extension Portal {
    func deskRoutes(_ router: Router<WebContext>) {
        router.get("{lang}/desk/{office}") { request, context in
            // The date picker's GET: to the day's own address.
            let visit = try await self.page(request, context, rest: "me", session: false)
            let office = context.parameters.get("office") ?? ""
            let date = request.uri.queryParameters.get("date").flatMap { Day(String($0)) } ?? self.node.today
            return Portal.redirect(visit.page.path("desk/\(office)/\(date)"))
        }
        router.get("{lang}/desk/{office}/{date}") { request, context in
            try await self.desk(request, context, rowsOnly: false)
        }
        router.get("{lang}/desk/{office}/{date}/rows") { request, context in
            try await self.desk(request, context, rowsOnly: true)
        }
        router.get("{lang}/desk/{office}/{date}/list") { request, context in
            try await self.dayList(request, context)
        }
        for action in DeskAction.allCases {
            router.post("{lang}/desk/\(action.rawValue)") { request, context in
                try await self.change(request, context) { visit, fields in await self.deskChange(action, visit, fields) }
            }
        }
        router.post("{lang}/desk/close") { request, context in
            try await self.change(request, context) { visit, fields in await self.closeDay(visit, fields) }
        }
    }

    /// The office and day a desk page names, checked, and whether the account may read that day.
    func deskDay(_ visit: Visit, _ officeText: String?, _ date: String?) -> Result<(OfficeID, Day), Refusal> {
        guard let account = visit.account else { return .failure(Refusal(code: "NOAUTH", message: "Sign in first.")) }
        let office: OfficeID
        let day: Day
        do throws(ArgumentError) {
            office = OfficeID(try Arguments.id(officeText ?? "", "office"))
            day = try Arguments.day(date ?? "", "date")
        } catch {
            return .failure(Refusal(code: error.code, message: error.message))
        }
        if let refusal = node.refusal(reading: .officeDay(office, verb: "agenda"), by: account) {
            logRefusal(refusal, account, "desk \(office)")
            return .failure(refusal)
        }
        return .success((office, day))
    }

    func desk(_ request: Request, _ context: WebContext, rowsOnly: Bool) async throws -> Response {
        let office = context.parameters.get("office")
        let date = context.parameters.get("date")
        let visit = try await page(request, context, rest: "desk/\(office ?? "")/\(date ?? "")")
        let p = visit.page
        guard visit.account != nil else { return signInFirst(visit) }
        let officeID: OfficeID
        let day: Day
        switch deskDay(visit, office, date) {
        case .failure(let refusal): return refused(visit, refusal, title: p.t(.deskTitle))
        case .success(let found): (officeID, day) = found
        }
        let found = await node.query { views -> Result<[(AppointmentView, PraticaView?)], Rejection> in
            Queries.agenda(views, office: officeID, day: day, service: nil).map { list in
                list.map { ($0, views.pratiche[$0.pratica].map(views.opened)) }
            }
        }
        let rows: [(AppointmentView, PraticaView?)]
        switch found {
        case .failure(let refusal): return refused(visit, refusal, title: p.t(.deskTitle))
        case .success(.failure(let rejection)): return refused(visit, Refusal(rejection), title: p.t(.deskTitle))
        case .success(.success(let list)): rows = list
        }
        let rowsHTML = agendaRows(p, rows, office: officeID, day: day)
        if rowsOnly {
            return Portal.html(.ok, rowsHTML)
        }
        let name = node.store.offices[officeID]?.configuration.name ?? officeID.rawValue
        let base = "desk/\(officeID.rawValue)/\(day)"
        var html = "<form method=\"get\" action=\"\(p.path("desk/\(officeID.rawValue)"))\" id=\"day-form\">"
            + PageContext.field(p.t(.date), name: "date", id: "day-date", type: "date", value: day.description, required: true)
            + PageContext.button(p.t(.show)) + "</form>"
        html += "<p id=\"live\" data-state=\"connecting\" data-events=\"/events/\(HTML.escape(officeID.rawValue))\" "
            + "data-rows=\"\(p.path(base + "/rows"))\" data-open=\"\(HTML.escape(p.t(.liveOpen)))\" "
            + "data-closed=\"\(HTML.escape(p.t(.liveClosed)))\" data-connecting=\"…\">\(HTML.escape(p.t(.live))): "
            + "<span class=\"state\">…</span></p>"
        html += "<table id=\"agenda\"><caption>\(HTML.escape(name)) — \(day)</caption><thead><tr><th>\(HTML.escape(p.t(.time)))</th>"
            + "<th>\(HTML.escape(p.t(.service)))</th><th>\(HTML.escape(p.t(.applicantLabel)))</th><th>\(HTML.escape(p.t(.state)))</th>"
            + "<th>\(HTML.escape(p.t(.actions)))</th></tr></thead><tbody>\(rowsHTML)</tbody></table>"
        html += "<p><a id=\"daylist\" href=\"\(p.path(base + "/list"))\">\(HTML.escape(p.t(.dayList)))</a></p>"
        let services = [(value: "", label: "—")] + (node.store.offices[officeID]?.configuration.services
            .map { (value: $0.id.rawValue, label: $0.name) } ?? [])
        html += "<h2>\(HTML.escape(p.t(.closeDay)))</h2>" + p.form("desk/close", id: "close-form",
            "<p>\(HTML.escape(p.t(.closeHint)))</p>" + PageContext.hidden("office", officeID.rawValue)
            + PageContext.hidden("date", day.description)
            + PageContext.select(p.t(.serviceOptional), name: "service", id: "close-service", options: services)
            + PageContext.field(p.t(.reason), name: "reason", id: "close-reason", required: true)
            + PageContext.button(p.t(.closeDay)))
        return respond(visit, title: "\(p.t(.deskTitle)) — \(name)", scripts: ["/static/live.js"], html)
    }

    /// The agenda's rows, with each row's desk forms (what `/rows` sends the live script).
    func agendaRows(_ p: PageContext, _ rows: [(AppointmentView, PraticaView?)], office: OfficeID, day: Day) -> String {
        let today = node.today
        let services = node.store.offices[office]?.configuration
        var html = ""
        for (appointment, pratica) in rows {
            let id = appointment.id.rawValue
            let back = PageContext.hidden("office", office.rawValue) + PageContext.hidden("date", day.description)
            let applicant = pratica.map { "\($0.applicant.surname) \($0.applicant.name)" } ?? ""
            html += "<tr data-appointment=\"\(HTML.escape(id))\"><td class=\"time\">\(appointment.time)</td>"
                + "<td>\(HTML.escape(services?.service(appointment.service)?.name ?? appointment.service.rawValue))</td>"
                + "<td>\(HTML.escape(applicant)) <small>\(HTML.escape(appointment.pratica.rawValue))</small></td>"
                + "<td class=\"state\" data-state=\"\(appointment.state.description)\">\(HTML.escape(p.stateWord(appointment, today: today)))</td><td>"
            if appointment.state == .booked {
                html += p.form("desk/attend", cssClass: "attend-form", PageContext.hidden("appointment", id) + back
                               + PageContext.button(p.t(.attended)))
                html += p.form("desk/noshow", cssClass: "noshow-form", PageContext.hidden("appointment", id) + back
                               + PageContext.button(p.t(.missed)))
            }
            if let pratica, !pratica.permitReady {
                html += p.form("desk/ready", cssClass: "ready-form", PageContext.hidden("pratica", appointment.pratica.rawValue)
                               + back + PageContext.button(p.t(.permitReady)))
            }
            if let pratica, pratica.permitReady, !pratica.permitDelivered {
                html += p.form("desk/pickup", cssClass: "pickup-form", PageContext.hidden("pratica", appointment.pratica.rawValue)
                               + back + PageContext.button(p.t(.pickup)))
            }
            html += "</td></tr>"
        }
        return html
    }

    enum DeskAction: String, CaseIterable, Sendable { case attend, noshow, ready, pickup }

    func deskChange(_ action: DeskAction, _ visit: Visit, _ fields: [String: String]) async -> Response {
        guard let account = visit.account else { return signInFirst(visit) }
        let p = visit.page
        let command: Command
        let back: String
        do throws(ArgumentError) {
            back = "desk/\(try Arguments.id(fields["office"] ?? "", "office"))/\(try Arguments.day(fields["date"] ?? "", "date"))"
            switch action {
            case .attend: command = .attend(try appointmentField(fields))
            case .noshow: command = .noShow(try appointmentField(fields))
            case .ready: command = .permitReady(PraticaID(try Arguments.id(try Portal.required(fields["pratica"], "pratica"), "pratica")))
            case .pickup: command = .pickup(PraticaID(try Arguments.id(try Portal.required(fields["pratica"], "pratica"), "pratica")))
            }
        } catch {
            return refused(visit, Refusal(code: error.code, message: error.message), title: p.t(.deskTitle))
        }
        switch await node.submit(command, as: account) {
        case .failure(let refusal):
            logRefusal(refusal, account, command.verb)
            return refused(visit, refusal, title: p.t(.deskTitle))
        case .success:
            return done(visit, to: back, notice: p.t(.changed))
        }
    }

    func closeDay(_ visit: Visit, _ fields: [String: String]) async -> Response {
        guard let account = visit.account else { return signInFirst(visit) }
        let p = visit.page
        let office: OfficeID
        let day: Day
        let service: ServiceID?
        let reason: String
        do throws(ArgumentError) {
            office = OfficeID(try Arguments.id(fields["office"] ?? "", "office"))
            day = try Arguments.day(fields["date"] ?? "", "date")
            let named = (fields["service"] ?? "").trimmingCharacters(in: .whitespaces)
            service = named.isEmpty ? nil : ServiceID(try Arguments.id(named, "service"))
            reason = try Arguments.text(try Portal.required(fields["reason"], "reason"), "reason")
        } catch {
            return refused(visit, Refusal(code: error.code, message: error.message), title: p.t(.closeDay))
        }
        switch await node.submit(.closeDay(office: office, day: day, service: service, reason: reason), as: account) {
        case .failure(let refusal):
            logRefusal(refusal, account, "close \(office) \(day)")
            return refused(visit, refusal, title: p.t(.closeDay))
        case .success(let decision):
            let moved = decision.subjects.appointments
            var html = "<p>\(office) — \(day): \(HTML.escape(reason))</p>"
            html += "<table id=\"moved\"><caption>\(HTML.escape(p.t(.moved))) (\(moved.count))</caption><thead><tr><th>"
                + HTML.escape(p.t(.pratica)) + "</th><th>\(HTML.escape(p.t(.date)))</th><th>\(HTML.escape(p.t(.time)))</th></tr></thead><tbody>"
            for appointment in moved {
                html += "<tr data-appointment=\"\(HTML.escape(appointment.id.rawValue))\"><td>\(HTML.escape(appointment.pratica.rawValue))</td>"
                    + "<td class=\"date\">\(appointment.day)</td><td class=\"time\">\(appointment.time)</td></tr>"
            }
            html += "</tbody></table>"
            if moved.isEmpty { html += "<p>\(HTML.escape(p.t(.nothingMoved)))</p>" }
            html += "<p><a href=\"\(p.path("desk/\(office.rawValue)/\(day)"))\">\(HTML.escape(p.t(.deskTitle)))</a></p>"
            return respond(visit, title: p.t(.moved), html)
        }
    }

    /// DAYLIST BOOKED FORMAT html: the appointments fixed that day, with the day's head hash.
    func dayList(_ request: Request, _ context: WebContext) async throws -> Response {
        let visit = try await page(request, context, rest: "me")
        guard visit.account != nil else { return signInFirst(visit) }
        switch deskDay(visit, context.parameters.get("office"), context.parameters.get("date")) {
        case .failure(let refusal): return refused(visit, refusal, title: visit.page.t(.dayList))
        case .success(let (office, day)):
            switch await PrintedDocuments.dayList(office: office, day: day, kind: .booked, format: .html, node: node) {
            case .failure(let refusal): return refused(visit, refusal, title: visit.page.t(.dayList))
            case .success(let text): return Portal.document(text)
            }
        }
    }

    // MARK: - Live updates

    /// Server-sent events: one `data:` line per event touching the office (the JSON of
    /// SUBSCRIBE agenda:OFFICE), a comment every `heartbeatSeconds` so a closed tab is noticed.
    /// The same read rule as SUBSCRIBE.
    func events(_ request: Request, _ context: WebContext) async throws -> Response {
        let office = OfficeID(context.parameters.get("office") ?? "")
        let token = request.cookies[Visit.cookieName]?.value
        guard let name = token.flatMap({ sessions.touch($0) })?.account,
              let account = await node.account(named: name), account.enabled else {
            return Portal.html(.unauthorized, "Sign in first.")
        }
        if let refusal = node.refusal(reading: .officeDay(office, verb: "subscribe"), by: account) {
            logRefusal(refusal, account, "events \(office)")
            return Portal.html(.forbidden, HTML.escape(refusal.message))
        }
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingNewest(Portal.eventsBufferedMax))
        let node = self.node
        let id = node.subscribe(office) { message in
            continuation.yield(ByteBuffer(string: "data: \(message)\n\n"))
        }
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(Portal.heartbeatSeconds))
                continuation.yield(ByteBuffer(string: ": keep-alive\n\n"))
            }
        }
        let streams = self.streams
        streams.add(id, continuation)
        continuation.onTermination = { _ in
            heartbeat.cancel()
            node.unsubscribe(office, id: id)
            streams.remove(id)
        }
        continuation.yield(ByteBuffer(string: "retry: 3000\n: connected\n\n"))
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                        body: ResponseBody(asyncSequence: stream))
    }

    static let heartbeatSeconds = 15
    /// A tab that stops reading loses the oldest events past this, not the node's memory.
    static let eventsBufferedMax = 256
}
