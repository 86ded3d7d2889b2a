import Events

/// Where an office is, as a note prints it.
public enum OfficeAddress {
    /// The address printed under the office's name: the one the office configured (`ADDRESS`),
    /// with its telephone when set; for an office that configured none, the province capital and
    /// sigla, `Roma (RM)`. The one place every document reads the address from.
    public static func of(_ configuration: OfficeConfiguration) -> String {
        if !configuration.address.isEmpty {
            return configuration.phone.isEmpty ? configuration.address
                : "\(configuration.address) · tel. \(configuration.phone)"
        }
        let sigla = province(configuration.office)
        guard let capital = capitals[sigla] else { return "" }
        return "\(capital) (\(sigla))"
    }

    /// `RM` of `RM-Q`.
    static func province(_ office: OfficeID) -> String {
        String(office.rawValue.split(separator: "-", maxSplits: 1).first ?? Substring(office.rawValue))
    }

    /// The city each province's Questura, Prefettura and SUI sit in (the capoluogo; for
    /// provinces with more than one, the seat of the Questura), by sigla as in fixtures/offices.json.
    static let capitals: [String: String] = [
        "AG": "Agrigento", "AL": "Alessandria", "AN": "Ancona", "AO": "Aosta", "AP": "Ascoli Piceno",
        "AQ": "L'Aquila", "AR": "Arezzo", "AT": "Asti", "AV": "Avellino", "BA": "Bari", "BG": "Bergamo",
        "BI": "Biella", "BL": "Belluno", "BN": "Benevento", "BO": "Bologna", "BR": "Brindisi", "BS": "Brescia",
        "BT": "Andria", "BZ": "Bolzano", "CA": "Cagliari", "CB": "Campobasso", "CE": "Caserta", "CH": "Chieti",
        "CL": "Caltanissetta", "CN": "Cuneo", "CO": "Como", "CR": "Cremona", "CS": "Cosenza", "CT": "Catania",
        "CZ": "Catanzaro", "EN": "Enna", "FC": "Forlì", "FE": "Ferrara", "FG": "Foggia", "FI": "Firenze",
        "FM": "Fermo", "FR": "Frosinone", "GE": "Genova", "GO": "Gorizia", "GR": "Grosseto", "IM": "Imperia",
        "IS": "Isernia", "KR": "Crotone", "LC": "Lecco", "LE": "Lecce", "LI": "Livorno", "LO": "Lodi",
        "LT": "Latina", "LU": "Lucca", "MB": "Monza", "MC": "Macerata", "ME": "Messina", "MI": "Milano",
        "MN": "Mantova", "MO": "Modena", "MS": "Massa", "MT": "Matera", "NA": "Napoli", "NO": "Novara",
        "NU": "Nuoro", "OR": "Oristano", "PA": "Palermo", "PC": "Piacenza", "PD": "Padova", "PE": "Pescara",
        "PG": "Perugia", "PI": "Pisa", "PN": "Pordenone", "PO": "Prato", "PR": "Parma", "PT": "Pistoia",
        "PU": "Pesaro", "PV": "Pavia", "PZ": "Potenza", "RA": "Ravenna", "RC": "Reggio Calabria",
        "RE": "Reggio Emilia", "RG": "Ragusa", "RI": "Rieti", "RM": "Roma", "RN": "Rimini", "RO": "Rovigo",
        "SA": "Salerno", "SI": "Siena", "SO": "Sondrio", "SP": "La Spezia", "SR": "Siracusa", "SS": "Sassari",
        "SU": "Carbonia", "SV": "Savona", "TA": "Taranto", "TE": "Teramo", "TN": "Trento", "TO": "Torino",
        "TP": "Trapani", "TR": "Terni", "TS": "Trieste", "TV": "Treviso", "UD": "Udine", "VA": "Varese",
        "VB": "Verbania", "VC": "Vercelli", "VE": "Venezia", "VI": "Vicenza", "VR": "Verona", "VT": "Viterbo",
        "VV": "Vibo Valentia",
    ]
}
