@testable import Documents
import Events
import Foundation
import Testing

/// The convocation note's QR code carries its record's sequence and hash: a QR reader (Debian's
/// zbarimg, an implementation that is not libqrencode) reads it back from the drawing.
@Suite("The notes' QR code")
struct QRCodeTests {
    static func zbarimg(_ image: String) throws -> (status: Int32, output: String) {
        let path = NSTemporaryDirectory() + "agenda-qr-\(UUID().uuidString).pbm"
        try image.write(toFile: path, atomically: true, encoding: .ascii)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["zbarimg", "--quiet", "--raw", path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines))
    }

    static let hash = ChainHash(hex: "13a6f93baffab75914b6aec8e5c4c00785e081b5ca0cbe8f268b5a672aa4d93c")!

    @Test func aReaderReadsTheRecordAndItsHashBack() throws {
        let text = QRCode.recordText(sequence: 3322, hash: Self.hash)
        #expect(text == "agenda:3322:13a6f93baffab75914b6aec8e5c4c00785e081b5ca0cbe8f268b5a672aa4d93c")
        let code = try #require(QRCode(text))
        #expect(code.width >= 21 && code.width % 4 == 1, "a QR symbol is 17 + 4·version modules wide")
        let read = try Self.zbarimg(code.pbm())
        #expect(read.status == 0 && read.output == text, "zbarimg read \(read.output)")
        // Another record: another code.
        let other = try #require(QRCode(QRCode.recordText(sequence: 3323, hash: Self.hash)))
        #expect(other != code)
        #expect(try Self.zbarimg(other.pbm()).output == "agenda:3323:\(Self.hash)")
    }

    @Test func theNotesCarryTheRecordItsHashAndTheCode() throws {
        var convocation = note()
        convocation.recordHash = Self.hash
        let code = try #require(QRCode(convocation.recordReference))
        let html = NoteHTML.render(convocation, language: .italian)
        #expect(html.contains("<code class=\"record-hash\">\(Self.hash)</code>"))
        #expect(html.contains("data-record=\"agenda:\(convocation.recordSequence):\(Self.hash)\""))
        #expect(html.contains(code.svg(sizeMillimetres: 28, label: convocation.recordReference)))
        let text = NoteText.render(convocation, language: .english)
        #expect(text.contains(Self.hash.description))
        #expect(text.contains(code.textLines.joined(separator: "\n")))
        #expect(code.textLines.allSatisfy { $0.count <= 78 })
    }
}
