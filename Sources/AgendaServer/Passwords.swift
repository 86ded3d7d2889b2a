import Crypto
import CryptoExtras
import Events
import Foundation

/// Password hashes for the `credentials` database: scrypt (RFC 7914) through swift-crypto.
///
///     scrypt$<log2 N>$<r>$<p>$<salt, 32 hex>$<derived key, 64 hex>
///
/// The parameters travel with each hash, so they can be raised later without invalidating
/// the accounts already made.
public enum Passwords {
    /// N = 2^15, r = 8, p = 1: 32 MiB and about a tenth of a second per check here. Slow on
    /// purpose for a guesser; an operator signs in once per session.
    static let logRounds = 15
    static let blockSize = 8
    static let parallelism = 1
    static let saltBytes = 16
    static let keyBytes = 32
    /// A password longer than this is refused: scrypt takes any length, but nobody types more.
    public static let passwordBytesMax = 256

    public enum Problem: Error, CustomStringConvertible {
        case empty
        case tooLong
        public var description: String {
            switch self {
            case .empty: "the password is empty"
            case .tooLong: "the password is longer than \(Passwords.passwordBytesMax) bytes"
            }
        }
    }

    /// Checked against when the account does not exist, so that costs the same as a wrong password.
    static let decoy: [UInt8] = (try? hash("no such account")) ?? []

    public static func hash(_ password: String) throws -> [UInt8] {
        guard !password.isEmpty else { throw Problem.empty }
        guard password.utf8.count <= passwordBytesMax else { throw Problem.tooLong }
        var salt = [UInt8](repeating: 0, count: saltBytes)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = UInt8.random(in: 0...255, using: &generator) }
        let key = try derive(password, salt: salt, logRounds: logRounds, blockSize: blockSize, parallelism: parallelism)
        return Array("scrypt$\(logRounds)$\(blockSize)$\(parallelism)$\(Hex.encode(salt))$\(Hex.encode(key))".utf8)
    }

    /// True when `password` matches the stored hash; false for a malformed hash as well.
    public static func verify(_ password: String, against stored: [UInt8]) -> Bool {
        let parts = String(decoding: stored, as: UTF8.self).split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let logRounds = Int(parts[1]), (1...20).contains(logRounds),
              let blockSize = Int(parts[2]), (1...32).contains(blockSize),
              let parallelism = Int(parts[3]), (1...16).contains(parallelism),
              let salt = Hex.decode(parts[4]), let expected = Hex.decode(parts[5]), !expected.isEmpty,
              password.utf8.count <= passwordBytesMax,
              let key = try? derive(password, salt: salt, logRounds: logRounds, blockSize: blockSize,
                                    parallelism: parallelism, keyBytes: expected.count) else { return false }
        // Constant time: how many leading bytes matched must not show in the timing.
        var difference: UInt8 = 0
        for (left, right) in zip(key, expected) { difference |= left ^ right }
        return difference == 0
    }

    static func derive(_ password: String, salt: [UInt8], logRounds: Int, blockSize: Int, parallelism: Int,
                       keyBytes: Int = Passwords.keyBytes) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: keyBytes,
                                           rounds: 1 << logRounds, blockSize: blockSize, parallelism: parallelism)
        return key.withUnsafeBytes { Array($0) }
    }
}

/// Successful sign-ins, remembered for the life of the process so a client that reconnects
/// (redis-benchmark opens fifty at once) does not pay scrypt each time. Holds only an HMAC of
/// name and password under a key made at start-up and never stored: it cannot be reversed,
/// and it is gone at restart.
final class SignInCache: @unchecked Sendable {
    private let key = SymmetricKey(size: .bits256)
    private let lock = NSLock()
    private var known: [String: [UInt8]] = [:]
    /// Bounded: past it the cache is emptied; the only cost is scrypt again.
    private let entriesMax = 4_096

    private func tag(_ name: String, _ password: String, _ stored: [UInt8]) -> [UInt8] {
        var message = Array(name.utf8)
        message.append(0)
        message += password.utf8
        message.append(0)
        message += stored
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }

    func contains(_ name: String, _ password: String, stored: [UInt8]) -> Bool {
        let tag = tag(name, password, stored)
        return lock.withLock { known[name] == tag }
    }

    func remember(_ name: String, _ password: String, stored: [UInt8]) {
        let tag = tag(name, password, stored)
        lock.withLock {
            if known.count >= entriesMax { known.removeAll() }
            known[name] = tag
        }
    }
}
