import ArgumentParser
import Events
import Replay

struct AsOfAgenda: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agenda",
        abstract: "An office's agenda for a day, as it stood at --at.",
        discussion: """
            Example:
              replay as-of --data ./data --at 2008-06-01T12:00 agenda RM-Q 2008-06-03
            """)

    @ParentCommand var asOf: AsOfCommand
    var options: AsOfOptions { asOf.options }

    @Argument(help: "The office, e.g. RM-Q.")
    var office: String

    @Argument(help: "The day, YYYY-MM-DD.")
    var date: String

    func run() throws {
        let day = try parseDay(date, "DATE")
        let (views, instant) = try options.views()
        let lines = try AsOf.agenda(views, office: OfficeID(office), day: day)
        if options.json {
            printJSON(AsOf.agendaJSON(office: OfficeID(office), day: day, at: instant, head: views.headSequence, lines))
        } else {
            print("\(office) on \(day), as of \(RecordText.romeTime(instant)) Rome time (through record \(views.headSequence))")
            print(AsOf.agendaTable(office: OfficeID(office), day: day, lines), terminator: "")
        }
    }
}
