import Documents
import Engine
import Events
import Foundation
import Projections
import Replay

/// The command layer every front-end calls: the RESP server's commands (`Call`) and the web
/// portal (AgendaWeb) both reach the engine through these, so a command travels one path from
/// a signed-in account to its record, and a failure reads the same code and sentence in each.
/// Nothing here decides: who may act and every booking rule are the engine's
/// (`Permissions`, `decide`); this signs in, submits, queries, renders and reports.

/// A command or read that did not succeed: the protocol's error code (NOPERM, FULL, BUSY…) and
/// the sentence that says what to do.
public struct Refusal: Error, Sendable, Equatable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public init(_ rejection: Rejection) {
        self.init(code: rejection.code, message: rejection.description)
    }

    /// The store's failure as a client reads it (a full queue, a shutdown, a failed commit).
    public init(_ error: StoreError) {
        switch error {
        case .busy:
            self.init(code: "BUSY", message: "The writer's queue is full (queueCommandsMax); retry in a moment.")
        case .invalid(let why):
            self.init(code: "SYNTAX", message: "Invalid command: \(why); fix it and send it again.")
        case .overLimit(let why):
            self.init(code: "LIMIT", message: "Over a limit: \(why); shorten it and send it again.")
        case .refused(let code, let message):
            self.init(code: code, message: message)
        case .closed:
            self.init(code: "BUSY", message: "The node is shutting down; retry once it is back.")
        case .notCommitted:
            self.init(code: "INTERNAL", message: "An earlier batch failed to commit (the node's log says why), so this "
                      + "command was not recorded; send it again.")
        case .cannotOpen, .lmdb, .corrupt:
            self.init(code: "INTERNAL", message: "The store failed (\(error)); nothing was recorded. Tell the administrator.")
        }
    }

    static func readingLogFailed(_ error: any Error) -> Refusal {
        Refusal(code: "INTERNAL", message: "Reading the log failed (\(error)); tell the administrator.")
    }
}

extension NodeContext {
    // MARK: - Commands and reads

    /// Sends the command through the single writer as `account`; `completion` gets the
    /// decision once it is durable, or the refusal (a rejection by the rules, who may act
    /// included, which the log records like any other; or the store's failure).
    public func submit(_ command: Command, as account: AccountView, requestID: String,
                       completion: @escaping @Sendable (Result<Decision, Refusal>) -> Void) {
        let failures = commitFailures
        store.submit(command, actor: account.spec.actor, requestID: requestID) { result in
            switch result {
            case .success(let decision):
                if case .rejected(let rejection) = decision.record.outcome {
                    completion(.failure(Refusal(rejection)))
                } else {
                    completion(.success(decision))
                }
            case .failure(let error):
                // A failed commit (a full disk) is logged once per cause, counted in INFO and metrics.
                failures.record(error)
                completion(.failure(Refusal(error)))
            }
        }
    }

    public func submit(_ command: Command, as account: AccountView, requestID: String = "") async -> Result<Decision, Refusal> {
        await withCheckedContinuation { continuation in
            submit(command, as: account, requestID: requestID) { continuation.resume(returning: $0) }
        }
    }

    /// Reads the views in the writer's order (`Store.query`); a failure is counted as a command's is.
    public func query<T: Sendable>(_ body: @escaping @Sendable (Views) -> T,
                                   completion: @escaping @Sendable (Result<T, Refusal>) -> Void) {
        let failures = commitFailures
        store.query(body) { result in
            switch result {
            case .success(let answer): completion(.success(answer))
            case .failure(let error):
                failures.record(error)
                completion(.failure(Refusal(error)))
            }
        }
    }

    public func query<T: Sendable>(_ body: @escaping @Sendable (Views) -> T) async -> Result<T, Refusal> {
        await withCheckedContinuation { continuation in
            query(body) { continuation.resume(returning: $0) }
        }
    }

    /// The engine's refusal of a read by `account`, for reads that name no appointment.
    public func refusal(reading read: Permissions.Read, by account: AccountView?) -> Refusal? {
        Permissions.refusal(reading: read, by: account, offices: store.offices).map(Refusal.init)
    }

    /// Today in Rome, by the node's clock.
    public var today: Day { RomeTime.day(of: clock()) }

    public var now: Instant { clock() }

    // MARK: - Signing in

    /// The account `name` signs in as with `password`, or nil (unknown, disabled or a wrong
    /// password, told apart by nothing, timing included). The account comes through the writer
    /// (in order with its creation); the credential read, the HMAC and scrypt run on the
    /// password queue, never on the writer's thread or an event loop.
    public func signIn(_ name: String, _ password: String, completion: @escaping @Sendable (AccountView?) -> Void) {
        let node = self
        store.query({ views in views.accounts[name] }) { result in
            node.passwordQueue.async {
                guard case .success(let found) = result, let account = found, account.enabled,
                      let stored = try? node.store.credential(name) else {
                    // Same cost as a real check, so a wrong name is not told apart from a wrong password.
                    _ = Passwords.verify(password, against: Passwords.decoy)
                    return completion(nil)
                }
                if node.signIns.contains(name, password, stored: stored) { return completion(account) }
                if Passwords.verify(password, against: stored) {
                    node.signIns.remember(name, password, stored: stored)
                    completion(account)
                } else {
                    completion(nil)
                }
            }
        }
    }

    public func signIn(_ name: String, _ password: String) async -> AccountView? {
        await withCheckedContinuation { continuation in
            signIn(name, password) { continuation.resume(returning: $0) }
        }
    }

    /// The account as the views hold it now (disabled since, or gone): what a long-lived
    /// session (the portal's) checks on each request instead of trusting what it saw at sign-in.
    public func account(named name: String) async -> AccountView? {
        switch await query({ views in views.accounts[name] }) {
        case .success(let account): account
        case .failure: nil
        }
    }

    // MARK: - The public status check

    /// True when one more STATUS check from `address` fits its minute (Limits.statusPerMinuteMax),
    /// shared by every front-end: an address gets that many a minute over RESP and HTTP together.
    public func allowStatusCheck(from address: String) -> Bool {
        statusLimiter.allow(address, now: clock())
    }

    /// The STATUS answer (`Queries.permitStatus`); the caller sends it at the fixed reply time.
    public func permitStatus(surname: String, name: String, birthDate: Day,
                             fingerprintedOn: Day) async -> Result<Queries.PermitStatus, Refusal> {
        await query { views in
            Queries.permitStatus(views, surname: surname, name: name, birthDate: birthDate, fingerprintedOn: fingerprintedOn)
        }
    }

    // MARK: - Live updates

    /// Every event touching `office` as its pub/sub JSON message (`EventJSON`), from the
    /// committer's thread; `deliver` must not block. Returns the id to unsubscribe with.
    public func subscribe(_ office: OfficeID, deliver: @escaping @Sendable (String) -> Void) -> Int {
        let id = connectionIDs.withLockedValue { value -> Int in
            value += 1
            return value
        }
        hub.subscribe(office, connection: id) { _, message in deliver(message) }
        return id
    }

    public func unsubscribe(_ office: OfficeID, id: Int) {
        hub.unsubscribe(office, connection: id)
    }
}

// MARK: - Printed documents

/// The printed documents of issue 5 (PRINT CONVOCATION, PRINT REMINDER, DAYLIST), for any
/// front-end: who may print what is the engine's read rule, rendering runs off the writer's and
/// the event loops' threads.
public enum PrintedDocuments {
    /// Rendering and reading the log happen here.
    static let queue = DispatchQueue(label: "agenda-printing", attributes: .concurrent)

    public enum NoteFormat: String, CaseIterable, Sendable { case text, html, ics }
    public enum ListFormat: String, CaseIterable, Sendable { case csv, html }

    /// A convocation or pickup reminder for `target` (an appointment; for a reminder, a
    /// pratica too), as `account` may read it, rendered in `language` (nil: the note's own).
    public static func note(_ kind: AppointmentNote.Kind, target: String, language: DocumentLanguage?,
                            format: NoteFormat, account: AccountView?, node: NodeContext,
                            completion: @escaping @Sendable (Result<String, Refusal>) -> Void) {
        let store = node.store
        node.query({ views -> Result<AppointmentNote, AppointmentNote.Problem> in
            var id = AppointmentID(target)
            // Who may print what is the engine's read rule: an applicant its own pratica's
            // notes, a body its own bookings'; anything else, known or not, answers the same.
            func refused(_ read: Permissions.Read) -> AppointmentNote.Problem? {
                Permissions.refusal(reading: read, by: account, offices: views.offices,
                                    appointments: { views.appointments[$0] })
                    .map { AppointmentNote.Problem(code: $0.code, message: $0.description) }
            }
            if kind == .pickupReminder && views.appointments[id] == nil {
                if let problem = refused(.pratica(PraticaID(target), verb: "print")) { return .failure(problem) }
                switch AppointmentNote.pickupAppointment(of: PraticaID(target), views) {
                case .success(let found): id = found
                case .failure(let problem): return .failure(problem)
                }
            }
            if let problem = refused(.appointment(id, verb: "print")) { return .failure(problem) }
            return AppointmentNote.make(kind, appointment: id, views)
        }) { result in
            switch result {
            case .failure(let refusal):
                completion(.failure(refusal))
            case .success(.failure(let problem)):
                completion(.failure(Refusal(code: problem.code, message: problem.message)))
            case .success(.success(let found)):
                queue.async {
                    var note = found
                    do {
                        // DTSTAMP: when the record that last changed the appointment was decided.
                        guard let record = try store.read({ try $0.record(note.recordSequence) }) else {
                            return completion(.failure(Refusal(code: "INTERNAL", message: "Record \(note.recordSequence) "
                                                               + "is missing from the log; tell the administrator.")))
                        }
                        note.recordedAt = record.decidedAt
                        note.recordHash = record.hash
                        completion(.success(render(note, language: language ?? note.defaultLanguage, format: format)))
                    } catch {
                        completion(.failure(.readingLogFailed(error)))
                    }
                }
            }
        }
    }

    public static func note(_ kind: AppointmentNote.Kind, target: String, language: DocumentLanguage?,
                            format: NoteFormat, account: AccountView?, node: NodeContext) async -> Result<String, Refusal> {
        await withCheckedContinuation { continuation in
            note(kind, target: target, language: language, format: format, account: account, node: node) {
                continuation.resume(returning: $0)
            }
        }
    }

    static func render(_ note: AppointmentNote, language: DocumentLanguage, format: NoteFormat) -> String {
        switch format {
        case .text: NoteText.render(note, language: language)
        case .html: NoteHTML.render(note, language: language)
        case .ics: ICalendar.render(note, language: language)
        }
    }

    /// The day's list of an office (DAYLIST): `booked` the appointments fixed that day, with the
    /// day's head hash, read from the log; `agenda` the appointments seated on it. The caller
    /// has asked the engine whether `account` may read the office's day.
    public static func dayList(office: OfficeID, day: Day, kind: DayList.Kind, format: ListFormat, node: NodeContext,
                               completion: @escaping @Sendable (Result<String, Refusal>) -> Void) {
        let store = node.store
        let answer: @Sendable (Result<Result<DayList, DayList.Problem>, Refusal>) -> Void = { result in
            switch result {
            case .failure(let refusal): completion(.failure(refusal))
            case .success(.failure(let problem)): completion(.failure(Refusal(code: problem.code, message: problem.message)))
            case .success(.success(let built)):
                queue.async {
                    var list = built
                    if let key = node.signingKey {
                        do {
                            // Nil for a head from before the node had a key: the list carries it unsigned.
                            list.signedHead = try store.read { try $0.signedHeadIfRecorded(size: list.head.sequence, key: key) }
                            list.signingKey = list.signedHead == nil ? nil : key.publicKey
                        } catch {
                            return completion(.failure(.readingLogFailed(error)))
                        }
                    }
                    completion(.success(format == .csv ? DayListRender.csv(list) : DayListRender.html(list)))
                }
            }
        }
        switch kind {
        case .agenda:
            node.query({ views in DayList.agenda(office: office, day: day, views: views) }, completion: answer)
        case .booked:
            let dayOver = node.clock() >= Instant(romeDay: day.adding(days: 1), time: .midnight)
            node.query({ views in views.offices[office] != nil }) { known in
                switch known {
                case .failure(let refusal): return completion(.failure(refusal))
                case .success(false): return completion(.failure(Refusal(.unknownOffice(office))))
                case .success(true): break
                }
                queue.async {
                    let reading: DayLog.Reading
                    do {
                        reading = try store.read { try DayLog.read($0, office: office, day: day) }
                    } catch {
                        return completion(.failure(.readingLogFailed(error)))
                    }
                    node.query({ views in
                        DayList.booked(office: office, day: day, records: reading.records, views: views,
                                       head: reading.head, dayOver: dayOver)
                    }, completion: answer)
                }
            }
        }
    }

    public static func dayList(office: OfficeID, day: Day, kind: DayList.Kind, format: ListFormat,
                               node: NodeContext) async -> Result<String, Refusal> {
        await withCheckedContinuation { continuation in
            dayList(office: office, day: day, kind: kind, format: format, node: node) { continuation.resume(returning: $0) }
        }
    }
}
