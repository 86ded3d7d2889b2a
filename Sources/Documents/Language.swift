/// The languages a convocation note or a pickup reminder is printed in. Italian is the
/// office's own; English, French and Arabic are the ones most applicants read (issue 5).
public enum DocumentLanguage: String, CaseIterable, Sendable, CustomStringConvertible {
    case italian = "it"
    case english = "en"
    case french = "fr"
    case arabic = "ar"

    /// `it`, `en`, `fr`, `ar` (case-insensitive); nil for anything else.
    public init?(code: String) {
        guard let language = DocumentLanguage(rawValue: code.lowercased()) else { return nil }
        self = language
    }

    public var description: String { rawValue }

    /// The BCP 47 tag HTML's `lang` carries.
    public var tag: String { rawValue }

    public var isRightToLeft: Bool { self == .arabic }

    /// After a label: French sets a (non-breaking) space before the colon.
    public var colon: String { self == .french ? "\u{00A0}:" : ":" }

    /// HTML's `dir`.
    public var direction: String { isRightToLeft ? "rtl" : "ltr" }

    /// A first guess from the applicant's nationality (ISO 3166-1 alpha-3), which the operator
    /// overrides with `LANG` when the applicant prefers another. Arabic where it is the official
    /// language, French where French is the language of administration, English where English is
    /// official or the usual foreign language (South and East Asia, the former Soviet states,
    /// Iran, Turkey); Italian otherwise — the note is then at least in the office's own language,
    /// and Latin American and Albanian applicants, the largest of the rest, read Italian more
    /// readily than English. A guess: the operator asks, and overrides it with `LANG`.
    public static func preferred(forNationality code: String) -> DocumentLanguage {
        let code = code.uppercased()
        if arabicNationalities.contains(code) { return .arabic }
        if frenchNationalities.contains(code) { return .french }
        if englishNationalities.contains(code) { return .english }
        return .italian
    }

    static let arabicNationalities: Set<String> = [
        "DZA", "BHR", "COM", "DJI", "EGY", "IRQ", "JOR", "KWT", "LBN", "LBY", "MRT", "MAR", "OMN", "PSE", "QAT",
        "SAU", "SOM", "SDN", "SYR", "TUN", "ARE", "YEM", "ESH",
    ]
    static let frenchNationalities: Set<String> = [
        "BEN", "BFA", "BDI", "CMR", "CAF", "TCD", "COD", "COG", "CIV", "GAB", "GIN", "HTI", "MDG", "MLI", "NER",
        "RWA", "SEN", "TGO", "FRA", "BEL", "CHE", "LUX", "MCO",
    ]
    static let englishNationalities: Set<String> = [
        "BGD", "GHA", "GMB", "IND", "KEN", "LKA", "LBR", "MUS", "NGA", "PAK", "PHL", "SLE", "UGA", "ZAF", "ZMB",
        "ZWE", "TZA", "ETH", "ERI", "NPL", "USA", "GBR", "IRL", "CAN", "AUS", "NZL", "JAM", "TTO", "CHN", "UKR",
        "MDA", "RUS", "GEO", "ARM", "AZE", "KAZ", "UZB", "KGZ", "TJK", "TKM", "BLR", "IRN", "AFG", "TUR", "VNM",
        "THA", "MMR", "IDN", "MYS", "KOR", "JPN",
    ]
}
