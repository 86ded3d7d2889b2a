/// One request: the command name and its arguments, as the client sent them (a RESP
/// multibulk or an inline line). `arguments[0]` is the command name, in the client's case.
/// Arguments are text: bytes that are not UTF-8 decode lossily (as U+FFFD), since every
/// argument the engine accepts is an id, a date, a keyword or a sentence.
public struct Request: Equatable, Sendable {
    public var arguments: [String]

    public init(arguments: [String]) {
        self.arguments = arguments
    }
}
