import Events
import Foundation

extension Simulation {
    /// What a simulation did: the engine's answers, counted as they came back.
    public struct Report: Sendable {
        public var records: UInt64 = 0
        public var head = Checkpoint(sequence: 0, hash: .genesis)
        public var firstDay = Day(daysSinceEpoch: 0)
        public var lastDay = Day(daysSinceEpoch: 0)
        public var seconds = 0.0
        public var applicants = 0
        /// Per appointment kind: SUI documents, SUI contract, fingerprinting, pickup.
        public var booked = [0, 0, 0, 0]
        /// Bookings the engine moved past a full requested day by itself.
        public var autoDeferred = [0, 0, 0, 0]
        public var refusedFull = [0, 0, 0, 0]
        public var attended = [0, 0, 0, 0]
        public var noShows = [0, 0, 0, 0]
        public var cancelled = 0
        public var deferredOnRequest = 0
        public var closures = 0
        public var closuresRefused = 0
        public var movedByClosure = 0
        public var permitsReady = 0
        public var pickups = 0
        public var otherRefusals = 0
        var setupRefusals: [String] = []

        public static let kindNames = ["suiDocuments", "suiContract", "fingerprinting", "pickup"]

        public var recordsPerSecond: Double { seconds > 0 ? Double(records) / seconds : 0 }

        public var json: JSON {
            func perKind(_ values: [Int]) -> JSON {
                .object(zip(Report.kindNames, values).map { ($0, .int(Int64($1))) })
            }
            return .object([
                ("records", .unsigned(records)),
                ("head", .object([("sequence", .unsigned(head.sequence)), ("hash", .string(head.hash.description))])),
                ("from", .string(firstDay.description)),
                ("to", .string(lastDay.description)),
                ("seconds", .decimal(seconds, places: 3)),
                ("recordsPerSecond", .decimal(recordsPerSecond, places: 0)),
                ("applicants", .int(Int64(applicants))),
                ("booked", perKind(booked)),
                ("autoDeferred", perKind(autoDeferred)),
                ("refusedFull", perKind(refusedFull)),
                ("attended", perKind(attended)),
                ("noShows", perKind(noShows)),
                ("cancelled", .int(Int64(cancelled))),
                ("deferredOnRequest", .int(Int64(deferredOnRequest))),
                ("closures", .int(Int64(closures))),
                ("closuresRefused", .int(Int64(closuresRefused))),
                ("movedByClosure", .int(Int64(movedByClosure))),
                ("permitsReady", .int(Int64(permitsReady))),
                ("pickups", .int(Int64(pickups))),
                ("otherRefusals", .int(Int64(otherRefusals))),
            ])
        }

        /// A few lines for a person.
        public var lines: [String] {
            func kinds(_ values: [Int]) -> String {
                zip(["SUI documents", "SUI nulla osta", "fingerprinting", "pickup"], values)
                    .filter { $0.1 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
            }
            return [
                "simulated \(firstDay) through \(lastDay): \(records) records, head \(head)",
                "applicants \(applicants); booked: \(kinds(booked))",
                "auto-deferred (day full): \(kinds(autoDeferred).isEmpty ? "none" : kinds(autoDeferred)); "
                    + "refused full: \(kinds(refusedFull).isEmpty ? "none" : kinds(refusedFull))",
                "attended: \(kinds(attended)); no-shows: \(kinds(noShows))",
                "cancelled \(cancelled), deferred on request \(deferredOnRequest), closures \(closures) "
                    + "(\(movedByClosure) appointments moved, \(closuresRefused) refused)",
                "permits ready \(permitsReady), handed over \(pickups); other refusals \(otherRefusals)",
                "in \(String(format: "%.2f", seconds)) s: \(Int(recordsPerSecond)) records/s",
            ]
        }
    }
}

/// Synthetic applicants' names: a few common given names and surnames per nationality (ASCII,
/// one word each), the nationalities weighted roughly as among the non-EU citizens with permits
/// in Italy around 2008-2011 (Morocco, Albania, China, Ukraine ahead). No real person is meant.
enum Names {
    typealias Entry = (nationality: String, names: [String], surnames: [String])
    static let morocco: Entry = ("MAR", ["Mohamed", "Youssef", "Fatima", "Khadija", "Said", "Aicha"],
                                 ["ElAmrani", "Benali", "Ouali", "Haddad", "Bennani", "Tazi"])
    static let albania: Entry = ("ALB", ["Arben", "Elira", "Besnik", "Mirela", "Gentian", "Blerta"],
                                 ["Hoxha", "Shehu", "Dervishi", "Kola", "Leka", "Basha"])
    static let china: Entry = ("CHN", ["Wei", "Li", "Jing", "Hui", "Ming", "Yan"],
                               ["Wang", "Zhang", "Chen", "Hu", "Zhou", "Lin"])
    static let ukraine: Entry = ("UKR", ["Oksana", "Olena", "Andriy", "Natalia", "Iryna", "Taras"],
                                 ["Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Melnyk", "Boyko"])
    static let india: Entry = ("IND", ["Gurpreet", "Harpreet", "Rajesh", "Sunita", "Manjit", "Amrit"],
                               ["Singh", "Kaur", "Sharma", "Kumar", "Gill", "Sandhu"])
    static let philippines: Entry = ("PHL", ["Maria", "Jose", "Rosalie", "Mark", "Jocelyn", "Ramon"],
                                     ["Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza"])
    static let moldova: Entry = ("MDA", ["Ion", "Elena", "Vasile", "Natalia", "Sergiu", "Ana"],
                                 ["Rusu", "Ciobanu", "Munteanu", "Popa", "Lungu", "Cojocaru"])
    static let bangladesh: Entry = ("BGD", ["Mohammad", "Abdul", "Nasrin", "Rahim", "Shirin", "Karim"],
                                    ["Rahman", "Hossain", "Islam", "Ahmed", "Uddin", "Akter"])
    static let egypt: Entry = ("EGY", ["Ahmed", "Mahmoud", "Mona", "Mostafa", "Heba", "Tarek"],
                               ["Hassan", "Ibrahim", "Mansour", "Farouk", "Saleh", "Nasser"])
    static let senegal: Entry = ("SEN", ["Mamadou", "Fatou", "Ousmane", "Aminata", "Cheikh", "Awa"],
                                 ["Diop", "Ndiaye", "Fall", "Sow", "Gueye", "Diallo"])
    static let peru: Entry = ("PER", ["Luis", "Rosa", "Carlos", "Milagros", "Jorge", "Carmen"],
                              ["Quispe", "Flores", "Huaman", "Rojas", "Vargas", "Chavez"])
    static let srilanka: Entry = ("LKA", ["Nimal", "Kumari", "Sunil", "Chandani", "Ruwan", "Dilani"],
                                  ["Perera", "Fernando", "Silva", "Jayasinghe", "Wickramasinghe", "Dissanayake"])

    /// Repeated in proportion to their weight, so a uniform pick follows it.
    static let byNationality: [Entry] =
        Array(repeating: morocco, count: 4) + Array(repeating: albania, count: 4) + Array(repeating: china, count: 3)
        + Array(repeating: ukraine, count: 3) + Array(repeating: india, count: 2) + Array(repeating: philippines, count: 2)
        + Array(repeating: moldova, count: 2) + [bangladesh, egypt, senegal, peru, srilanka]
}
