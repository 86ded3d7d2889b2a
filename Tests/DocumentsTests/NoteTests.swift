@testable import Documents
import Events
import Foundation
import Projections
import Testing

@Suite("Convocation notes and pickup reminders, in four languages")
struct NoteTests {
    static let kinds: [AppointmentNote.Kind] = [.convocation, .pickupReminder]

    @Test("every language renders both notes as text, carrying the applicant, the day, the time, the codes and the list of what to bring",
          arguments: DocumentLanguage.allCases)
    func textInEveryLanguage(_ language: DocumentLanguage) {
        for kind in Self.kinds {
            let text = NoteText.render(note(kind), language: language)
            let wording = Wording.note(kind, language)
            #expect(text.hasPrefix("Questura di Roma\nRoma (RM)\n"), "\(text)")
            for needle in ["A-0056K", "P-RM-2008-000123", "ITA1234567", "BENJELLOUN Fatima", wording.title.uppercased(),
                           CalendarWords.longDate(.on(2026, 3, 30), language), CalendarWords.time(.at(9, 20), language)] {
                #expect(text.contains(needle), "\(language) \(kind): missing \(needle) in\n\(text)")
            }
            for item in wording.bring {
                #expect(text.replacingOccurrences(of: "\n   ", with: " ").contains(item), "\(language) \(kind): missing \(item)")
            }
            #expect(text.contains("1. ") && text.contains("5. "), "a numbered list of five: \(text)")
        }
    }

    @Test("the wording differs per language and per note, and the lists of what to bring are as long in every language")
    func wordingIsTranslated() {
        for kind in Self.kinds {
            let all = DocumentLanguage.allCases.map { Wording.note(kind, $0) }
            #expect(Set(all.map(\.intro)).count == 4)
            #expect(Set(all.map(\.title)).count == 4)
            #expect(Set(all.map(\.bring.count)) == [5])
        }
        #expect(Wording.note(.convocation, .italian).bring.contains { $0.contains("Modello 209") })
        #expect(Wording.note(.convocation, .italian).bring.contains { $0.contains("quattro fotografie") })
        #expect(Wording.note(.convocation, .italian).bring.contains { $0.contains("marca da bollo") })
        #expect(Wording.note(.pickupReminder, .italian).bring.contains { $0.contains("rilevamento delle impronte") })
        // Arabic text is Arabic: most letters in the Arabic block.
        let arabic = Wording.note(.convocation, .arabic).intro.unicodeScalars.filter { $0.properties.isAlphabetic }
        let inBlock = arabic.filter { (0x0600...0x06FF).contains($0.value) }
        #expect(inBlock.count * 10 > arabic.count * 7, "\(inBlock.count) of \(arabic.count) letters are Arabic")
    }

    @Test("the HTML page is a self-contained A4 sheet; Arabic is right to left with ids isolated left to right",
          arguments: DocumentLanguage.allCases)
    func htmlPage(_ language: DocumentLanguage) {
        for kind in Self.kinds {
            let html = NoteHTML.render(note(kind), language: language)
            #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"\(language.rawValue)\" dir=\"\(language == .arabic ? "rtl" : "ltr")\">"),
                    "\(html.prefix(80))")
            #expect(html.contains("@page { size: A4;"))
            #expect(html.contains("@media print"))
            #expect(html.contains("<meta charset=\"utf-8\">"))
            #expect(!html.contains("<script") && !html.contains("<link") && !html.contains("src="), "self-contained")
            #expect(html.hasSuffix("</body>\n</html>\n"))
            #expect(html.contains("Questura di Roma") && html.contains("Roma (RM)"))
            for item in Wording.note(kind, language).bring { #expect(html.contains("<li>\(HTML.escape(item))</li>")) }
            if language == .arabic {
                #expect(html.contains("<bdi dir=\"ltr\">A-0056K</bdi>"))
                #expect(html.contains("<bdi dir=\"ltr\">09:20</bdi>"))
            } else {
                #expect(html.contains("<strong>A-0056K</strong>"))
            }
        }
    }

    @Test("names are escaped in HTML")
    func htmlEscapes() {
        let html = NoteHTML.render(note(surname: "<script>alert(1)</script>", name: "Ana & \"Bo\""), language: .italian)
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;SCRIPT&gt;ALERT(1)&lt;/SCRIPT&gt; Ana &amp; &quot;Bo&quot;"))
    }

    @Test("dates and times are written as each language writes them")
    func calendarWords() {
        #expect(CalendarWords.longDate(.on(2026, 3, 30), .italian) == "lunedì 30 marzo 2026")
        #expect(CalendarWords.longDate(.on(2026, 3, 30), .english) == "Monday 30 March 2026")
        #expect(CalendarWords.longDate(.on(2026, 6, 1), .french) == "lundi 1er juin 2026")
        #expect(CalendarWords.longDate(.on(2026, 10, 24), .arabic) == "السبت 24 أكتوبر 2026")
        #expect(CalendarWords.time(.at(9, 5), .french) == "9\u{00A0}h\u{00A0}05")
        #expect(CalendarWords.time(.at(9, 5), .italian) == "09:05")
    }

    @Test("the default language follows the nationality, and LANG codes parse case-insensitively")
    func defaultLanguage() {
        #expect(DocumentLanguage.preferred(forNationality: "MAR") == .arabic)
        #expect(DocumentLanguage.preferred(forNationality: "egy") == .arabic)
        #expect(DocumentLanguage.preferred(forNationality: "SEN") == .french)
        #expect(DocumentLanguage.preferred(forNationality: "NGA") == .english)
        #expect(DocumentLanguage.preferred(forNationality: "ALB") == .italian)
        #expect(DocumentLanguage(code: "AR") == .arabic)
        #expect(DocumentLanguage(code: "de") == nil)
    }

    @Test("a note is made from the views only for a booked appointment of the right kind")
    func makeFromViews() throws {
        var log = Log()
        let when = Instant(romeDay: .on(2026, 3, 20), time: .at(10, 0))
        log.book("A-1", 0, on: .on(2026, 3, 30), at: .at(9, 20), by: World.suiOperator, when: when)
        log.book("A-2", 1, on: .on(2026, 3, 30), at: .at(9, 0), service: World.consegna, by: World.caf, when: when)
        let made = try AppointmentNote.make(.convocation, appointment: "A-1", log.views).get()
        #expect(made.officeName == "Questura di Roma" && made.officeAddress == "Roma (RM)")
        #expect(made.surname == "Benjelloun" && made.visto == "ITA0000001" && made.durationMinutes == 20)
        #expect(made.defaultLanguage == .arabic && made.recordSequence == 2)
        #expect(AppointmentNote.make(.pickupReminder, appointment: "A-1", log.views).failure?.code == "CONFLICT")
        #expect(AppointmentNote.make(.convocation, appointment: "A-2", log.views).failure?.code == "CONFLICT")
        #expect(AppointmentNote.make(.convocation, appointment: "A-9", log.views).failure?.code == "NOTFOUND")
        #expect(try AppointmentNote.pickupAppointment(of: "P-RM-2008-000002", log.views).get() == "A-2")
        #expect(AppointmentNote.pickupAppointment(of: "P-RM-2008-000001", log.views).failure?.code == "NOTFOUND")
        log.append(at: when, World.questuraOfficer, events: [.appointmentCancelled(
            appointment: "A-1", office: World.questura, service: World.fotosegnalamento, pratica: "P-RM-2008-000001",
            day: .on(2026, 3, 30), time: .at(9, 20), reason: "")])
        #expect(AppointmentNote.make(.convocation, appointment: "A-1", log.views).failure?.code == "CONFLICT")
    }

    @Test("a convocation at a SUI or a Prefettura names the office and its service, never fingerprinting at the Questura",
          arguments: DocumentLanguage.allCases)
    func officeConvocation(_ language: DocumentLanguage) {
        var sui = note()
        sui.officeKind = .sui
        sui.office = "RM-S"
        sui.officeName = "Sportello Unico per l'Immigrazione di Roma"
        sui.serviceName = "Nulla osta: presentazione e verifica dei documenti"
        let wording = Wording.note(for: sui, language)
        let text = NoteText.render(sui, language: language)
        let html = NoteHTML.render(sui, language: language)
        let ics = ICalendar.render(sui, language: language)
        for needle in [sui.serviceName, wording.title.uppercased(), "A-0056K", "P-RM-2008-000123"] {
            #expect(text.contains(needle), "\(language): missing \(needle) in\n\(text)")
        }
        #expect(wording.intro.contains(sui.officeName) && wording.intro.contains(sui.serviceName))
        for item in wording.bring {
            #expect(text.replacingOccurrences(of: "\n   ", with: " ").contains(item), "\(language): missing \(item)")
            #expect(html.contains("<li>\(HTML.escape(item))</li>"))
        }
        // Nothing of the Questura's fingerprinting: not the wording, not the Modello 209.
        let questura = Wording.note(.convocation, language)
        for sentence in [questura.subtitle, questura.intro, questura.closing] + questura.bring.dropFirst() {  // the first: "this notice"
            #expect(!text.contains(sentence) && !html.contains(HTML.escape(sentence)) && !ics.contains(sentence))
        }
        #expect(!text.contains("209") && !text.localizedCaseInsensitiveContains("fotosegnalamento"))
        // The Questura's own convocation keeps its wording; a Prefettura's reads as a SUI's, with its names.
        #expect(Wording.note(for: note(), language).intro == questura.intro)
        var prefettura = sui
        prefettura.officeKind = .prefettura
        prefettura.officeName = "Prefettura di Asti"
        prefettura.serviceName = "Cittadinanza: verifica dei documenti e giuramento"
        #expect(Wording.note(for: prefettura, language).intro.contains("Prefettura di Asti"))
        // Translated: every language's intro differs from the Italian one.
        if language != .italian { #expect(wording.intro != Wording.note(for: sui, .italian).intro) }
    }

    @Test("the address is the office's own (with its telephone), else the province capital")
    func address() {
        var configured = World.questuraConfiguration
        configured.address = "Via di San Vitale 15, Roma"
        #expect(OfficeAddress.of(configured) == "Via di San Vitale 15, Roma")
        configured.phone = "06 4686"
        #expect(OfficeAddress.of(configured) == "Via di San Vitale 15, Roma · tel. 06 4686")
        #expect(OfficeAddress.of(World.questuraConfiguration) == "Roma (RM)")
        var pavia = World.questuraConfiguration
        pavia.office = "PV-Q"
        #expect(OfficeAddress.of(pavia) == "Pavia (PV)")
        pavia.office = "DEMO-Q"
        #expect(OfficeAddress.of(pavia) == "")
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}

@Suite("The Italian convocation note, word for word")
struct GoldenNoteTests {
    @Test("the Italian convocation note reads exactly so (change this only with the wording)")
    func italianConvocation() throws {
        let expected = """
            Questura di Roma
            Roma (RM)

            NOTA DI CONVOCAZIONE
            Identificazione e fotosegnalamento presso la Questura

            Cognome e nome:      BENJELLOUN Fatima
            Data di nascita:     14 marzo 1985
            Numero di pratica:   P-RM-2008-000123
            Numero di visto:     ITA1234567
            Ufficio:             Questura di Roma
            Indirizzo:           Roma (RM)
            Giorno:              lunedì 30 marzo 2026
            Ora:                 09:20
            Codice appuntamento: A-0056K

            È stato fissato l'appuntamento per l'identificazione e il fotosegnalamento
            (rilievi dattiloscopici), necessari per il rilascio del primo permesso di
            soggiorno. L'interessato deve presentarsi di persona presso la Questura nel
            giorno e all'ora indicati.

            Da portare con sé:
            1. questa nota di convocazione;
            2. il passaporto in corso di validità, con il visto d'ingresso, e una sua
               fotocopia;
            3. il Modello 209 consegnato dallo Sportello Unico per l'Immigrazione, con la
               ricevuta;
            4. quattro fotografie formato tessera, recenti e uguali;
            5. una marca da bollo da 16,00 euro.

            Chi non può presentarsi nel giorno indicato chieda un'altra data allo
            Sportello Unico per l'Immigrazione, citando il codice dell'appuntamento.

            Prenotato da: RM-S · Stampato da Agenda, record 1042

            """
        // Then the record's hash and its QR code (QRCodeTests reads the code back).
        let code = try #require(QRCode(note().recordReference))
        #expect(NoteText.render(note(), language: .italian)
                    == expected + "\(ChainHash.genesis)\n" + code.textLines.joined(separator: "\n") + "\n")
    }
}
