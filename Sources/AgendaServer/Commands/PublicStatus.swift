import Engine
import Events
import Foundation
import NIOCore

/// STATUS surname name birthdate fingerprintdate: the only thing the public may ask. The reply
/// is one word, sent a fixed time after the question whatever it is, and rationed per address.
enum PublicStatus {
    static func status(_ call: Call) {
        let asked = NIODeadline.now()
        let words: Arguments
        let birthDate: Day
        let fingerprinted: Day
        do throws(ArgumentError) {
            words = try Arguments(call.arguments, positional: 4, usage: "STATUS surname name birthdate fingerprintdate")
            _ = try Arguments.text(words[0], "surname")
            _ = try Arguments.text(words[1], "name")
            birthDate = try Arguments.day(words[2], "birth date")
            fingerprinted = try Arguments.day(words[3], "fingerprinting date")
        } catch {
            return call.fail(error)
        }
        guard call.node.allowStatusCheck(from: call.session.remoteHost) else {
            return call.fail("LIMIT", "At most \(Limits.statusPerMinuteMax) STATUS checks a minute from one address "
                             + "(statusPerMinuteMax); wait a minute.")
        }
        let surname = words[0]
        let name = words[1]
        let reply = call.reply
        let eventLoop = call.connection.eventLoop
        call.node.query({ views in
            Queries.permitStatus(views, surname: surname, name: name, birthDate: birthDate, fingerprintedOn: fingerprinted)
        }) { result in
            let answer: Reply = switch result {
            case .success(let status): .status(status.rawValue)
            case .failure(let refusal): .error(code: refusal.code, message: refusal.message)
            }
            let due = asked + .milliseconds(Limits.statusReplyMilliseconds)
            if let eventLoop {
                eventLoop.scheduleTask(deadline: due) { reply(answer) }
            } else {
                reply(answer)
            }
        }
    }
}
