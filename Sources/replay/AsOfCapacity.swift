import ArgumentParser
import Events
import Replay

struct AsOfCapacity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "A service's capacity, bookings and free places per day, as they stood at --at.",
        discussion: """
            Example:
              replay as-of --data ./data --at 2008-06-01T12:00 capacity RM-Q fotosegnalamento 2008-06-02 2008-06-13
            """)

    @ParentCommand var asOf: AsOfCommand
    var options: AsOfOptions { asOf.options }

    @Argument(help: "The office, e.g. RM-Q.")
    var office: String

    @Argument(help: "The service, e.g. fotosegnalamento.")
    var service: String

    @Argument(help: "The first day, YYYY-MM-DD.")
    var from: String

    @Argument(help: "The last day, YYYY-MM-DD.")
    var to: String

    func run() throws {
        let first = try parseDay(from, "FROM")
        let last = try parseDay(to, "TO")
        let (views, instant) = try options.views()
        let lines = try AsOf.capacity(views, office: OfficeID(office), service: ServiceID(service), from: first,
                                             to: last)
        if options.json {
            printJSON(AsOf.capacityJSON(office: OfficeID(office), service: ServiceID(service), at: instant,
                                               head: views.headSequence, lines))
        } else {
            print("\(office) \(service), as of \(RecordText.romeTime(instant)) Rome time (through record \(views.headSequence))")
            print(AsOf.capacityTable(lines), terminator: "")
        }
    }
}
