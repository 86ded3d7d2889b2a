import AgendaServer
import Crypto
import Engine
import Events
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import NIOConcurrencyHelpers
import NIOCore
import Projections

/// The web portal (docs/portal.md): the public pages, the applicants', the affiliated bodies',
/// the SUI's and the Questura desk's, and the JSON API (docs/openapi.yaml), on Hummingbird,
/// beside the RESP server in the same node. Every change and every read goes through the same
/// command layer as the RESP server (`NodeContext.submit`, `query`, `PrintedDocuments`), so who
/// may act and every booking rule are the engine's; a handler parses, calls and renders.
public struct Portal: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Mark the session cookie `Secure`: set when a TLS reverse proxy serves the portal.
        public var secureCookies: Bool

        public init(host: String = "127.0.0.1", port: Int = 8080, secureCookies: Bool = false) {
            self.host = host
            self.port = port
            self.secureCookies = secureCookies
        }
    }

    let node: NodeContext
    let configuration: Configuration
    let sessions = Sessions()
    let recentSignIns = RecentSignIns()
    let streams = LiveStreams()
    /// Failed sign-ins per address and minute, the pages' and the API's together (`signInFailuresPerMinuteMax`).
    let signInFailures = RateLimiter(perMinuteMax: Portal.signInFailuresPerMinuteMax)

    /// More failed sign-ins than this in a minute from one address, and the next is refused (LIMIT) unchecked.
    public static let signInFailuresPerMinuteMax = 5
    /// A form or JSON body larger than this is refused before it is read whole.
    static let bodyBytesMax = 64 * 1024

    public init(node: NodeContext, configuration: Configuration) {
        self.node = node
        self.configuration = configuration
    }

    /// The portal as a `Service` for the node's service group: Hummingbird's application, and
    /// on graceful shutdown the desks' event streams end (a browser reconnects to the next
    /// node), so the server's own drain is not held open by them. `onRunning` gets the bound
    /// port (useful when asked for port 0).
    public func service(onRunning: @escaping @Sendable (Int) -> Void) -> some Service {
        let router = Router(context: WebContext.self)
        router.add(middleware: SecurityHeaders())
        routes(router)
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in onRunning(channel.localAddress?.port ?? configuration.port) },
            logger: node.logger)
        return PortalService(application: application, streams: streams)
    }

    func routes(_ router: Router<WebContext>) {
        router.get("/") { _, _ in Portal.redirect("/it/") }
        router.get("static/portal.css") { _, _ in Portal.file(StaticFiles.css, type: "text/css; charset=utf-8") }
        router.get("static/live.js") { _, _ in Portal.file(StaticFiles.liveJS, type: "text/javascript; charset=utf-8") }
        router.get("events/{office}") { request, context in try await self.events(request, context) }
        publicRoutes(router)
        personalRoutes(router)
        deskRoutes(router)
        apiRoutes(router.group("api/v1"))
    }

    // MARK: - Responses

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static func file(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=3600"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func html(_ status: HTTPResponse.Status, _ text: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A printed document (a convocation, a reminder, the day's list) as the Documents library
    /// renders it: self-contained, its style inline, so the policy admits that one style by its hash.
    static func document(_ text: String, type: String = "text/html; charset=utf-8",
                         attachment: String? = nil) -> Response {
        var fields: HTTPFields = [.contentType: type, .cacheControl: "no-store"]
        if let attachment { fields[.contentDisposition] = "attachment; filename=\"\(attachment)\"" }
        if type.hasPrefix("text/html") {
            var styles = "'self'"
            var rest = text[...]
            while let open = rest.range(of: "<style>"), let close = rest.range(of: "</style>", range: open.upperBound..<rest.endIndex) {
                let digest = SHA256.hash(data: Data(rest[open.upperBound..<close.lowerBound].utf8))
                styles += " 'sha256-\(Data(digest).base64EncodedString())'"
                rest = rest[close.upperBound...]
            }
            fields[.contentSecurityPolicy] = SecurityHeaders.policy(styles: styles)
        }
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// The HTTP status a refusal's code answers with, for the pages and the API alike.
    static func status(of code: String) -> HTTPResponse.Status {
        switch code {
        case "SYNTAX", "MISMATCH", "PAST", "TOOLATE", "BEYOND": .badRequest
        case "NOAUTH", "WRONGPASS": .unauthorized
        case "NOPERM", "CSRF": .forbidden
        case "NOTFOUND": .notFound
        case "LIMIT": .tooManyRequests
        case "BUSY": .serviceUnavailable
        case "INTERNAL": .internalServerError
        default: .conflict
        }
    }

    // MARK: - Reading requests

    /// An `application/x-www-form-urlencoded` body as its fields (the last of a repeated name wins).
    static func formFields(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: bodyBytesMax)
        return parseForm(String(buffer: buffer))
    }

    static func parseForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let name = parts.first else { continue }
            fields[decode(name)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }
}

/// The request context: Hummingbird's, and the client's address (for the per-address limits).
public struct WebContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteHost: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteHost = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}

/// On every response: a policy with no inline script, no framing, no sniffing, no referrer.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = WebContext

    static func policy(styles: String = "'self'") -> String {
        "default-src 'self'; script-src 'self'; style-src \(styles); img-src 'self'; object-src 'none'; "
            + "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    }

    static let defaultPolicy = policy()
    static let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy")!

    func handle(_ request: Request, context: WebContext,
                next: (Request, WebContext) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            // Hummingbird's own refusals (no route, a body over the limit) as our error shapes.
            let code = error.status == .notFound ? "NOTFOUND" : error.status == .contentTooLarge ? "LIMIT" : "SYNTAX"
            let message = error.status == .contentTooLarge
                ? "The request body is larger than \(Portal.bodyBytesMax) bytes; send less."
                : error.status == .notFound ? "No such page or resource; check the address." : (error.body ?? "Bad request.")
            if request.uri.path.hasPrefix("/api/") {
                response = API.error(error.status, code: code, message: message)
            } else {
                let language = Language(rawValue: String(request.uri.path.split(separator: "/").first ?? "")) ?? .it
                let page = PageContext(language: language, rest: "", csrf: "", account: nil)
                response = Portal.html(error.status, page.page(title: page.t(.notFoundTitle), error: (code, message), ""))
            }
        }
        if response.headers[.contentSecurityPolicy] == nil { response.headers[.contentSecurityPolicy] = Self.defaultPolicy }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[SecurityHeaders.referrerPolicy] = "no-referrer"
        return response
    }
}

/// Runs the application; ends the open event streams when the node stops.
struct PortalService<App: ApplicationProtocol>: Service {
    let application: App
    let streams: LiveStreams

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await application.run()
        } onGracefulShutdown: {
            streams.finishAll()
        }
    }
}

/// The desks' open event streams, by subscription id.
final class LiveStreams: Sendable {
    private let open = NIOLockedValueBox([Int: AsyncStream<ByteBuffer>.Continuation]())

    func add(_ id: Int, _ continuation: AsyncStream<ByteBuffer>.Continuation) {
        open.withLockedValue { $0[id] = continuation }
    }

    func remove(_ id: Int) {
        _ = open.withLockedValue { $0.removeValue(forKey: id) }
    }

    func finishAll() {
        for continuation in open.withLockedValue({ $0.values }) { continuation.finish() }
    }
}
