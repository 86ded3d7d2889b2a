@testable import Engine
import Events
import Foundation
import Projections
import Testing

@Suite("Reading through the writer, watching commits, one writer per directory")
struct StoreQueryTests {
    func seededStore(_ directory: String) throws -> Store {
        let store = try Store(directory: directory, clock: { pilotMorning })
        _ = try store.executeAll([.configureOffice(testOffice())] + (0..<20).map { .registerPratica(applicant($0)) },
                                 actor: .system)
        return store
    }

    @Test("a query sees every command queued before it, and answers only once they are durable")
    func queryIsOrderedAfterEarlierCommands() async throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try seededStore(directory)
        defer { store.close() }
        let answered = AnswerCounter()
        for index in 0..<10 {
            store.submit(book(index), actor: sui) { _ in answered.increment() }
        }
        let seen = try await store.query { views in
            views.pratiche.memory.values.filter { !$0.live.isEmpty }.count
        }
        #expect(seen == 10)
        // The query's answer waited for the commit that carried the bookings before it.
        #expect(answered.value == 10)
        #expect(try store.persistedViews().appointments.memory.count == 10)
    }

    @Test("observers see each committed record once, in order, repeats of a request id not at all")
    func observersSeeCommits() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try seededStore(directory)
        defer { store.close() }
        let seen = SequenceList()
        store.observe { records in seen.append(records.map(\.sequence)) }
        let head = try store.head().sequence
        _ = try store.executeAll((0..<5).map { book($0) }, actor: sui)
        _ = try store.execute(book(5), actor: sui, requestID: "r-1")
        _ = try store.execute(book(5), actor: sui, requestID: "r-1")
        #expect(seen.values == Array((head + 1)...(head + 6)))
    }

    @Test("a second writer on the same directory is refused while the first is open, and allowed after")
    func oneWriterPerDirectory() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try seededStore(directory)
        #expect {
            _ = try Store(directory: directory)
        } throws: { error in
            guard case StoreError.cannotOpen(let reason) = error else { return false }
            return reason.contains("another agenda-node")
        }
        store.close()
        let again = try Store(directory: directory)
        again.close()
    }

    @Test("credentials live beside the log, not in it")
    func credentialsAreNotLogged() throws {
        let directory = temporaryDirectory()
        defer { removeDirectory(directory) }
        let store = try seededStore(directory)
        defer { store.close() }
        let head = try store.head()
        try store.setCredential("sui.trieste", Array("scrypt$secret-hash".utf8))
        #expect(try store.credential("sui.trieste") == Array("scrypt$secret-hash".utf8))
        #expect(try store.credential("nobody") == nil)
        #expect(try store.head() == head)
    }
}

private final class AnswerCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}

private final class SequenceList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [UInt64] = []
    var values: [UInt64] { lock.withLock { list } }
    func append(_ more: [UInt64]) { lock.withLock { list += more } }
}
