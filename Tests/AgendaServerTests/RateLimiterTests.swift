@testable import AgendaServer
import Events
import Testing

/// STATUS's ration per address (Limits.statusPerMinuteMax, shared with the portal): any sixty
/// seconds, not a calendar minute, so the turn of a minute does not double it.
@Suite struct RateLimiterTests {
    let start = Instant(millisecondsSinceEpoch: 1_700_000_039_500)  // 39.5 s past a minute

    @Test func theRationHoldsAcrossTheTurnOfAMinute() {
        let limiter = RateLimiter(perMinuteMax: 30)
        for _ in 0..<30 { #expect(limiter.allow("10.0.0.1", now: start)) }
        #expect(!limiter.allow("10.0.0.1", now: start))
        // One second after the minute turned, the same thirty are still within sixty seconds.
        let pastTheTurn = Instant(millisecondsSinceEpoch: start.millisecondsSinceEpoch + 21_000)
        #expect(!limiter.allow("10.0.0.1", now: pastTheTurn))
        // Another address has its own.
        #expect(limiter.allow("10.0.0.2", now: pastTheTurn))
        // Sixty seconds after, the first are out of the window.
        let later = Instant(millisecondsSinceEpoch: start.millisecondsSinceEpoch + 60_001)
        #expect(limiter.allow("10.0.0.1", now: later))
    }

    @Test func aRefusedCheckDoesNotExtendTheWait() {
        let limiter = RateLimiter(perMinuteMax: 2)
        #expect(limiter.allow("a", now: start))
        #expect(limiter.allow("a", now: Instant(millisecondsSinceEpoch: start.millisecondsSinceEpoch + 30_000)))
        #expect(!limiter.allow("a", now: Instant(millisecondsSinceEpoch: start.millisecondsSinceEpoch + 59_000)))
        // The first check leaves the window at 60 s: one more fits, then not the next.
        #expect(limiter.allow("a", now: Instant(millisecondsSinceEpoch: start.millisecondsSinceEpoch + 60_500)))
        #expect(!limiter.allow("a", now: Instant(millisecondsSinceEpoch: start.millisecondsSinceEpoch + 61_000)))
    }
}

extension RateLimiterTests {
    /// The portal's failed sign-ins: checked before trying (nothing counted), counted after failing.
    @Test func failuresAreCountedApartFromTheCheck() {
        let limiter = RateLimiter(perMinuteMax: 5)
        for _ in 0..<10 { #expect(!limiter.isExhausted("b", now: start)) }
        for _ in 0..<5 { limiter.record("b", now: start) }
        #expect(limiter.isExhausted("b", now: start))
        limiter.record("b", now: start)
        #expect(limiter.isExhausted("b", now: Instant(millisecondsSinceEpoch: start.millisecondsSinceEpoch + 59_999)))
        #expect(!limiter.isExhausted("b", now: Instant(millisecondsSinceEpoch: start.millisecondsSinceEpoch + 60_001)))
    }
}
