import Crypto
import Foundation
import NIOConcurrencyHelpers

/// The portal's sessions, in memory: a random token in the `agenda_session` cookie names one.
/// Each holds its CSRF token (a visitor without an account gets a session too, so the sign-in
/// and status forms carry one), the account signed in, and the notice to show once. Gone at
/// restart (everyone signs in again), after `idleSeconds` without a request and `lifetimeSeconds`
/// after it began, whichever comes first. Nothing of an applicant is kept here.
final class Sessions: Sendable {
    struct Entry: Sendable {
        var account: String?
        var csrf: String
        let started: Int64
        var seen: Int64
        /// Shown on the next page, then dropped (the page after a 303).
        var notice: String?
    }

    static let idleSeconds: Int64 = 30 * 60
    static let lifetimeSeconds: Int64 = 8 * 60 * 60
    /// Bounded: past it the oldest half is dropped (anonymous visitors can make many).
    static let entriesMax = 100_000

    private let entries = NIOLockedValueBox([String: Entry]())
    private let clock: @Sendable () -> Int64

    init(clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.clock = clock
    }

    /// The live session `token` names, its last use now; nil when unknown or expired.
    func touch(_ token: String) -> Entry? {
        let now = clock()
        return entries.withLockedValue { entries in
            guard var entry = entries[token] else { return nil }
            guard now - entry.seen <= Self.idleSeconds, now - entry.started <= Self.lifetimeSeconds else {
                entries[token] = nil
                return nil
            }
            entry.seen = now
            entries[token] = entry
            return entry
        }
    }

    /// A new session; signing in makes a new one too, so a token seen before sign-in is worth nothing after.
    func create(account: String? = nil) -> (token: String, entry: Entry) {
        let now = clock()
        let entry = Entry(account: account, csrf: Sessions.randomToken(), started: now, seen: now)
        let token = Sessions.randomToken()
        entries.withLockedValue { entries in
            if entries.count >= Self.entriesMax {
                let oldest = entries.sorted { $0.value.seen < $1.value.seen }.prefix(Self.entriesMax / 2)
                for (key, _) in oldest { entries[key] = nil }
            }
            entries[token] = entry
        }
        return (token, entry)
    }

    func remove(_ token: String) {
        _ = entries.withLockedValue { $0.removeValue(forKey: token) }
    }

    func setNotice(_ token: String, _ notice: String) {
        entries.withLockedValue { $0[token]?.notice = notice }
    }

    func takeNotice(_ token: String) -> String? {
        entries.withLockedValue { entries in
            defer { entries[token]?.notice = nil }
            return entries[token]?.notice
        }
    }

    /// 32 random bytes as hex: a cookie value and a form field without escaping.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Constant time: how much of a guessed token matched must not show.
    static func same(_ left: String, _ right: String) -> Bool { same(Array(left.utf8), Array(right.utf8)) }

    static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count, !a.isEmpty else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
