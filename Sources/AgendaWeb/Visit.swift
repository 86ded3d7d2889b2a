import AgendaServer
import Engine
import Events
import Hummingbird
import Projections

/// One page request as the portal sees it: its language, its session (made when the page has
/// a form and the visitor has none), and the account signed in as the views hold it now.
struct Visit: Sendable {
    static let cookieName = "agenda_session"

    let language: Language
    let token: String?
    let entry: Sessions.Entry?
    /// Set when this request made the session: the response carries its cookie.
    let isNew: Bool
    let account: AccountView?
    let notice: String?
    let page: PageContext
}

extension Portal {
    /// The visit, or nil for a path whose first part is not a language (answered 404).
    /// `session`: make one when the visitor has none (pages with forms need its CSRF token).
    func visit(_ request: Request, _ context: WebContext, rest: String, session: Bool = true) async -> Visit? {
        guard let code = context.parameters.get("lang"), let language = Language(rawValue: code) else { return nil }
        var token = request.cookies[Visit.cookieName]?.value
        var entry = token.flatMap { sessions.touch($0) }
        var isNew = false
        if entry == nil {
            token = nil
            if session {
                let made = sessions.create()
                token = made.token
                entry = made.entry
                isNew = true
            }
        }
        var account: AccountView?
        if let name = entry?.account {
            // A disabled account's session ends at its next request.
            if let current = await node.account(named: name), current.enabled {
                account = current
            } else if let token {
                sessions.remove(token)
                let made = sessions.create()
                return Visit(language: language, token: made.token, entry: made.entry, isNew: true, account: nil, notice: nil,
                             page: PageContext(language: language, rest: rest, csrf: made.entry.csrf, account: nil))
            }
        }
        let notice = token.flatMap { sessions.takeNotice($0) }
        return Visit(language: language, token: token, entry: entry, isNew: isNew, account: account, notice: notice,
                     page: PageContext(language: language, rest: rest, csrf: entry?.csrf ?? "", account: account))
    }

    /// The session cookie: HttpOnly, SameSite=Strict, Secure behind TLS; no Max-Age (the
    /// session's own expiry is the server's).
    func cookie(_ token: String) -> Cookie {
        Cookie(name: Visit.cookieName, value: token, path: "/", secure: configuration.secureCookies, httpOnly: true,
               sameSite: .strict)
    }

    /// A page's response, carrying the cookie of a session this request made.
    func respond(_ visit: Visit, _ status: HTTPResponse.Status = .ok, title: String, notice: String? = nil,
                 error: (code: String, message: String)? = nil, scripts: [String] = [], _ body: String) -> Response {
        var response = Portal.html(status, visit.page.page(title: title, notice: notice ?? visit.notice, error: error,
                                                           scripts: scripts, body))
        if visit.isNew, let token = visit.token { response.setCookie(cookie(token)) }
        return response
    }

    /// A refusal as a page: what was asked, the engine's code and sentence; nothing changed.
    func refused(_ visit: Visit, _ refusal: Refusal, title: String, body: String = "") -> Response {
        respond(visit, Portal.status(of: refusal.code), title: title, error: (refusal.code, refusal.message), body)
    }

    /// After a change: back to `rest` with the notice shown there once.
    func done(_ visit: Visit, to rest: String, notice: String) -> Response {
        if let token = visit.token { sessions.setNotice(token, notice) }
        var response = Portal.redirect(visit.page.path(rest))
        if visit.isNew, let token = visit.token { response.setCookie(cookie(token)) }
        return response
    }

    /// A POST's fields once its CSRF token is the session's; otherwise the refusal page.
    func postedForm(_ request: Request, _ visit: Visit) async throws -> Result<[String: String], Refusal> {
        let fields = try await Portal.formFields(request)
        guard let entry = visit.entry, !visit.isNew, Sessions.same(fields["csrf"] ?? "", entry.csrf) else {
            return .failure(Refusal(code: "CSRF", message: "This form has expired or did not come from this site; "
                                    + "open the page again and send it from there."))
        }
        return .success(fields)
    }

    /// A page for staff or a signed-in account only: nil sends the visitor to sign in.
    func signInFirst(_ visit: Visit) -> Response {
        Portal.redirect(visit.page.path("signin"))
    }
}
