import Engine
import Events
import Foundation
import Projections

/// One request on its way through a command: its arguments, who sent it, and where its reply goes.
struct Call {
    /// After the command name.
    let arguments: ArraySlice<String>
    /// Lowercased command name.
    let name: String
    let session: Session
    let node: NodeContext
    let index: Int
    let connection: Connection

    var account: AccountView? { session.account }

    /// From any thread.
    func reply(_ reply: Reply) { connection.deliver(index, reply) }

    func fail(_ code: String, _ message: String) { reply(.error(code: code, message: message)) }

    func fail(_ error: ArgumentError) { reply(.error(code: error.code, message: error.message)) }

    /// Sends the command through the single writer and replies, once it is durable, with
    /// `success(decision)` or the error. Who may send it is the engine's rule: a refusal is a
    /// rejection like any other, recorded in the log.
    func submit(_ command: Command, requestID: String, success: @escaping @Sendable (Decision) -> Reply) {
        guard let account else { return fail("NOAUTH", "Authentication required; send AUTH user password.") }
        let reply = self.reply
        node.submit(command, as: account, requestID: requestID) { result in
            switch result {
            case .success(let decision): reply(success(decision))
            case .failure(let refusal): reply(.error(code: refusal.code, message: refusal.message))
            }
        }
    }

    /// The engine's answer to whether this account may make `read`; a refusal is sent as the
    /// reply, and true returned. For reads that name no appointment (those check in `query`).
    func refuses(_ read: Permissions.Read) -> Bool {
        guard let rejection = Permissions.refusal(reading: read, by: account, offices: node.store.offices) else {
            return false
        }
        fail(rejection.code, rejection.description)
        return true
    }

    /// Reads the views in the writer's order and replies with what `body` makes of them.
    func query(_ body: @escaping @Sendable (Views) -> Reply) {
        let reply = self.reply
        node.query(body) { result in
            switch result {
            case .success(let answer): reply(answer)
            case .failure(let refusal): reply(.error(code: refusal.code, message: refusal.message))
            }
        }
    }

    static func reply(for error: StoreError) -> Reply {
        let refusal = Refusal(error)
        return .error(code: refusal.code, message: refusal.message)
    }
}
