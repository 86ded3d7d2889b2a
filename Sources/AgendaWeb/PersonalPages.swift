import AgendaServer
import Documents
import Engine
import Events
import Foundation
import Hummingbird
import Projections

/// The signed-in pages: an applicant's own appointments, an affiliated body's bookings and
/// pickups, the SUI's search and booking, and the changes they send (book, move, cancel).
/// Every change is a command through `NodeContext.submit`; the engine decides and records it,
/// a refusal (who may act included) as well. No pratica number or name goes in a URL.
extension Portal {
    func personalRoutes(_ router: Router<WebContext>) {
        router.get("{lang}/me") { request, context in
            let visit = try await self.page(request, context, rest: "me")
            return try await self.me(visit)
        }
        router.get("{lang}/days") { request, context in
            let visit = try await self.page(request, context, rest: "days")
            return await self.days(visit, request)
        }
        router.post("{lang}/book") { request, context in
            try await self.change(request, context) { visit, fields in await self.book(visit, fields) }
        }
        router.post("{lang}/pickup-booking") { request, context in
            try await self.change(request, context) { visit, fields in await self.pickupBooking(visit, fields) }
        }
        router.post("{lang}/move") { request, context in
            try await self.change(request, context) { visit, fields in await self.move(visit, fields) }
        }
        router.post("{lang}/cancel") { request, context in
            try await self.change(request, context) { visit, fields in await self.cancel(visit, fields) }
        }
        router.post("{lang}/find") { request, context in
            try await self.change(request, context) { visit, fields in await self.find(visit, fields) }
        }
        router.get("{lang}/appointments/{id}/convocation") { request, context in
            try await self.printed(request, context, .convocation, format: .html)
        }
        router.get("{lang}/appointments/{id}/convocation.ics") { request, context in
            try await self.printed(request, context, .convocation, format: .ics)
        }
        router.get("{lang}/appointments/{id}/reminder") { request, context in
            try await self.printed(request, context, .pickupReminder, format: .html)
        }
    }

    /// A POST from a signed-in page: the visit, its CSRF check, then `body` with the fields.
    func change(_ request: Request, _ context: WebContext,
                _ body: (Visit, [String: String]) async -> Response) async throws -> Response {
        let visit = try await page(request, context, rest: "me")
        guard visit.account != nil else { return signInFirst(visit) }
        switch try await postedForm(request, visit) {
        case .failure(let refusal): return refused(visit, refusal, title: visit.page.t(.myPage))
        case .success(let fields): return await body(visit, fields)
        }
    }

    // MARK: - My page

    func me(_ visit: Visit) async throws -> Response {
        guard let account = visit.account else { return signInFirst(visit) }
        switch account.spec.role {
        case .applicant: return await applicantPage(visit, account)
        case .body: return await bodyPage(visit, account)
        case .sui: return respond(visit, title: visit.page.t(.suiTitle), findForm(visit.page))
        case .questura:
            guard let office = account.spec.office else { return deskChoice(visit, account) }
            return Portal.redirect(visit.page.path("desk/\(office.rawValue)/\(node.today)"))
        case .prefettura, .audit, .admin:
            return deskChoice(visit, account)
        }
    }

    /// Staff who serve several offices: a desk link per office the engine lets them read, and the search.
    func deskChoice(_ visit: Visit, _ account: AccountView) -> Response {
        let p = visit.page
        let today = node.today
        let links = node.store.offices.keys.sorted { $0.rawValue < $1.rawValue }
            .filter { node.refusal(reading: .officeDay($0, verb: "agenda"), by: account) == nil }
            .map { "<li><a href=\"\(p.path("desk/\($0.rawValue)/\(today)"))\">\(HTML.escape(node.store.offices[$0]?.configuration.name ?? $0.rawValue))</a></li>" }
            .joined()
        return respond(visit, title: p.t(.myPage), "<h2>\(HTML.escape(p.t(.chooseDesk)))</h2><ul id=\"desks\">\(links)</ul>"
                       + "<h2>\(HTML.escape(p.t(.find)))</h2>" + findForm(p))
    }

    /// The applicant's pratica and its appointments, read in the writer's order.
    func applicantPage(_ visit: Visit, _ account: AccountView) async -> Response {
        let p = visit.page
        let own = account.ownPratica ?? PraticaID("")
        let found = await node.query { views -> [AppointmentView]? in
            guard let pratica = views.pratiche[own] else { return nil }
            return pratica.appointments.compactMap { views.appointments[$0] }
        }
        let appointments: [AppointmentView]
        switch found {
        case .failure(let refusal): return refused(visit, refusal, title: p.t(.myPage))
        case .success(nil): return refused(visit, Refusal(.unknownPratica(own)), title: p.t(.myPage))
        case .success(let list?): appointments = list.filter { $0.state != .cancelled }
        }
        let body = "<h2>\(HTML.escape(p.t(.appointments)))</h2>" + appointmentTable(p, appointments, id: "appointments")
            + "<h2>\(HTML.escape(p.t(.book)))</h2>" + bookForm(p, pratica: nil)
        return respond(visit, title: p.t(.myPage), body)
    }

    /// A body's own upcoming bookings and its applicants' ready permits, with the pickup form.
    func bodyPage(_ visit: Visit, _ account: AccountView) async -> Response {
        let p = visit.page
        let body = account.spec.body
        // Its bookings from a month back: the ready permits are of the pratiche it booked for.
        let from = node.today.adding(days: -Portal.bodyLookbackDays)
        let today = node.today
        let found = await node.query { views -> ([AppointmentView], [PraticaView]) in
            let booked = Queries.bookings(views, bookedBy: body, from: from)
            return (booked.filter { $0.day >= today }, Queries.readyPermits(views, of: booked))
        }
        let bookings: [AppointmentView]
        let ready: [PraticaView]
        switch found {
        case .failure(let refusal): return refused(visit, refusal, title: p.t(.bodyTitle))
        case .success(let answer): (bookings, ready) = answer
        }
        var html = "<h2>\(HTML.escape(p.t(.readyPermits)))</h2>"
        if ready.isEmpty {
            html += "<table id=\"ready-permits\"><tbody></tbody></table><p>\(HTML.escape(p.t(.noReadyPermits)))</p>"
        } else {
            html += "<table id=\"ready-permits\"><thead><tr><th>\(HTML.escape(p.t(.pratica)))</th><th>"
                + HTML.escape(p.t(.applicantLabel)) + "</th></tr></thead><tbody>"
            for pratica in ready {
                html += "<tr data-pratica=\"\(HTML.escape(pratica.applicant.pratica.rawValue))\"><td>"
                    + HTML.escape(pratica.applicant.pratica.rawValue) + "</td><td>"
                    + HTML.escape("\(pratica.applicant.surname) \(pratica.applicant.name)") + "</td></tr>"
            }
            html += "</tbody></table>"
        }
        html += "<h2>\(HTML.escape(p.t(.pickupTitle)))</h2>" + pickupForm(p)
        html += "<h2>\(HTML.escape(p.t(.bookings)))</h2>" + appointmentTable(p, bookings, id: "bookings")
        html += "<h2>\(HTML.escape(p.t(.book)))</h2>" + bookForm(p, pratica: "")
        return respond(visit, title: p.t(.bodyTitle) + " — " + account.spec.body, html)
    }

    /// How far back a body's page looks for the bookings whose permits may now be ready.
    static let bodyLookbackDays = 31
    /// How many days with room the days page lists.
    static let freeDaysShown = 14

    // MARK: - Tables and forms

    func appointmentTable(_ p: PageContext, _ appointments: [AppointmentView], id: String) -> String {
        guard !appointments.isEmpty else {
            return "<table id=\"\(id)\"><tbody></tbody></table><p class=\"empty\">\(HTML.escape(p.t(.noAppointments)))</p>"
        }
        let today = node.today
        let offices = node.store.offices
        var html = "<table id=\"\(id)\"><thead><tr><th>\(HTML.escape(p.t(.date)))</th><th>\(HTML.escape(p.t(.time)))</th>"
            + "<th>\(HTML.escape(p.t(.office)))</th><th>\(HTML.escape(p.t(.service)))</th><th>\(HTML.escape(p.t(.state)))</th>"
            + "<th>\(HTML.escape(p.t(.actions)))</th></tr></thead><tbody>"
        for appointment in appointments {
            let office = offices[appointment.office]?.configuration
            let service = office?.service(appointment.service)
            let idText = HTML.escape(appointment.id.rawValue)
            html += "<tr data-appointment=\"\(idText)\"><td class=\"date\">\(appointment.day)</td>"
                + "<td class=\"time\">\(appointment.time)</td><td>\(HTML.escape(office?.name ?? appointment.office.rawValue))</td>"
                + "<td>\(HTML.escape(service?.name ?? appointment.service.rawValue))</td>"
                + "<td class=\"state\" data-state=\"\(appointment.state.description)\">\(HTML.escape(p.stateWord(appointment, today: today)))</td><td>"
            if service?.requiresReadyPermit == true {
                html += "<a class=\"reminder\" href=\"\(p.path("appointments/\(idText)/reminder"))\">\(HTML.escape(p.t(.reminder)))</a> "
            } else {
                html += "<a class=\"convocation\" href=\"\(p.path("appointments/\(idText)/convocation"))\">\(HTML.escape(p.t(.convocation)))</a> "
            }
            html += "<a class=\"ics\" href=\"\(p.path("appointments/\(idText)/convocation.ics"))\" download>\(HTML.escape(p.t(.calendarFile)))</a>"
            if appointment.state == .booked && appointment.day >= today {
                let field = "move-date-\(idText)"
                html += p.form("move", cssClass: "move-form",
                               PageContext.hidden("appointment", appointment.id.rawValue)
                               + "<label for=\"\(field)\">\(HTML.escape(p.t(.moveHint)))</label>"
                               + "<input type=\"date\" name=\"date\" id=\"\(field)\"> " + PageContext.button(p.t(.move)))
                html += p.form("cancel", cssClass: "cancel-form",
                               PageContext.hidden("appointment", appointment.id.rawValue) + PageContext.button(p.t(.cancel)))
            }
            html += "</td></tr>"
        }
        return html + "</tbody></table>"
    }

    func officeOptions(kind: OfficeConfiguration.Kind? = nil) -> [(value: String, label: String)] {
        node.store.offices.values.filter { kind == nil || $0.configuration.kind == kind }
            .sorted { $0.configuration.office.rawValue < $1.configuration.office.rawValue }
            .map { ($0.configuration.office.rawValue, $0.configuration.name) }
    }

    func serviceOptions() -> [(value: String, label: String)] {
        var seen: Set<String> = []
        var options: [(value: String, label: String)] = []
        for view in node.store.offices.values.sorted(by: { $0.configuration.office.rawValue < $1.configuration.office.rawValue }) {
            for service in view.configuration.services where seen.insert(service.id.rawValue).inserted {
                options.append((service.id.rawValue, service.name))
            }
        }
        return options.sorted { $0.value < $1.value }
    }

    /// `pratica`: nil for an applicant (its own), "" for a field to fill in, else a hidden field.
    func bookForm(_ p: PageContext, pratica: String?) -> String {
        var fields = PageContext.hidden("requestId", Sessions.randomToken())
        switch pratica {
        case nil: break
        case ""?: fields += PageContext.field(p.t(.pratica), name: "pratica", id: "book-pratica", required: true)
        case let id?: fields += PageContext.hidden("pratica", id)
        }
        fields += PageContext.select(p.t(.office), name: "office", id: "book-office",
                                     options: officeOptions(kind: .questura) + officeOptions(kind: .sui))
        fields += PageContext.select(p.t(.service), name: "service", id: "book-service", options: serviceOptions())
        fields += PageContext.field(p.t(.bookHint), name: "date", id: "book-date", type: "date")
        return p.form("book", id: "book-form", fields + PageContext.button(p.t(.book)))
            + "<p><a id=\"free-days\" href=\"\(p.path("days"))\">\(HTML.escape(p.t(.firstFree)))…</a></p>"
    }

    func pickupForm(_ p: PageContext) -> String {
        p.form("pickup-booking", id: "pickup-form",
               "<p>\(HTML.escape(p.t(.pickupHint)))</p>" + PageContext.hidden("requestId", Sessions.randomToken())
               + PageContext.select(p.t(.office), name: "office", id: "pickup-office", options: officeOptions(kind: .questura))
               + PageContext.field(p.t(.pratica), name: "pratica", id: "pickup-pratica", required: true)
               + PageContext.field(p.t(.surname), name: "surname", id: "pickup-surname", required: true)
               + PageContext.field(p.t(.givenName), name: "name", id: "pickup-name", required: true)
               + PageContext.field(p.t(.bookHint), name: "date", id: "pickup-date", type: "date")
               + PageContext.button(p.t(.book)))
    }

    func findForm(_ p: PageContext) -> String {
        p.form("find", id: "find-form",
               PageContext.field(p.t(.findHint), name: "query", id: "find-query", required: true) + PageContext.button(p.t(.find)))
    }

    // MARK: - Days with room

    /// The days with room for a service (GET, office and service in the query: no applicant data).
    func days(_ visit: Visit, _ request: Request) async -> Response {
        let p = visit.page
        guard let account = visit.account else { return signInFirst(visit) }
        let office = OfficeID(request.uri.queryParameters.get("office").map { String($0) } ?? "")
        let service = ServiceID(request.uri.queryParameters.get("service").map { String($0) } ?? "")
        var html = "<form method=\"get\" action=\"\(p.path("days"))\" id=\"days-form\">"
            + PageContext.select(p.t(.office), name: "office", id: "days-office",
                                 options: officeOptions(kind: .questura) + officeOptions(kind: .sui), selected: office.rawValue)
            + PageContext.select(p.t(.service), name: "service", id: "days-service", options: serviceOptions(),
                                 selected: service.rawValue)
            + PageContext.button(p.t(.show)) + "</form>"
        if let refusal = node.refusal(reading: .firstFree, by: account) {
            return refused(visit, refusal, title: p.t(.firstFree), body: html)
        }
        // Before a choice, the form alone.
        if office.rawValue.isEmpty || service.rawValue.isEmpty { return respond(visit, title: p.t(.firstFree), html) }
        let now = node.now
        let channel = Channel(role: account.spec.role)
        let found = await node.query { views in
            Queries.freeDays(views, office: office, service: service, notBefore: nil, count: Portal.freeDaysShown, now: now,
                             channel: channel)
        }
        switch found {
        case .failure(let refusal): return refused(visit, refusal, title: p.t(.firstFree), body: html)
        case .success(.failure(let rejection)): return refused(visit, Refusal(rejection), title: p.t(.firstFree), body: html)
        case .success(.success(let days)):
            html += "<ul id=\"days\">" + days.map { "<li data-date=\"\($0)\">\($0) — \(HTML.escape(p.weekday(Int($0.weekday.rawValue))))</li>" }
                .joined() + "</ul>"
            return respond(visit, title: p.t(.firstFree), html)
        }
    }

    // MARK: - Changes

    /// An optional date field: nil when empty, SYNTAX when not a date.
    static func optionalDay(_ text: String?, _ what: String) throws(ArgumentError) -> Day? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return try Arguments.day(text, what)
    }

    /// The form's request id (a repeat of the same form books once), or none.
    static func requestID(_ fields: [String: String]) throws(ArgumentError) -> String {
        guard let id = fields["requestId"], !id.isEmpty else { return "" }
        return try Arguments.id(id, "request id")
    }

    func book(_ visit: Visit, _ fields: [String: String]) async -> Response {
        guard let account = visit.account else { return signInFirst(visit) }
        let p = visit.page
        let request: BookRequest
        let requestID: String
        do throws(ArgumentError) {
            // A SUI or a body names the pratica; an applicant's is its own.
            let pratica = try Portal.required(fields["pratica"] ?? account.ownPratica?.rawValue, "pratica")
            request = BookRequest(office: OfficeID(try Arguments.id(try Portal.required(fields["office"], "office"), "office")),
                                  service: ServiceID(try Arguments.id(try Portal.required(fields["service"], "service"), "service")),
                                  pratica: PraticaID(try Arguments.id(pratica, "pratica")),
                                  notBefore: nil, on: try Portal.optionalDay(fields["date"], "date"), at: nil, orExisting: false)
            requestID = try Portal.requestID(fields)
        } catch {
            return refused(visit, Refusal(code: error.code, message: error.message), title: p.t(.book))
        }
        return await booked(visit, account, request, requestID: requestID)
    }

    /// Books and shows the booking: an applicant back on its page with the notice, anyone else
    /// a page with the appointment, whether the engine deferred it, and what to print.
    func booked(_ visit: Visit, _ account: AccountView, _ request: BookRequest, requestID: String) async -> Response {
        let p = visit.page
        switch await node.submit(.book(request), as: account, requestID: requestID) {
        case .failure(let refusal):
            logRefusal(refusal, account, "book")
            return refused(visit, refusal, title: p.t(.book))
        case .success(let decision):
            guard case .appointmentBooked(let booked)? = decision.record.outcome.events.first else {
                return refused(visit, Refusal(code: "INTERNAL", message: "BOOK was accepted without a booking; tell the administrator."),
                               title: p.t(.book))
            }
            let when = "\(booked.day) \(booked.time)"
            if account.spec.role == .applicant {
                return done(visit, to: "me", notice: "\(p.t(.booked)): \(when)" + (booked.deferred ? " — \(p.t(.deferredNote))" : ""))
            }
            let service = node.store.offices[booked.office]?.configuration.service(booked.service)
            let id = HTML.escape(booked.appointment.rawValue)
            var html = "<p id=\"booked\" data-appointment=\"\(id)\" data-date=\"\(booked.day)\" data-time=\"\(booked.time)\">"
                + "\(HTML.escape(p.t(.booked))): <strong>\(when)</strong> — \(HTML.escape(service?.name ?? booked.service.rawValue)), "
                + "\(HTML.escape(node.store.offices[booked.office]?.configuration.name ?? booked.office.rawValue)) "
                + "(\(HTML.escape(p.t(.pratica))) \(HTML.escape(booked.pratica.rawValue)))</p>"
            if booked.deferred { html += "<p id=\"deferred\">\(HTML.escape(p.t(.deferredNote))) (\(booked.requestedDay))</p>" }
            html += service?.requiresReadyPermit == true
                ? "<p><a class=\"reminder\" href=\"\(p.path("appointments/\(id)/reminder"))\">\(HTML.escape(p.t(.reminder)))</a></p>"
                : "<p><a class=\"convocation\" href=\"\(p.path("appointments/\(id)/convocation"))\">\(HTML.escape(p.t(.convocation)))</a></p>"
            html += "<p><a href=\"\(p.path("me"))\">\(HTML.escape(p.t(.myPage)))</a></p>"
            return respond(visit, title: p.t(.booked), notice: p.t(.changed), html)
        }
    }

    /// A body books a pickup: the applicant's surname and name must be the pratica's
    /// (`Queries.applicantMatches`); whether the permit is ready is the engine's rule (NOTREADY).
    func pickupBooking(_ visit: Visit, _ fields: [String: String]) async -> Response {
        guard let account = visit.account else { return signInFirst(visit) }
        let p = visit.page
        let office: OfficeID
        let pratica: PraticaID
        let surname: String
        let name: String
        let day: Day?
        let requestID: String
        do throws(ArgumentError) {
            office = OfficeID(try Arguments.id(try Portal.required(fields["office"], "office"), "office"))
            pratica = PraticaID(try Arguments.id(try Portal.required(fields["pratica"], "pratica"), "pratica"))
            surname = try Arguments.text(try Portal.required(fields["surname"], "surname"), "surname")
            name = try Arguments.text(try Portal.required(fields["name"], "name"), "name")
            day = try Portal.optionalDay(fields["date"], "date")
            requestID = try Portal.requestID(fields)
        } catch {
            return refused(visit, Refusal(code: error.code, message: error.message), title: p.t(.pickupTitle), body: pickupForm(p))
        }
        guard let service = node.store.offices[office]?.configuration.services.first(where: \.requiresReadyPermit) else {
            return refused(visit, Refusal(code: "NOTFOUND", message: "\(office) has no pickup service; choose another office."),
                           title: p.t(.pickupTitle), body: pickupForm(p))
        }
        switch await node.query({ views in Queries.applicantMatches(views, pratica: pratica, surname: surname, name: name) }) {
        case .failure(let refusal):
            return refused(visit, refusal, title: p.t(.pickupTitle), body: pickupForm(p))
        case .success(false):
            return refused(visit, Refusal(code: "MISMATCH", message: "The surname and name are not those of pratica "
                                          + "\(pratica)'s applicant; check them against the receipt."),
                           title: p.t(.pickupTitle), body: pickupForm(p))
        case .success(true):
            let request = BookRequest(office: office, service: service.id, pratica: pratica, notBefore: nil, on: day, at: nil,
                                      orExisting: false)
            return await booked(visit, account, request, requestID: requestID)
        }
    }

    func appointmentField(_ fields: [String: String]) throws(ArgumentError) -> AppointmentID {
        AppointmentID(try Arguments.id(try Portal.required(fields["appointment"], "appointment"), "appointment"))
    }

    func move(_ visit: Visit, _ fields: [String: String]) async -> Response {
        guard let account = visit.account else { return signInFirst(visit) }
        let p = visit.page
        let id: AppointmentID
        let target: DeferTarget
        do throws(ArgumentError) {
            id = try appointmentField(fields)
            target = try Portal.optionalDay(fields["date"], "date").map { .day($0, at: nil) } ?? .nextFree
        } catch {
            return refused(visit, Refusal(code: error.code, message: error.message), title: p.t(.move))
        }
        switch await node.submit(.deferAppointment(id, to: target, reason: ""), as: account) {
        case .failure(let refusal):
            logRefusal(refusal, account, "move \(id)")
            return refused(visit, refusal, title: p.t(.move))
        case .success(let decision):
            let moved = decision.subjects.appointments.first { $0.id == id }
            return done(visit, to: "me", notice: "\(p.t(.changed)) \(moved.map { "\($0.day) \($0.time)" } ?? "")")
        }
    }

    func cancel(_ visit: Visit, _ fields: [String: String]) async -> Response {
        guard let account = visit.account else { return signInFirst(visit) }
        let p = visit.page
        let id: AppointmentID
        do throws(ArgumentError) {
            id = try appointmentField(fields)
        } catch {
            return refused(visit, Refusal(code: error.code, message: error.message), title: p.t(.cancel))
        }
        switch await node.submit(.cancel(id, reason: ""), as: account) {
        case .failure(let refusal):
            logRefusal(refusal, account, "cancel \(id)")
            return refused(visit, refusal, title: p.t(.cancel))
        case .success:
            return done(visit, to: "me", notice: p.t(.changed))
        }
    }

    /// A refusal in the node's log beside the log's own record of it: who, what, which code.
    /// Ids only (appointments, offices), never an applicant's name.
    func logRefusal(_ refusal: Refusal, _ account: AccountView, _ what: String) {
        node.logger.notice("refused (portal)", metadata: ["account": "\(account.spec.name)", "what": "\(what)",
                                                          "code": "\(refusal.code)"])
    }

    // MARK: - The SUI's search

    func find(_ visit: Visit, _ fields: [String: String]) async -> Response {
        guard let account = visit.account else { return signInFirst(visit) }
        let p = visit.page
        let query: String
        do throws(ArgumentError) {
            query = try Arguments.id(try Portal.required(fields["query"], "numero di pratica or numero di visto"), "query")
        } catch {
            return refused(visit, Refusal(code: error.code, message: error.message), title: p.t(.find), body: findForm(p))
        }
        if let refusal = node.refusal(reading: .operators(verb: "lookup"), by: account) {
            logRefusal(refusal, account, "find")
            return refused(visit, refusal, title: p.t(.find), body: findForm(p))
        }
        let found = await node.query { views -> (PraticaView, [AppointmentView])? in
            let id = views.pratiche[PraticaID(query)] != nil ? PraticaID(query) : views.pratica(forVisto: query)
            guard let id, let pratica = views.pratiche[id].map(views.opened) else { return nil }
            return (pratica, pratica.appointments.compactMap { views.appointments[$0] })
        }
        switch found {
        case .failure(let refusal):
            return refused(visit, refusal, title: p.t(.find), body: findForm(p))
        case .success(nil):
            return refused(visit, Refusal(code: "NOTFOUND", message: "No pratica has that numero di pratica or numero di visto; "
                                          + "check the number."), title: p.t(.find), body: findForm(p))
        case .success(let (pratica, appointments)?):
            let applicant = pratica.applicant
            let id = HTML.escape(applicant.pratica.rawValue)
            let permit = pratica.permitDelivered ? "delivered" : pratica.permitReady ? "ready" : "not-ready"
            var html = "<dl id=\"pratica\" data-pratica=\"\(id)\"><dt>\(HTML.escape(p.t(.pratica)))</dt><dd>\(id)</dd>"
                + "<dt>\(HTML.escape(p.t(.applicantLabel)))</dt><dd>\(HTML.escape("\(applicant.surname) \(applicant.name)"))</dd>"
                + "<dt>\(HTML.escape(p.t(.birthDate)))</dt><dd>\(applicant.birthDate)</dd>"
                + "<dt>\(HTML.escape(p.t(.visto)))</dt><dd>\(HTML.escape(applicant.visto))</dd>"
                + "<dt>\(HTML.escape(p.t(.permit)))</dt><dd data-permit=\"\(permit)\">\(permit)</dd></dl>"
            html += "<h2>\(HTML.escape(p.t(.appointments)))</h2>"
                + appointmentTable(p, appointments.filter { $0.state != .cancelled }, id: "appointments")
            html += "<h2>\(HTML.escape(p.t(.book)))</h2>" + bookForm(p, pratica: applicant.pratica.rawValue)
            html += "<h2>\(HTML.escape(p.t(.find)))</h2>" + findForm(p)
            return respond(visit, title: "\(p.t(.praticaFound)) \(applicant.pratica.rawValue)", html)
        }
    }

    // MARK: - Printed notes

    /// The convocation (HTML, or its `.ics`) or the pickup reminder, as the engine lets the
    /// account read it: an applicant its own pratica's, a body its own bookings', staff any.
    func printed(_ request: Request, _ context: WebContext, _ kind: AppointmentNote.Kind,
                 format: PrintedDocuments.NoteFormat) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let visit = try await page(request, context, rest: "me")
        guard let account = visit.account else { return signInFirst(visit) }
        let title = kind == .convocation ? visit.page.t(.convocation) : visit.page.t(.reminder)
        let target: String
        do throws(ArgumentError) {
            target = try Arguments.id(id, "appointment")
        } catch {
            return refused(visit, Refusal(code: error.code, message: error.message), title: title)
        }
        switch await PrintedDocuments.note(kind, target: target, language: visit.language.document, format: format,
                                           account: account, node: node) {
        case .failure(let refusal):
            logRefusal(refusal, account, "print \(target)")
            return refused(visit, refusal, title: title)
        case .success(let text):
            return format == .ics
                ? Portal.document(text, type: "text/calendar; charset=utf-8", attachment: "convocazione-\(target).ics")
                : Portal.document(text)
        }
    }
}
