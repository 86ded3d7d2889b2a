/// The pieces every printable page shares: escaping and a self-contained A4 page (no external
/// style sheet, font or script, so it prints the same from a browser's file:// as from a mail).
public enum HTML {
    /// Text for an element or a quoted attribute (the portal's pages use it too).
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// An id, a time or a number inside right-to-left text: kept left to right and isolated, so
    /// `A-0056K` does not print as `K6500-A`.
    static func latin(_ text: String) -> String { "<bdi dir=\"ltr\">\(escape(text))</bdi>" }

    static func page(title: String, language: DocumentLanguage, landscape: Bool = false, style: String,
                     body: String) -> String {
        let fonts = language == .arabic
            ? "\"Noto Naskh Arabic\", \"Amiri\", \"DejaVu Sans\", \"Arial\", sans-serif"
            : "\"DejaVu Serif\", \"Liberation Serif\", \"Times New Roman\", serif"
        return """
            <!DOCTYPE html>
            <html lang="\(language.tag)" dir="\(language.direction)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>
            @page { size: A4\(landscape ? " landscape" : ""); margin: 18mm 16mm; }
            html { font-family: \(fonts); font-size: 11pt; color: #000; background: #fff; }
            body { margin: 0 auto; max-width: \(landscape ? "265mm" : "178mm"); line-height: 1.4; }
            h1 { font-size: 17pt; margin: 0 0 2mm; }
            h2 { font-size: 12pt; margin: 6mm 0 2mm; }
            .subtitle { font-size: 12pt; margin: 0 0 5mm; }
            .office-head { border-bottom: 0.4mm solid #000; padding-bottom: 3mm; margin-bottom: 5mm; }
            .muted { color: #444; font-size: 9pt; }
            \(style)
            @media print {
              body { max-width: none; }
              a { color: inherit; text-decoration: none; }
              .noprint { display: none; }
            }
            </style>
            </head>
            <body>
            \(body)
            </body>
            </html>

            """
    }
}
