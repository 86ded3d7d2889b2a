import CQRencode
import Events

/// A QR code (ISO/IEC 18004) made by libqrencode, Debian's `libqrencode-dev`, linked as a system
/// library the way LMDB is: its modules, and the two drawings the notes use.
public struct QRCode: Equatable, Sendable {
    /// Modules per side.
    public let width: Int
    /// Row by row, true for a dark module.
    public let modules: [Bool]

    /// The code for `text` (error correction level M, the smallest version that holds it);
    /// nil if libqrencode cannot make one (text too long for any version).
    public init?(_ text: String) {
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { return nil }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        self.width = width
        // Bit 0 of each byte is the module's colour; the other bits say what the module is for.
        modules = (0..<(width * width)).map { code.pointee.data[$0] & 1 == 1 }
    }

    public func isDark(row: Int, column: Int) -> Bool {
        guard (0..<width).contains(row), (0..<width).contains(column) else { return false }
        return modules[row * width + column]
    }

    /// What a convocation note's code says: its record and that record's hash, `agenda:SEQ:HASH`.
    public static func recordText(sequence: UInt64, hash: ChainHash) -> String { "agenda:\(sequence):\(hash)" }

    /// An SVG drawing, one unit per module with the four-module quiet zone the standard wants.
    public func svg(sizeMillimetres: Int, label: String) -> String {
        let side = width + 8
        var path = ""
        for row in 0..<width {
            for column in 0..<width where isDark(row: row, column: column) {
                path += "M\(column + 4) \(row + 4)h1v1h-1z"
            }
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(side) \(side)\" width=\"\(sizeMillimetres)mm\" "
            + "height=\"\(sizeMillimetres)mm\" role=\"img\" aria-label=\"\(HTML.escape(label))\" shape-rendering=\"crispEdges\">"
            + "<rect width=\"\(side)\" height=\"\(side)\" fill=\"#fff\"></rect><path fill=\"#000\" d=\"\(path)\"></path></svg>"
    }

    /// Lines of text: two module rows per line in Unicode half blocks (a monospace font draws
    /// it square), a dark module in ink, with a quiet zone of two modules: for paper.
    public var textLines: [String] {
        var lines: [String] = []
        var row = -2
        while row < width + 2 {
            var line = ""
            for column in -2..<(width + 2) {
                switch (isDark(row: row, column: column), isDark(row: row + 1, column: column)) {
                case (true, true): line += "█"
                case (true, false): line += "▀"
                case (false, true): line += "▄"
                case (false, false): line += " "
                }
            }
            lines.append(line)
            row += 2
        }
        return lines
    }

    /// A plain PBM image (Netpbm P1), `scale` pixels per module with a four-module quiet zone:
    /// what a test hands a QR reader.
    public func pbm(scale: Int = 4) -> String {
        let side = (width + 8) * scale
        var text = "P1\n\(side) \(side)\n"
        for y in 0..<side {
            var line = ""
            for x in 0..<side {
                line += isDark(row: y / scale - 4, column: x / scale - 4) ? "1" : "0"
            }
            text += line + "\n"
        }
        return text
    }
}
