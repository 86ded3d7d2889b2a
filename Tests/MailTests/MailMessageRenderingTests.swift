import Foundation
@testable import Mail
import Testing

/// The day list the Questura's desk receives: both bodies and a CSV, an Italian subject with an
/// em dash, a display name that needs encoding.
enum Fixture {
    static let csv = Array("ora;cognome;nome\r\n09:20;Rossi;Mario\r\n".utf8)
    /// 2026-04-14T05:30:00Z.
    static let dateSecondsSince1970: Int64 = 1_776_144_600

    static func dayList(
        subject: String = "Questura di Trieste — elenco del 14/04",
        textBody: String? = "Elenco del giorno in allegato.\n",
        htmlBody: String? = "<p>Elenco del giorno in allegato.</p>\n",
        attachments: [MailAttachment] = [MailAttachment(filename: "elenco-2026-04-14.csv", contentType: "text/csv; charset=utf-8", bytes: csv)]
    ) throws -> MailMessage {
        try MailMessage(
            from: MailAddress("agenda@questura.example.org", displayName: "Agenda — Questura di Trieste"),
            to: [MailAddress("ufficio.immigrazione@questura.example.org", displayName: "Ufficio immigrazione")],
            subject: subject,
            messageID: "<outbox-123-daylist@agenda.questura.example.org>",
            dateSecondsSince1970: dateSecondsSince1970,
            textBody: textBody,
            htmlBody: htmlBody,
            attachments: attachments,
            extraHeaders: [MailHeader(name: "X-Agenda-Idempotency-Key", value: "outbox-123-daylist")]
        )
    }
}

extension [UInt8] {
    var text: String { String(decoding: self, as: UTF8.self) }

    /// The header section: everything before the first empty line.
    var headerSection: String {
        text.components(separatedBy: "\r\n\r\n").first ?? ""
    }
}

@Suite("A rendered message")
struct MailMessageRenderingTests {
    @Test("the headers are CRLF lines under 78 columns, the subject and the display name as UTF-8 base64 encoded-words")
    func headersByteExact() throws {
        let rendered = try Fixture.dayList().rendered()
        let headers = rendered.headerSection
        let lines = headers.components(separatedBy: "\r\n")
        #expect(Array(lines.prefix(9)) == [
            "Date: Tue, 14 Apr 2026 05:30:00 +0000",
            "From: =?UTF-8?B?QWdlbmRhIOKAlCBRdWVzdHVyYSBkaSBUcmllc3Rl?=",
            " <agenda@questura.example.org>",
            "To: Ufficio immigrazione <ufficio.immigrazione@questura.example.org>",
            "Subject: =?UTF-8?B?UXVlc3R1cmEgZGkgVHJpZXN0ZSDigJQgZWxlbmNvIGRlbCAxNC8wNA==?=",
            "Message-ID: <outbox-123-daylist@agenda.questura.example.org>",
            "X-Agenda-Idempotency-Key: outbox-123-daylist",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed;",
        ])
        #expect(lines[9].hasPrefix(" boundary=\"=_agenda_") && lines[9].count == " boundary=\"=_agenda_\"".count + 32)
        #expect(lines.count == 10)
        for line in lines { #expect(line.utf8.count <= 78, "\(line)") }
        // No bare LF or CR anywhere: every LF follows a CR and every CR precedes an LF.
        for (index, byte) in rendered.enumerated() {
            if byte == 0x0A { #expect(index > 0 && rendered[index - 1] == 0x0D) }
            if byte == 0x0D { #expect(index + 1 < rendered.count && rendered[index + 1] == 0x0A) }
        }
        #expect(rendered.suffix(2) == [0x0D, 0x0A])
    }

    @Test("a long non-ASCII subject folds into encoded-words cut between characters, each line under 78 columns")
    func longSubjectFolds() throws {
        let subject = "Questura di Trieste — elenco del 14/04 — Ufficio immigrazione, sportello 3, piano terra"
        let headers = try Fixture.dayList(subject: subject).rendered().headerSection
        let expected = """
            Subject: =?UTF-8?B?UXVlc3R1cmEgZGkgVHJpZXN0ZSDigJQgZWxlbmNvIGRlbCAxNC8wNCA=?=\r
             =?UTF-8?B?4oCUIFVmZmljaW8gaW1taWdyYXppb25lLCBzcG9ydGVsbG8gMywgcGlhbm8g?=\r
             =?UTF-8?B?dGVycmE=?=\r

            """
        #expect(headers.contains(expected), "\(headers)")
        for line in headers.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "\(line)") }
    }

    @Test("a long ASCII subject folds at its spaces and stays readable")
    func longASCIISubjectFolds() throws {
        let subject = "Elenco del giorno per la Questura di Trieste, ufficio immigrazione, sportello numero 3"
        let headers = try Fixture.dayList(subject: subject).rendered().headerSection
        #expect(headers.contains("""
            Subject: Elenco del giorno per la Questura di Trieste, ufficio immigrazione,\r
             sportello numero 3\r

            """), "\(headers)")
    }

    @Test("with both bodies and an attachment: mixed holding alternative (plain, then html), then the CSV, all base64")
    func structure() throws {
        let rendered = try Fixture.dayList().rendered().text
        let outer = try #require(Self.boundary(in: rendered.components(separatedBy: "\r\n\r\n")[0]))
        let outerParts = Self.parts(of: rendered, boundary: outer)
        #expect(outerParts.count == 2)
        let alternativeHeaders = outerParts[0].components(separatedBy: "\r\n\r\n")[0]
        #expect(alternativeHeaders.hasPrefix("Content-Type: multipart/alternative;\r\n boundary=\"=_agenda_"))
        let inner = try #require(Self.boundary(in: alternativeHeaders))
        #expect(inner != outer)
        let bodies = Self.parts(of: outerParts[0], boundary: inner)
        #expect(bodies == [
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nRWxlbmNvIGRlbCBnaW9ybm8gaW4gYWxsZWdhdG8uDQo=",
            "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nPHA+RWxlbmNvIGRlbCBnaW9ybm8gaW4gYWxsZWdhdG8uPC9wPg0K",
        ])
        #expect(outerParts[1] == """
            Content-Type: text/csv; charset=utf-8\r
            Content-Disposition: attachment; filename="elenco-2026-04-14.csv"\r
            Content-Transfer-Encoding: base64\r
            \r
            b3JhO2NvZ25vbWU7bm9tZQ0KMDk6MjA7Um9zc2k7TWFyaW8NCg==
            """)
        #expect(rendered.hasSuffix("--\(outer)--\r\n"))
    }

    @Test("base64 lines are 76 characters but the last, for a body of 1,000 bytes")
    func base64LineLength() throws {
        let bytes = (0..<1_000).map { UInt8($0 % 251) }
        let message = try Fixture.dayList(attachments: [MailAttachment(filename: "a.bin", contentType: "application/octet-stream", bytes: bytes)])
        let rendered = message.rendered().text
        let outer = try #require(Self.boundary(in: rendered.components(separatedBy: "\r\n\r\n")[0]))
        let attachment = Self.parts(of: rendered, boundary: outer)[1]
        let body = attachment.components(separatedBy: "\r\n\r\n")[1].components(separatedBy: "\r\n")
        #expect(body.count == 18)  // 1,000 bytes are 1,336 characters: 17 full lines and 44
        #expect(body.dropLast().allSatisfy { $0.count == 76 })
        #expect(body.last?.count == 1_336 - 17 * 76)
        #expect(Array(body.joined().utf8) == Base64.encode(bytes))
    }

    @Test("a non-ASCII attachment name is written per RFC 2231, percent-encoded UTF-8")
    func rfc2231Filename() throws {
        let attachment = MailAttachment(filename: "Questura — elenco del 14/04.csv", contentType: "text/csv; charset=utf-8", bytes: Fixture.csv)
        let rendered = try Fixture.dayList(attachments: [attachment]).rendered().text
        #expect(rendered.contains("Content-Disposition: attachment;\r\n filename*=utf-8''Questura%20%E2%80%94%20elenco%20del%2014%2F04.csv\r\n"))
    }

    @Test("a long non-ASCII attachment name is cut into numbered RFC 2231 sections that each fit a line")
    func rfc2231Continuations() throws {
        let name = "Questura di Trieste — elenco completo delle prenotazioni del giorno 14 aprile 2026.csv"
        let rendered = try Fixture.dayList(attachments: [MailAttachment(filename: name, contentType: "text/csv", bytes: [])]).rendered().text
        let disposition = try #require(rendered.components(separatedBy: "\r\n\r\n").first { $0.contains("Content-Disposition") })
        let lines = disposition.components(separatedBy: "\r\n").drop { !$0.hasPrefix("Content-Disposition") }
        #expect(lines.first == "Content-Disposition: attachment;")
        #expect(lines.dropFirst().first?.hasPrefix(" filename*0*=utf-8''Questura%20di%20Trieste%20%E2%80%94") == true)
        #expect(lines.contains { $0.hasPrefix(" filename*2*=") })
        for line in lines { #expect(line.utf8.count <= 78, "\(line)") }
        // The sections joined and decoded give the name back.
        let joined = lines.filter { $0.hasPrefix(" filename*") }.map { line in
            let value = line.split(separator: "=", maxSplits: 1)[1]
            return String(value.hasSuffix(";") ? value.dropLast() : value)
        }.joined()
        #expect(joined == "utf-8''" + MIMEEntity.percentEncodedRFC2231(name))
    }

    @Test("the text/calendar type keeps its method parameter")
    func calendarType() throws {
        let invite = MailAttachment(filename: "appuntamento.ics", contentType: "text/calendar; method=REQUEST; charset=utf-8", bytes: Array("BEGIN:VCALENDAR\r\n".utf8))
        let rendered = try Fixture.dayList(attachments: [invite]).rendered().text
        #expect(rendered.contains("Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\nContent-Disposition: attachment; filename=\"appuntamento.ics\"\r\n"))
    }

    @Test("the same message renders the same bytes; changing one byte of the attachment changes the boundary")
    func deterministic() throws {
        let first = try Fixture.dayList().rendered()
        let second = try Fixture.dayList().rendered()
        #expect(first == second)
        var csv = Fixture.csv
        csv[0] = UInt8(ascii: "O")
        let changed = try Fixture.dayList(attachments: [MailAttachment(filename: "elenco-2026-04-14.csv", contentType: "text/csv; charset=utf-8", bytes: csv)]).rendered()
        #expect(Self.boundary(in: first.headerSection) != Self.boundary(in: changed.headerSection))
    }

    @Test("one body and no attachment is a single part: no multipart at all")
    func singlePart() throws {
        let rendered = try Fixture.dayList(htmlBody: nil, attachments: []).rendered().text
        #expect(rendered.hasSuffix("""
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: base64\r
            \r
            RWxlbmNvIGRlbCBnaW9ybm8gaW4gYWxsZWdhdG8uDQo=\r

            """))
        #expect(!rendered.contains("multipart"))
    }

    @Test("the text bodies are sent with CRLF line breaks, whatever the caller wrote")
    func canonicalText() {
        #expect(MIMEEntity.canonicalLineEndings("a\nb\r\nc\rd\n") == Array("a\r\nb\r\nc\r\nd\r\n".utf8))
    }

    @Test("a line break in the subject, a Subject as an extra header, or an address with a space is refused with a sentence")
    func refusals() throws {
        #expect(throws: MailMessageError.controlCharacter(field: "the subject")) {
            try Fixture.dayList(subject: "Elenco\r\nBcc: everyone@example.org")
        }
        let error = #expect(throws: MailMessageError.self) {
            try MailMessage(
                from: MailAddress("agenda@example.org"), to: [MailAddress("a b@example.org")], subject: "x",
                messageID: "<1@example.org>", dateSecondsSince1970: 0, textBody: "x"
            )
        }
        #expect(error == .invalidAddress("a b@example.org"))
        #expect(error?.description.hasPrefix("“a b@example.org” is not an address") == true)
        #expect(throws: MailMessageError.composedHeader("subject")) {
            try MailMessage(
                from: MailAddress("agenda@example.org"), to: [MailAddress("b@example.org")], subject: "x",
                messageID: "<1@example.org>", dateSecondsSince1970: 0, textBody: "x",
                extraHeaders: [MailHeader(name: "subject", value: "y")]
            )
        }
        #expect(throws: MailMessageError.noBody) {
            try Fixture.dayList(textBody: nil, htmlBody: nil)
        }
    }

    @Test("the Date header is right at the epoch, across a leap day and at the last second a header can carry")
    func dates() {
        #expect(MailMessage.rfc5322Date(0) == "Thu, 1 Jan 1970 00:00:00 +0000")
        #expect(MailMessage.rfc5322Date(951_782_400) == "Tue, 29 Feb 2000 00:00:00 +0000")
        #expect(MailMessage.rfc5322Date(253_402_300_799) == "Fri, 31 Dec 9999 23:59:59 +0000")
    }

    static func boundary(in headers: String) -> String? {
        guard let range = headers.range(of: "boundary=\"") else { return nil }
        return String(headers[range.upperBound...].prefix { $0 != "\"" })
    }

    /// The parts between `--boundary` delimiters, without the CRLFs that belong to the delimiters.
    static func parts(of body: String, boundary: String) -> [String] {
        let pieces = body.components(separatedBy: "--\(boundary)")
        guard pieces.count > 2 else { return [] }
        return pieces.dropFirst().dropLast().map { piece in
            var part = Substring(piece)
            // "\r\n" is one Character (one grapheme cluster).
            if part.hasPrefix("\r\n") { part = part.dropFirst() }
            if part.hasSuffix("\r\n") { part = part.dropLast() }
            return String(part)
        }
    }
}
