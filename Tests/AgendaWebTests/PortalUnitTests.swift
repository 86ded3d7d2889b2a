@testable import AgendaWeb
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import Testing

/// The portal's pieces that need no node: sessions and their expiry, form decoding, the
/// printed documents' style hashes, the status each refusal answers with. The pages and the
/// API themselves are driven in a browser and by schemathesis (Tests/Portal, `make test`).
@Suite struct PortalUnitTests {
    final class FakeClock: Sendable {
        let now = NIOLockedValueBox<Int64>(1_000_000)
        func advance(_ seconds: Int64) { now.withLockedValue { $0 += seconds } }
    }

    @Test func aSessionEndsAfterHalfAnHourIdle() {
        let clock = FakeClock()
        let sessions = Sessions { clock.now.withLockedValue { $0 } }
        let (token, _) = sessions.create(account: "self.demo")
        clock.advance(Sessions.idleSeconds - 1)
        #expect(sessions.touch(token)?.account == "self.demo")
        clock.advance(Sessions.idleSeconds + 1)
        #expect(sessions.touch(token) == nil)
        // Gone for good: the same token does not come back.
        #expect(sessions.touch(token) == nil)
    }

    @Test func aSessionEndsAfterEightHoursEvenInUse() {
        let clock = FakeClock()
        let sessions = Sessions { clock.now.withLockedValue { $0 } }
        let (token, _) = sessions.create(account: "caf.roma")
        var elapsed: Int64 = 0
        while elapsed + 600 <= Sessions.lifetimeSeconds {
            clock.advance(600)
            elapsed += 600
            #expect(sessions.touch(token) != nil)
        }
        clock.advance(601)
        #expect(sessions.touch(token) == nil)
    }

    @Test func aNoticeIsShownOnce() {
        let sessions = Sessions()
        let (token, _) = sessions.create()
        sessions.setNotice(token, "Fatto.")
        #expect(sessions.takeNotice(token) == "Fatto.")
        #expect(sessions.takeNotice(token) == nil)
    }

    @Test func tokensAreComparedWhole() {
        let token = Sessions.randomToken()
        #expect(token.utf8.count == 64)
        #expect(Sessions.same(token, token))
        #expect(!Sessions.same(token, String(token.dropLast()) + (token.last == "0" ? "1" : "0")))
        #expect(!Sessions.same(token, String(token.dropLast())))
        #expect(!Sessions.same("", ""))
    }

    @Test func formsDecodePlusesAndPercents() {
        let fields = Portal.parseForm("surname=De+Luca&name=Jos%C3%A9+Mar%C3%ADa&empty=&bare&csrf=ab%2Bcd")
        #expect(fields["surname"] == "De Luca")
        #expect(fields["name"] == "José María")
        #expect(fields["empty"] == "")
        #expect(fields["bare"] == "")
        #expect(fields["csrf"] == "ab+cd")
    }

    @Test func aPrintedDocumentsStyleIsAdmittedByItsHashOnly() throws {
        let response = Portal.document("<html><head><style>p{color:red}</style></head><body><p>x</p></body></html>")
        let policy = try #require(response.headers[.contentSecurityPolicy])
        // SHA-256 of "p{color:red}", base64.
        #expect(policy.contains("style-src 'self' 'sha256-"))
        #expect(!policy.contains("unsafe-inline"))
        #expect(policy.contains("script-src 'self'"))
    }

    @Test func refusalsAnswerWithTheirStatus() {
        #expect(Portal.status(of: "SYNTAX") == .badRequest)
        #expect(Portal.status(of: "MISMATCH") == .badRequest)
        #expect(Portal.status(of: "NOPERM") == .forbidden)
        #expect(Portal.status(of: "NOTFOUND") == .notFound)
        #expect(Portal.status(of: "LIMIT") == .tooManyRequests)
        #expect(Portal.status(of: "FULL") == .conflict)
        #expect(Portal.status(of: "NOTREADY") == .conflict)
        #expect(Portal.status(of: "BUSY") == .serviceUnavailable)
        #expect(Portal.status(of: "WRONGPASS") == .unauthorized)
    }

    @Test func everyPhraseHasFourLanguages() {
        for key in Wording.Key.allCases {
            let phrases = Wording.table[key]
            #expect(phrases != nil, "\(key) has no phrases")
            for language in Language.allCases {
                #expect(!language(key).isEmpty, "\(key) in \(language)")
            }
        }
        for language in Language.allCases { #expect(Wording.faq(language).count == Wording.faq(.it).count) }
    }

    @Test func pagesEscapeWhatTheyShow() {
        let page = PageContext(language: .ar, rest: "me", csrf: "t", account: nil)
        let html = page.page(title: "<script>x</script>", error: ("SYNTAX", "a \"quoted\" <b>"), "")
        #expect(html.contains("dir=\"rtl\""))
        #expect(html.contains("lang=\"ar\""))
        #expect(!html.contains("<script>x"))
        #expect(html.contains("&lt;script&gt;x&lt;/script&gt;"))
        #expect(html.contains("data-code=\"SYNTAX\""))
    }
}
