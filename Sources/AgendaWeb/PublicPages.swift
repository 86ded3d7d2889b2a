import AgendaServer
import Engine
import Events
import Foundation
import Hummingbird
import Projections

/// The pages anyone reads without an account: home, "is my permit ready?", the offices, the
/// questions and answers; and signing in and out.
extension Portal {
    func publicRoutes(_ router: Router<WebContext>) {
        router.get("{lang}") { request, context in
            let visit = try await self.page(request, context, rest: "", session: false)
            return self.home(visit)
        }
        router.get("{lang}/status") { request, context in
            let visit = try await self.page(request, context, rest: "status")
            return self.respond(visit, title: visit.page.t(.statusTitle), self.statusForm(visit.page))
        }
        router.post("{lang}/status") { request, context in try await self.status(request, context) }
        router.get("{lang}/offices") { request, context in
            let visit = try await self.page(request, context, rest: "offices", session: false)
            return self.offices(visit)
        }
        router.get("{lang}/offices/{office}") { request, context in
            let office = OfficeID(context.parameters.get("office") ?? "")
            let visit = try await self.page(request, context, rest: "offices/\(office.rawValue)", session: false)
            return self.office(visit, office)
        }
        router.get("{lang}/faq") { request, context in
            let visit = try await self.page(request, context, rest: "faq", session: false)
            let items = Wording.faq(visit.language).map { question, answer in
                "<h2>\(HTML.escape(question))</h2><p>\(HTML.escape(answer))</p>"
            }.joined()
            return self.respond(visit, title: visit.page.t(.faqTitle), "<div id=\"faq\">\(items)</div>")
        }
        router.get("{lang}/signin") { request, context in
            let visit = try await self.page(request, context, rest: "signin")
            if visit.account != nil { return Portal.redirect(visit.page.path("me")) }
            return self.respond(visit, title: visit.page.t(.signIn), self.signInForm(visit.page))
        }
        router.post("{lang}/signin") { request, context in try await self.signIn(request, context) }
        router.post("{lang}/signout") { request, context in
            let visit = try await self.page(request, context, rest: "")
            if case .failure(let refusal) = try await self.postedForm(request, visit) {
                return self.refused(visit, refusal, title: visit.page.t(.signOut))
            }
            if let token = visit.token { self.sessions.remove(token) }
            if let account = visit.account {
                self.node.logger.info("signed out (portal)", metadata: ["account": "\(account.spec.name)"])
            }
            var response = Portal.redirect(visit.page.path(""))
            response.setCookie(Cookie(name: Visit.cookieName, value: "", maxAge: 0, path: "/",
                                      secure: self.configuration.secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
    }

    /// The visit of a page under `/{lang}/`; an unknown language is a page not found.
    func page(_ request: Request, _ context: WebContext, rest: String, session: Bool = true) async throws -> Visit {
        guard let visit = await visit(request, context, rest: rest, session: session) else { throw HTTPError(.notFound) }
        return visit
    }

    func home(_ visit: Visit) -> Response {
        let p = visit.page
        let links = [("status", Wording.Key.statusTitle), ("offices", .officesTitle), ("faq", .faqTitle),
                     (visit.account == nil ? "signin" : "me", visit.account == nil ? .signIn : .myPage)]
            .map { "<li><a href=\"\(p.path($0.0))\">\(HTML.escape(p.t($0.1)))</a></li>" }.joined()
        return respond(visit, title: p.t(.siteName), "<p>\(HTML.escape(p.t(.homeIntro)))</p><ul id=\"home-links\">\(links)</ul>")
    }

    // MARK: - Is my permit ready?

    func statusForm(_ p: PageContext, _ fields: [String: String] = [:]) -> String {
        p.form("status", id: "status-form",
               "<p>\(HTML.escape(p.t(.statusIntro)))</p>"
               + PageContext.field(p.t(.surname), name: "surname", id: "surname", value: fields["surname"] ?? "",
                                   required: true, autocomplete: "family-name")
               + PageContext.field(p.t(.givenName), name: "name", id: "name", value: fields["name"] ?? "",
                                   required: true, autocomplete: "given-name")
               + PageContext.field(p.t(.birthDate), name: "birthDate", id: "birthDate", type: "date",
                                   value: fields["birthDate"] ?? "", required: true, autocomplete: "bday")
               + PageContext.field(p.t(.fingerprintDate), name: "fingerprintDate", id: "fingerprintDate", type: "date",
                                   value: fields["fingerprintDate"] ?? "", required: true)
               + PageContext.button(p.t(.check)))
    }

    /// The four fields checked as STATUS checks its words.
    struct StatusQuestion: Sendable {
        let surname: String
        let name: String
        let birthDate: Day
        let fingerprinted: Day

        init(surname: String?, name: String?, birthDate: String?, fingerprintDate: String?) throws(ArgumentError) {
            self.surname = try Arguments.text(try Portal.required(surname, "surname"), "surname")
            self.name = try Arguments.text(try Portal.required(name, "name"), "name")
            self.birthDate = try Arguments.day(birthDate ?? "", "birth date")
            fingerprinted = try Arguments.day(fingerprintDate ?? "", "fingerprinting date")
        }
    }

    static func required(_ value: String?, _ what: String) throws(ArgumentError) -> String {
        let trimmed = (value ?? "").trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .syntax("The \(what) is empty; fill it in.") }
        return trimmed
    }

    /// STATUS over HTTP: the same check, the same per-address ration (shared with RESP), the
    /// same fixed reply time whatever the answer.
    func permitStatus(_ question: StatusQuestion, from address: String) async -> Result<Queries.PermitStatus, Refusal> {
        guard node.allowStatusCheck(from: address) else {
            return .failure(Refusal(code: "LIMIT", message: "At most \(Limits.statusPerMinuteMax) status checks a minute "
                                    + "from one address (statusPerMinuteMax); wait a minute."))
        }
        let due = ContinuousClock.now + .milliseconds(Limits.statusReplyMilliseconds)
        let answer = await node.permitStatus(surname: question.surname, name: question.name,
                                             birthDate: question.birthDate, fingerprintedOn: question.fingerprinted)
        try? await Task.sleep(until: due, clock: .continuous)
        return answer
    }

    func status(_ request: Request, _ context: WebContext) async throws -> Response {
        let visit = try await page(request, context, rest: "status")
        let p = visit.page
        let title = p.t(.statusTitle)
        let fields: [String: String]
        switch try await postedForm(request, visit) {
        case .failure(let refusal): return refused(visit, refusal, title: title, body: statusForm(p))
        case .success(let posted): fields = posted
        }
        let question: StatusQuestion
        do throws(ArgumentError) {
            question = try StatusQuestion(surname: fields["surname"], name: fields["name"], birthDate: fields["birthDate"],
                                          fingerprintDate: fields["fingerprintDate"])
        } catch {
            return refused(visit, Refusal(code: error.code, message: error.message), title: title, body: statusForm(p, fields))
        }
        switch await permitStatus(question, from: context.remoteHost) {
        case .failure(let refusal):
            return refused(visit, refusal, title: title, body: statusForm(p, fields))
        case .success(let status):
            let sentence = switch status {
            case .ready: p.t(.statusReady)
            case .notReady: p.t(.statusNotReady)
            case .unknown: p.t(.statusUnknown)
            }
            // The answer only; the form comes back empty, so the names are not left on screen.
            return respond(visit, title: title, "<p id=\"status-result\" data-status=\"\(status.rawValue)\" role=\"status\">"
                           + HTML.escape(sentence) + "</p>" + statusForm(p))
        }
    }

    // MARK: - Offices

    func offices(_ visit: Visit) -> Response {
        let p = visit.page
        let items = node.store.offices.values.sorted { $0.configuration.office.rawValue < $1.configuration.office.rawValue }
            .map { view in
                let configuration = view.configuration
                return "<li><a href=\"\(p.path("offices/" + configuration.office.rawValue))\">\(HTML.escape(configuration.name))</a>"
                    + (configuration.address.isEmpty ? "" : " — \(HTML.escape(configuration.address))") + "</li>"
            }.joined()
        return respond(visit, title: p.t(.officesTitle), "<p>\(HTML.escape(p.t(.officesIntro)))</p><ul id=\"offices\">\(items)</ul>")
    }

    func office(_ visit: Visit, _ id: OfficeID) -> Response {
        let p = visit.page
        guard let view = node.store.offices[id] else {
            return refused(visit, Refusal(.unknownOffice(id)), title: p.t(.officesTitle))
        }
        let configuration = view.configuration
        var body = "<dl id=\"office\" data-office=\"\(HTML.escape(id.rawValue))\">"
        if !configuration.address.isEmpty {
            body += "<dt>\(HTML.escape(p.t(.address)))</dt><dd>\(HTML.escape(configuration.address))</dd>"
        }
        if !configuration.phone.isEmpty {
            body += "<dt>\(HTML.escape(p.t(.phone)))</dt><dd>\(HTML.escape(configuration.phone))</dd>"
        }
        body += "</dl><h2>\(HTML.escape(p.t(.services)))</h2>"
        for service in configuration.services {
            body += "<h3>\(HTML.escape(service.name))</h3><table class=\"hours\"><caption>\(HTML.escape(p.t(.hours)))</caption>"
                + "<tbody>"
            for (index, intervals) in service.weekly.enumerated() {
                let hours = intervals.isEmpty ? p.t(.closed)
                    : intervals.map { "\($0.start)–\($0.end)" }.joined(separator: ", ")
                body += "<tr><th scope=\"row\">\(HTML.escape(p.weekday(index)))</th><td>\(HTML.escape(hours))</td></tr>"
            }
            body += "</tbody></table>"
        }
        return respond(visit, title: configuration.name, body)
    }

    // MARK: - Signing in

    func signInForm(_ p: PageContext) -> String {
        p.form("signin", id: "signin-form",
               "<p>\(HTML.escape(p.t(.signInIntro)))</p>"
               + PageContext.field(p.t(.account), name: "name", id: "name", required: true, autocomplete: "username")
               + PageContext.field(p.t(.password), name: "password", id: "password", type: "password", required: true,
                                   autocomplete: "current-password")
               + PageContext.button(p.t(.signIn)))
    }

    /// The account `name` and `password` sign in as, under the per-address ration of failures
    /// (the pages' and the API's together); the refusal otherwise.
    func authenticate(_ name: String, _ password: String, from address: String) async -> Result<AccountView, Refusal> {
        guard !signInFailures.isExhausted(address, now: node.now) else {
            return .failure(Refusal(code: "LIMIT", message: "More than \(Portal.signInFailuresPerMinuteMax) failed sign-ins "
                                    + "a minute from this address; wait a minute."))
        }
        guard !name.isEmpty, name.utf8.count <= Limits.idBytesMax, let account = await node.signIn(name, password) else {
            signInFailures.record(address, now: node.now)
            node.logger.notice("sign-in refused (portal)", metadata: ["account": "\(name.prefix(Limits.idBytesMax))"])
            return .failure(Refusal(code: "WRONGPASS", message: "Wrong account name or password, or the account is disabled."))
        }
        return .success(account)
    }

    func signIn(_ request: Request, _ context: WebContext) async throws -> Response {
        let visit = try await page(request, context, rest: "signin")
        let title = visit.page.t(.signIn)
        let fields: [String: String]
        switch try await postedForm(request, visit) {
        case .failure(let refusal): return refused(visit, refusal, title: title, body: signInForm(visit.page))
        case .success(let posted): fields = posted
        }
        switch await authenticate(fields["name"] ?? "", fields["password"] ?? "", from: context.remoteHost) {
        case .failure(let refusal):
            return refused(visit, refusal, title: title, body: signInForm(visit.page))
        case .success(let account):
            // A new session: the token the visitor had before signing in is worth nothing after.
            if let token = visit.token { sessions.remove(token) }
            let made = sessions.create(account: account.spec.name)
            node.logger.info("signed in (portal)", metadata: ["account": "\(account.spec.name)", "role": "\(account.spec.role)"])
            var response = Portal.redirect(visit.page.path("me"))
            response.setCookie(cookie(made.token))
            return response
        }
    }
}
