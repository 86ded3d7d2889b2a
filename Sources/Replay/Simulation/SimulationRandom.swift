import Foundation

/// The simulation's only source of chance: xoshiro256** (Blackman and Vigna, 2018) seeded
/// through SplitMix64, as its authors recommend. Written out here, not taken from Swift's
/// `SystemRandomNumberGenerator`, so the same seed draws the same numbers on every machine and
/// every Swift version: the same seed gives the same log, byte for byte.
public struct SimulationRandom: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var splitMix = seed
        func next() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    private func rotateLeft(_ value: UInt64, _ count: UInt64) -> UInt64 { (value << count) | (value >> (64 - count)) }

    /// Uniform in [0, 1), from the top 53 bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// True with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    /// Uniform in `range` (Lemire's nearly divisionless method is not needed at these sizes;
    /// a 64-bit modulo's bias is below 2^-40 for ranges under a million).
    public mutating func integer(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(next() % width)
    }

    /// One of `items`, each as likely.
    public mutating func pick<T>(_ items: [T]) -> T { items[integer(in: 0...(items.count - 1))] }

    /// A standard normal draw (Box–Muller; the second value is thrown away so each call uses
    /// exactly two draws, whatever came before).
    public mutating func normal() -> Double {
        let u1 = max(unit(), 0x1.0p-53)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A Poisson count with mean `mean`: Knuth's product method for small means, a rounded
    /// normal approximation above 30 (where the product would take hundreds of draws and
    /// `exp(-mean)` would underflow past 745).
    public mutating func poisson(_ mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean > 30 { return max(0, Int((mean + mean.squareRoot() * normal()).rounded())) }
        let limit = exp(-mean)
        var count = 0
        var product = unit()
        while product > limit {
            count += 1
            product *= unit()
        }
        return count
    }

    /// A whole number of days from a log-normal with that median and 90th percentile (delays
    /// are skewed: most are near the median, a few take much longer), at least `minimum`.
    public mutating func days(_ delay: DelayDays, minimum: Int = 1) -> Int {
        let sigma = delay.p90 > delay.median ? log(Double(delay.p90) / Double(delay.median)) / 1.281_551_565_5 : 0
        let value = Double(delay.median) * exp(sigma * normal())
        return max(minimum, min(Int(value.rounded()), delay.capDays))
    }
}

/// A delay in days described by its median and 90th percentile (log-normal).
public struct DelayDays: Codable, Equatable, Sendable {
    public var median: Int
    public var p90: Int
    public init(median: Int, p90: Int) {
        self.median = median
        self.p90 = p90
    }
    /// No delay runs past a year: keeps a tail draw from scheduling beyond any office's horizon.
    var capDays: Int { 365 }
}
