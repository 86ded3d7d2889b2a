import AgendaServer
import Crypto
import Engine
import Events
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import Projections

/// The JSON API (`/api/v1`, docs/openapi.yaml): the portal's actions for municipal and
/// patronato systems. HTTP Basic with the operators' accounts on every route but the public
/// ones; JSON in and out; a refusal is `{"error":{"code","message"}}` with the status its code
/// answers with (`Portal.status(of:)`). The same command layer as the pages and RESP.
enum API {
    struct Failure: Error {
        let status: HTTPResponse.Status
        let refusal: Refusal

        init(_ refusal: Refusal) {
            status = Portal.status(of: refusal.code)
            self.refusal = refusal
        }

        init(_ error: ArgumentError) { self.init(Refusal(code: error.code, message: error.message)) }
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
        }
        let error: Detail
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, code: String, message: String) -> Response {
        var response = json(ErrorBody(error: .init(code: code, message: message)), status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Basic realm=\"agenda\", charset=\"UTF-8\"" }
        return response
    }

    static func error(_ failure: Failure) -> Response {
        error(failure.status, code: failure.refusal.code, message: failure.refusal.message)
    }

    // MARK: - Shapes

    struct Appointment: Encodable {
        let appointment, office, service, pratica, date, time, requestedDate, state, bookedBy: String
        let deferred: Bool
        let seq: UInt64

        init(_ view: AppointmentView, today: Day, seq: UInt64? = nil) {
            appointment = view.id.rawValue
            office = view.office.rawValue
            service = view.service.rawValue
            pratica = view.pratica.rawValue
            date = view.day.description
            time = view.time.description
            requestedDate = view.requestedDay.description
            // As APPT: a booked appointment whose day is over reads missed.
            state = view.isUnmarkedPast(today: today) ? AppointmentState.missed.description : view.state.description
            bookedBy = view.bookedBy
            deferred = view.deferred
            self.seq = seq ?? view.updatedSequence
        }
    }

    struct Pratica: Encodable {
        let pratica, state: String
        let permitReady, permitDelivered: Bool
        let appointments: [Appointment]
        // Only where the caller may see who it is (pratiche/find): personal data.
        let surname, name, birthDate, nationality, visto, office: String?

        init(_ view: PraticaView, appointments: [AppointmentView], today: Day, personal: Bool) {
            let applicant = view.applicant
            pratica = applicant.pratica.rawValue
            state = view.stateName
            permitReady = view.permitReady
            permitDelivered = view.permitDelivered
            self.appointments = appointments.map { Appointment($0, today: today) }
            surname = personal ? applicant.surname : nil
            name = personal ? applicant.name : nil
            birthDate = personal ? applicant.birthDate.description : nil
            nationality = personal ? applicant.nationality : nil
            visto = personal ? applicant.visto : nil
            office = personal ? applicant.office.rawValue : nil
        }
    }

    struct Service: Encodable {
        let service, name: String
        let requiresReadyPermit: Bool
    }

    struct Hours: Encodable {
        let service, weekday: String
        let intervals: [String]
    }

    struct Office: Encodable {
        let office, name, kind, province, address, phone: String
        let services: [Service]
        let hours: [Hours]?

        init(_ view: OfficeView, hours withHours: Bool, offices: [OfficeID: OfficeView]) {
            let configuration = view.configuration
            office = configuration.office.rawValue
            name = configuration.name
            kind = configuration.kind.rawValue
            province = String(Permissions.province(of: configuration.office, offices))
            address = configuration.address
            phone = configuration.phone
            services = configuration.services.map { Service(service: $0.id.rawValue, name: $0.name,
                                                            requiresReadyPermit: $0.requiresReadyPermit) }
            hours = withHours ? configuration.services.flatMap { service in
                service.weekly.enumerated().map { index, intervals in
                    Hours(service: service.id.rawValue, weekday: Weekday(rawValue: UInt8(index)).map { "\($0)" } ?? "",
                          intervals: intervals.map { "\($0.start)-\($0.end)" })
                }
            } : nil
        }
    }

    struct FreeSlot: Encodable {
        let date, time: String
        let free: Int
    }

    struct Status: Encodable { let status: String }

    struct Moved: Encodable { let moved: [Appointment] }

    // MARK: - Requests

    struct BookBody: Decodable {
        let office, service, pratica: String
        let notBefore, date, time, requestId: String?
    }

    struct MoveBody: Decodable { let date, time, reason, requestId: String? }

    struct CancelBody: Decodable { let reason, requestId: String? }

    struct PraticaBody: Decodable { let pratica: String }

    struct FindBody: Decodable { let pratica, visto: String? }

    struct StatusBody: Decodable { let surname, name, birthDate, fingerprintDate: String }

    struct CloseBody: Decodable { let service: String?; let reason: String }

    struct Empty: Decodable {}
}

extension Portal {
    func apiRoutes(_ api: RouterGroup<WebContext>) {
        api.get("offices") { _, _ in
            let offices = self.node.store.offices
            return API.json(offices.values.sorted { $0.configuration.office.rawValue < $1.configuration.office.rawValue }
                .map { API.Office($0, hours: false, offices: offices) })
        }
        api.get("offices/{office}") { _, context in
            let offices = self.node.store.offices
            let id = OfficeID(context.parameters.get("office") ?? "")
            guard let view = offices[id] else { return API.error(API.Failure(Refusal(.unknownOffice(id)))) }
            return API.json(API.Office(view, hours: true, offices: offices))
        }
        api.post("status") { request, context in
            await self.answer {
                let body = try await self.decode(API.StatusBody.self, request)
                let question: StatusQuestion
                do throws(ArgumentError) {
                    question = try StatusQuestion(surname: body.surname, name: body.name, birthDate: body.birthDate,
                                                  fingerprintDate: body.fingerprintDate)
                } catch {
                    throw API.Failure(error)
                }
                let status = try await self.permitStatus(question, from: context.remoteHost).get()
                return API.json(API.Status(status: status.rawValue))
            }
        }
        api.get("offices/{office}/services/{service}/free") { request, context in
            await self.answer {
                let account = try await self.apiAccount(request, context)
                let office = OfficeID(try self.apiID(context.parameters.get("office"), "office"))
                let service = ServiceID(try self.apiID(context.parameters.get("service"), "service"))
                let notBefore = try self.apiDay(request.uri.queryParameters.get("notBefore").map { String($0) }, "notBefore")
                var count = 1
                if let text = request.uri.queryParameters.get("count") {
                    guard let value = Int(String(text)), value >= 1 else {
                        throw API.Failure(Refusal.syntax("count must be a whole number from 1."))
                    }
                    guard value <= Limits.firstFreeCountMax else {
                        throw API.Failure(Refusal(code: "LIMIT", message: "count is at most \(Limits.firstFreeCountMax) (firstFreeCountMax)."))
                    }
                    count = value
                }
                if let refusal = self.node.refusal(reading: .firstFree, by: account) { throw API.Failure(refusal) }
                let now = self.node.now
                let channel = Channel(role: account.spec.role)
                let wanted = count
                let slots = try await self.node.query { views in
                    Queries.firstFree(views, office: office, service: service, notBefore: notBefore, count: wanted, now: now,
                                      channel: channel)
                }.get().mapError(Refusal.init).get()
                return API.json(slots.map { API.FreeSlot(date: $0.day.description, time: $0.time.description, free: $0.free) })
            }
        }
        api.post("appointments") { request, context in
            await self.answer {
                let account = try await self.apiAccount(request, context)
                let body = try await self.decode(API.BookBody.self, request)
                let book: BookRequest
                let requestID: String
                do throws(ArgumentError) {
                    book = BookRequest(office: OfficeID(try Arguments.id(body.office, "office")),
                                       service: ServiceID(try Arguments.id(body.service, "service")),
                                       pratica: PraticaID(try Arguments.id(body.pratica, "pratica")),
                                       notBefore: try body.notBefore.map { (text) throws(ArgumentError) in try Arguments.day(text, "notBefore") },
                                       on: try body.date.map { (text) throws(ArgumentError) in try Arguments.day(text, "date") },
                                       at: try body.time.map { (text) throws(ArgumentError) in try Arguments.time(text) },
                                       orExisting: false)
                    requestID = try body.requestId.map { (text) throws(ArgumentError) in try Arguments.id(text, "requestId") } ?? ""
                } catch {
                    throw API.Failure(error)
                }
                let decision = try await self.node.submit(.book(book), as: account, requestID: requestID).mapError(API.Failure.init).get()
                let view: AppointmentView
                if case .appointmentBooked(let booked)? = decision.record.outcome.events.first {
                    view = AppointmentView(booked: booked, sequence: decision.record.sequence)
                } else if let kept = decision.subjects.appointments.first {
                    view = kept
                } else {
                    throw API.Failure(Refusal(code: "INTERNAL", message: "BOOK was accepted without a booking; tell the administrator."))
                }
                return API.json(API.Appointment(view, today: self.node.today, seq: decision.record.sequence), status: .created)
            }
        }
        api.get("appointments/{id}") { request, context in
            await self.answer {
                let account = try await self.apiAccount(request, context)
                let id = AppointmentID(try self.apiID(context.parameters.get("id"), "appointment"))
                let found = try await self.node.query { views -> Result<AppointmentView, Rejection> in
                    if let refusal = Permissions.refusal(reading: .appointment(id, verb: "appt"), by: account,
                                                         offices: views.offices, appointments: { views.appointments[$0] }) {
                        return .failure(refusal)
                    }
                    guard let view = views.appointments[id] else { return .failure(.unknownAppointment(id)) }
                    return .success(view)
                }.get().mapError(Refusal.init).get()
                return API.json(API.Appointment(found, today: self.node.today))
            }
        }
        api.post("appointments/{id}/move") { request, context in
            await self.answer {
                let account = try await self.apiAccount(request, context)
                let id = AppointmentID(try self.apiID(context.parameters.get("id"), "appointment"))
                let body = try await self.decode(API.MoveBody.self, request)
                let target: DeferTarget
                let reason: String
                let requestID: String
                do throws(ArgumentError) {
                    if let date = body.date {
                        target = .day(try Arguments.day(date, "date"), at: try body.time.map { (text) throws(ArgumentError) in try Arguments.time(text) })
                    } else {
                        guard body.time == nil else { throw .syntax("time goes with date; give both, or neither for the next free slot.") }
                        target = .nextFree
                    }
                    reason = try Arguments.text(body.reason ?? "", "reason")
                    requestID = try body.requestId.map { (text) throws(ArgumentError) in try Arguments.id(text, "requestId") } ?? ""
                } catch {
                    throw API.Failure(error)
                }
                return try await self.appointmentChange(.deferAppointment(id, to: target, reason: reason), id, account, requestID)
            }
        }
        api.post("appointments/{id}/cancel") { request, context in
            await self.answer {
                let account = try await self.apiAccount(request, context)
                let id = AppointmentID(try self.apiID(context.parameters.get("id"), "appointment"))
                let body = try await self.decode(API.CancelBody.self, request)
                let reason: String
                let requestID: String
                do throws(ArgumentError) {
                    reason = try Arguments.text(body.reason ?? "", "reason")
                    requestID = try body.requestId.map { (text) throws(ArgumentError) in try Arguments.id(text, "requestId") } ?? ""
                } catch {
                    throw API.Failure(error)
                }
                return try await self.appointmentChange(.cancel(id, reason: reason), id, account, requestID)
            }
        }
        for (path, attended) in [("attended", true), ("missed", false)] {
            api.post("appointments/{id}/\(path)") { request, context in
                await self.answer {
                    let account = try await self.apiAccount(request, context)
                    let id = AppointmentID(try self.apiID(context.parameters.get("id"), "appointment"))
                    _ = try await self.decode(API.Empty.self, request, emptyIsObject: true)
                    return try await self.appointmentChange(attended ? .attend(id) : .noShow(id), id, account, "")
                }
            }
        }
        for (path, ready) in [("ready", true), ("pickup", false)] {
            api.post("permits/\(path)") { request, context in
                await self.answer {
                    let account = try await self.apiAccount(request, context)
                    let body = try await self.decode(API.PraticaBody.self, request)
                    let id = PraticaID(try self.apiID(body.pratica, "pratica"))
                    let decision = try await self.node.submit(ready ? .permitReady(id) : .pickup(id), as: account)
                        .mapError(API.Failure.init).get()
                    guard let pratica = decision.subjects.pratica else { throw API.Failure(Refusal(.unknownPratica(id))) }
                    let appointments = pratica.appointments.compactMap { decision.subjects.praticaAppointments[$0] }
                    return API.json(API.Pratica(pratica, appointments: appointments, today: self.node.today, personal: false))
                }
            }
        }
        api.post("pratiche/find") { request, context in
            await self.answer {
                let account = try await self.apiAccount(request, context)
                let body = try await self.decode(API.FindBody.self, request)
                guard (body.pratica == nil) != (body.visto == nil) else {
                    throw API.Failure(Refusal.syntax("Give pratica or visto, one of them."))
                }
                if let refusal = self.node.refusal(reading: .operators(verb: "lookup"), by: account) { throw API.Failure(refusal) }
                let pratica = try body.pratica.map { try self.apiID($0, "pratica") }
                let visto = try body.visto.map { try self.apiID($0, "visto") }
                let found = try await self.node.query { views -> (PraticaView, [AppointmentView])? in
                    guard let id = pratica.map({ PraticaID($0) }) ?? visto.flatMap({ views.pratica(forVisto: $0) }),
                          let view = views.pratiche[id].map(views.opened) else { return nil }
                    return (view, view.appointments.compactMap { views.appointments[$0] })
                }.get()
                guard let (view, appointments) = found else {
                    throw API.Failure(Refusal(code: "NOTFOUND", message: "No pratica has that number; check it."))
                }
                if let refusal = self.node.refusal(reading: .pratica(view.applicant.pratica, verb: "pratica"), by: account) {
                    throw API.Failure(refusal)
                }
                return API.json(API.Pratica(view, appointments: appointments, today: self.node.today, personal: true))
            }
        }
        api.get("offices/{office}/days/{date}/appointments") { request, context in
            await self.answer {
                let account = try await self.apiAccount(request, context)
                let office = OfficeID(try self.apiID(context.parameters.get("office"), "office"))
                guard let day = try self.apiDay(context.parameters.get("date"), "date") else { throw API.Failure(Refusal.syntax("The date is empty.")) }
                if let refusal = self.node.refusal(reading: .officeDay(office, verb: "agenda"), by: account) { throw API.Failure(refusal) }
                let list = try await self.node.query { views in
                    Queries.agenda(views, office: office, day: day, service: nil)
                }.get().mapError(Refusal.init).get()
                let today = self.node.today
                return API.json(list.map { API.Appointment($0, today: today) })
            }
        }
        api.post("offices/{office}/days/{date}/close") { request, context in
            await self.answer {
                let account = try await self.apiAccount(request, context)
                let office = OfficeID(try self.apiID(context.parameters.get("office"), "office"))
                guard let day = try self.apiDay(context.parameters.get("date"), "date") else { throw API.Failure(Refusal.syntax("The date is empty.")) }
                let body = try await self.decode(API.CloseBody.self, request)
                let service = try body.service.map { ServiceID(try self.apiID($0, "service")) }
                let reason: String
                do throws(ArgumentError) {
                    reason = try Arguments.text(try Portal.required(body.reason, "reason"), "reason")
                } catch {
                    throw API.Failure(error)
                }
                let decision = try await self.node.submit(.closeDay(office: office, day: day, service: service, reason: reason),
                                                          as: account).mapError(API.Failure.init).get()
                let today = self.node.today
                return API.json(API.Moved(moved: decision.subjects.appointments.map {
                    API.Appointment($0, today: today, seq: decision.record.sequence)
                }))
            }
        }
    }

    /// Runs a route's body; a failure becomes its error response.
    func answer(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let failure as API.Failure {
            return API.error(failure)
        } catch let failure as Refusal {
            return API.error(API.Failure(failure))
        } catch {
            return API.error(.badRequest, code: "SYNTAX", message: "The request could not be read (\(error)); fix it and send it again.")
        }
    }

    func appointmentChange(_ command: Command, _ id: AppointmentID, _ account: AccountView, _ requestID: String) async throws -> Response {
        let decision = try await node.submit(command, as: account, requestID: requestID).mapError(API.Failure.init).get()
        guard let view = decision.subjects.appointments.first(where: { $0.id == id }) else {
            throw API.Failure(Refusal(code: "INTERNAL", message: "\(id) was changed but is not in the views; tell the administrator."))
        }
        return API.json(API.Appointment(view, today: node.today, seq: decision.record.sequence))
    }

    /// The account of the request's HTTP Basic credentials, under the sign-in failures' ration.
    func apiAccount(_ request: Request, _ context: WebContext) async throws -> AccountView {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") else {
            throw API.Failure(Refusal(code: "NOAUTH", message: "Authentication required: HTTP Basic with an Agenda account."))
        }
        let name = String(text[..<colon])
        let password = String(text[text.index(after: colon)...])
        if let account = recentSignIns.account(name, password) { return account }
        switch await authenticate(name, password, from: context.remoteHost) {
        case .success(let account):
            recentSignIns.remember(name, password, account)
            return account
        case .failure(let refusal): throw API.Failure(refusal)
        }
    }

    /// The body as JSON of `type`; an empty body reads as `{}` where `emptyIsObject`.
    func decode<T: Decodable>(_ type: T.Type, _ request: Request, emptyIsObject: Bool = false) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Portal.bodyBytesMax)
        } catch {
            throw API.Failure(Refusal(code: "LIMIT", message: "The body is larger than \(Portal.bodyBytesMax) bytes."))
        }
        var data = Data(buffer.readableBytesView)
        if data.isEmpty && emptyIsObject { data = Data("{}".utf8) }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch DecodingError.keyNotFound(let key, _) {
            throw API.Failure(Refusal.syntax("The field \(key.stringValue) is missing."))
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw API.Failure(Refusal.syntax("The field \(field) has the wrong type."))
        } catch {
            throw API.Failure(Refusal.syntax("The body is not the JSON object this route takes; see docs/openapi.yaml."))
        }
    }

    func apiID(_ text: String?, _ what: String) throws -> String {
        do throws(ArgumentError) {
            return try Arguments.id(text ?? "", what)
        } catch {
            throw API.Failure(error)
        }
    }

    func apiDay(_ text: String?, _ what: String) throws -> Day? {
        guard let text else { return nil }
        do throws(ArgumentError) {
            return try Arguments.day(text, what)
        } catch {
            throw API.Failure(error)
        }
    }
}

extension Refusal {
    static func syntax(_ message: String) -> Refusal { Refusal(code: "SYNTAX", message: message) }
}

/// The API's sign-ins of the last few seconds: a system that sends a request a second with the
/// same credentials signs in through the writer (the account as the log holds it) once per
/// `seconds`, not per request. Safe because every change is decided against the account as the
/// log holds it then (a disabled account's command is refused, NOPERM, and recorded); only a
/// read may see an account up to `seconds` old. Holds a SHA-256 of name, password and a
/// process key, never the password.
final class RecentSignIns: Sendable {
    static let seconds: Double = 5
    static let entriesMax = 4_096

    private struct Entry {
        let digest: [UInt8]
        let account: AccountView
        let until: Double
    }

    private let key = (0..<32).map { _ in UInt8.random(in: 0...255) }
    private let entries = NIOLockedValueBox([String: Entry]())

    private func digest(_ name: String, _ password: String) -> [UInt8] {
        var message = key
        message += Array(name.utf8) + [0] + Array(password.utf8)
        return Array(SHA256.hash(data: message))
    }

    func account(_ name: String, _ password: String) -> AccountView? {
        let digest = digest(name, password)
        let now = Date().timeIntervalSince1970
        return entries.withLockedValue { entries in
            guard let entry = entries[name], entry.until > now, Sessions.same(entry.digest, digest) else { return nil }
            return entry.account
        }
    }

    func remember(_ name: String, _ password: String, _ account: AccountView) {
        let entry = Entry(digest: digest(name, password), account: account, until: Date().timeIntervalSince1970 + Self.seconds)
        entries.withLockedValue { entries in
            if entries.count >= Self.entriesMax { entries.removeAll() }
            entries[name] = entry
        }
    }
}
