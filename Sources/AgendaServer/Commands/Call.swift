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
        let failures = node.commitFailures
        node.store.submit(command, actor: account.spec.actor, requestID: requestID) { result in
            switch result {
            case .success(let decision):
                if case .rejected(let rejection) = decision.record.outcome {
                    reply(.error(code: rejection.code, message: rejection.description))
                } else {
                    reply(success(decision))
                }
            case .failure(let error):
                // A failed commit (a full disk) is logged once per cause, counted in INFO and metrics.
                failures.record(error)
                reply(Call.reply(for: error))
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
        let failures = node.commitFailures
        node.store.query(body) { result in
            switch result {
            case .success(let answer): reply(answer)
            case .failure(let error):
                failures.record(error)
                reply(Call.reply(for: error))
            }
        }
    }

    static func reply(for error: StoreError) -> Reply {
        switch error {
        case .busy:
            .error(code: "BUSY", message: "The writer's queue is full (queueCommandsMax); retry in a moment.")
        case .invalid(let why):
            .error(code: "SYNTAX", message: "Invalid command: \(why); fix it and send it again.")
        case .overLimit(let why):
            .error(code: "LIMIT", message: "Over a limit: \(why); shorten it and send it again.")
        case .refused(let code, let message):
            .error(code: code, message: message)
        case .closed:
            .error(code: "BUSY", message: "The node is shutting down; retry once it is back.")
        case .notCommitted:
            .error(code: "INTERNAL", message: "An earlier batch failed to commit (the node's log says why), so this "
                   + "command was not recorded; send it again.")
        case .cannotOpen, .lmdb, .corrupt:
            .error(code: "INTERNAL", message: "The store failed (\(error)); nothing was recorded. Tell the administrator.")
        }
    }
}
