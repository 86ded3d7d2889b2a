import Engine
import Events

/// SUBSCRIBE agenda:OFFICE ...: a message per event touching that office, as Redis pub/sub.
enum PubSub {
    static let prefix = "agenda:"

    static func subscribe(_ call: Call) {
        guard !call.arguments.isEmpty else { return call.fail("SYNTAX", "Expected SUBSCRIBE agenda:OFFICE ...") }
        guard call.arguments.count <= Limits.subscriptionsMax else {
            return call.fail("LIMIT", "At most \(Limits.subscriptionsMax) offices per SUBSCRIBE (subscriptionsMax).")
        }
        var offices: [(String, OfficeID)] = []
        for channel in call.arguments {
            guard channel.hasPrefix(prefix), channel.utf8.count > prefix.utf8.count else {
                return call.fail("SYNTAX", "Channels are agenda:OFFICE, e.g. agenda:RM-Q; got '\(channel)'.")
            }
            let office = OfficeID(String(channel.dropFirst(prefix.count)))
            if call.refuses(.officeDay(office, verb: "subscribe")) { return }
            offices.append((channel, office))
        }
        var replies: [Reply] = []
        for (channel, office) in offices {
            let count = call.connection.subscribe(office)
            replies.append(.push([.bulk("subscribe"), .bulk(channel), .integer(count)]))
        }
        call.connection.complete(call.index, replies)
    }

    static func unsubscribe(_ call: Call) {
        let channels = call.arguments.isEmpty
            ? call.session.subscriptions.map { prefix + $0.rawValue } : Array(call.arguments)
        var replies: [Reply] = []
        for channel in channels {
            let count = call.connection.unsubscribe(OfficeID(String(channel.dropFirst(prefix.count))))
            replies.append(.push([.bulk("unsubscribe"), .bulk(channel), .integer(count)]))
        }
        if replies.isEmpty { replies.append(.push([.bulk("unsubscribe"), .null, .integer(0)])) }
        call.connection.complete(call.index, replies)
    }
}
