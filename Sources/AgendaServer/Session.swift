import Events
import Projections

/// What one connection knows about itself. Lives on its event loop.
struct Session {
    var account: AccountView?
    var version: ProtocolVersion = .resp2
    var clientName = ""
    var subscriptions: [OfficeID] = []
    var authFailures = 0
    let id: Int
    let remoteHost: String

    var isSubscribed: Bool { !subscriptions.isEmpty }
}
