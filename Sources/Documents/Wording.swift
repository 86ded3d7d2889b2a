/// Every sentence and label a note prints, per language. The Italian follows the wording of the
/// Ministry's circular of 10 April 2008 (seed 001: "nota di convocazione", "identificazione e
/// fotosegnalamento", "rilascio del primo permesso di soggiorno") and of COPER (seed 003:
/// "promemoria", "ente convenzionato", "la lettera consegnata dalla questura il giorno del
/// rilevamento impronte"). Neither seed lists what to bring; the lists below are the documents
/// Questure asked for at these two steps (docs/documents.md says so).
struct Wording: Sendable {
    var title: String
    var subtitle: String
    var intro: String
    var bringHeading: String
    var bring: [String]
    var closing: String

    struct Labels: Sendable {
        var applicant: String
        var birthDate: String
        var pratica: String
        var visto: String
        var office: String
        var address: String
        var day: String
        var time: String
        var appointment: String
        var bookedBy: String
        var printedFrom: String
    }

    /// The wording of `note`: a Questura's convocation (fingerprinting) and the pickup reminder
    /// are fixed texts; a convocation at a SUI or a Prefettura names the office and its service.
    static func note(for note: AppointmentNote, _ language: DocumentLanguage) -> Wording {
        if note.kind == .convocation && note.officeKind != .questura {
            return officeConvocation(office: note.officeName, service: note.serviceName, language)
        }
        return Self.note(note.kind, language)
    }

    /// The convocation at a SUI (seed 000: "convocazione, previo appuntamento ... per
    /// l'acquisizione della documentazione ... sia per la consegna dei nulla osta", booked by
    /// the operator or by the applicant, "autoconvocazione") or at a Prefettura. The service's
    /// name is the office's own, in Italian, as on its signs.
    static func officeConvocation(office: String, service: String, _ language: DocumentLanguage) -> Wording {
        switch language {
        case .italian:
            Wording(
                title: "Convocazione",
                subtitle: service,
                intro: "È stato fissato l'appuntamento presso \(office) per: \(service). L'interessato deve "
                    + "presentarsi di persona nel giorno e all'ora indicati.",
                bringHeading: "Da portare con sé",
                bring: [
                    "questa convocazione;",
                    "il passaporto o un altro documento d'identità in corso di validità, e una sua fotocopia;",
                    "la ricevuta della domanda e i documenti che l'ufficio ha chiesto.",
                ],
                closing: "Chi non può presentarsi nel giorno indicato sposti o annulli l'appuntamento, citandone il "
                    + "codice: presso l'ufficio o, dove l'ufficio lo consente, da sé (autoconvocazione).")
        case .english:
            Wording(
                title: "Appointment notice",
                subtitle: service,
                intro: "An appointment has been made for you at the \(office) for: \(service). You must come in "
                    + "person on the day and at the time shown.",
                bringHeading: "What to bring",
                bring: [
                    "this notice;",
                    "your valid passport or another valid identity document, and a photocopy of it;",
                    "the receipt of your application and the documents the office asked you for.",
                ],
                closing: "If you cannot come on that day, move or cancel the appointment, quoting its code: at the "
                    + "office or, where the office allows it, yourself (autoconvocazione).")
        case .french:
            Wording(
                title: "Convocation",
                subtitle: service,
                intro: "Un rendez-vous a été fixé pour vous auprès de l'office « \(office) » pour\u{00A0}: "
                    + "\(service). Vous devez vous présenter en personne le jour et à l'heure indiqués.",
                bringHeading: "À apporter",
                bring: [
                    "la présente convocation\u{00A0};",
                    "votre passeport ou une autre pièce d'identité en cours de validité, et une photocopie\u{00A0};",
                    "le récépissé de votre demande et les documents que l'office vous a demandés.",
                ],
                closing: "Si vous ne pouvez pas venir ce jour-là, déplacez ou annulez le rendez-vous en indiquant son "
                    + "code\u{00A0}: auprès de l'office ou, lorsque l'office le permet, vous-même (autoconvocazione).")
        case .arabic:
            Wording(
                title: "إشعار استدعاء",
                subtitle: service,
                intro: "حُدِّد لكم موعد لدى \(office) من أجل: \(service). يجب عليكم الحضور شخصيًا في اليوم "
                    + "والساعة المحدَّدين.",
                bringHeading: "ما يجب إحضاره",
                bring: [
                    "هذا الإشعار؛",
                    "جواز سفر أو وثيقة هوية أخرى سارية المفعول، مع نسخة مصوّرة منها؛",
                    "إيصال طلبكم والوثائق التي طلبها منكم المكتب.",
                ],
                closing: "إذا تعذّر عليكم الحضور في ذلك اليوم، فأجّلوا الموعد أو ألغوه مع ذكر رمزه: لدى المكتب، "
                    + "أو بأنفسكم حيث يسمح المكتب بذلك (autoconvocazione).")
        }
    }

    static func note(_ kind: AppointmentNote.Kind, _ language: DocumentLanguage) -> Wording {
        switch (kind, language) {
        case (.convocation, .italian):
            Wording(
                title: "Nota di convocazione",
                subtitle: "Identificazione e fotosegnalamento presso la Questura",
                intro: "È stato fissato l'appuntamento per l'identificazione e il fotosegnalamento (rilievi "
                    + "dattiloscopici), necessari per il rilascio del primo permesso di soggiorno. "
                    + "L'interessato deve presentarsi di persona presso la Questura nel giorno e all'ora indicati.",
                bringHeading: "Da portare con sé",
                bring: [
                    "questa nota di convocazione;",
                    "il passaporto in corso di validità, con il visto d'ingresso, e una sua fotocopia;",
                    "il Modello 209 consegnato dallo Sportello Unico per l'Immigrazione, con la ricevuta;",
                    "quattro fotografie formato tessera, recenti e uguali;",
                    "una marca da bollo da 16,00 euro.",
                ],
                closing: "Chi non può presentarsi nel giorno indicato chieda un'altra data allo Sportello Unico "
                    + "per l'Immigrazione, citando il codice dell'appuntamento.")
        case (.convocation, .english):
            Wording(
                title: "Appointment notice",
                subtitle: "Identification and fingerprinting at the Questura (police headquarters)",
                intro: "An appointment has been made for your identification and fingerprinting, which are "
                    + "required for the issue of your first residence permit (permesso di soggiorno). You must "
                    + "come in person to the Questura on the day and at the time shown.",
                bringHeading: "What to bring",
                bring: [
                    "this notice;",
                    "your valid passport with the entry visa, and a photocopy of it;",
                    "the Modello 209 form given to you by the Sportello Unico per l'Immigrazione, with its receipt;",
                    "four recent, identical passport-size photographs;",
                    "a revenue stamp (marca da bollo) of 16.00 euros.",
                ],
                closing: "If you cannot come on that day, ask the Sportello Unico per l'Immigrazione for another "
                    + "date, quoting the appointment code.")
        case (.convocation, .french):
            Wording(
                title: "Convocation",
                subtitle: "Identification et relevé des empreintes digitales à la Questura (préfecture de police)",
                intro: "Un rendez-vous a été fixé pour votre identification et le relevé de vos empreintes "
                    + "digitales, nécessaires à la délivrance de votre premier titre de séjour (permesso di "
                    + "soggiorno). Vous devez vous présenter en personne à la Questura le jour et à l'heure "
                    + "indiqués.",
                bringHeading: "À apporter",
                bring: [
                    "la présente convocation\u{00A0};",
                    "votre passeport en cours de validité avec le visa d'entrée, et une photocopie de celui-ci\u{00A0};",
                    "le Modello 209 remis par le Sportello Unico per l'Immigrazione, avec son récépissé\u{00A0};",
                    "quatre photos d'identité récentes et identiques\u{00A0};",
                    "un timbre fiscal (marca da bollo) de 16,00\u{00A0}euros.",
                ],
                closing: "Si vous ne pouvez pas venir ce jour-là, demandez une autre date au Sportello Unico per "
                    + "l'Immigrazione en indiquant le code du rendez-vous.")
        case (.convocation, .arabic):
            Wording(
                title: "إشعار استدعاء",
                subtitle: "تحديد الهوية وأخذ البصمات في مقر الشرطة (Questura)",
                intro: "حُدِّد لكم موعد لتحديد الهوية وأخذ البصمات، وهما إجراءان لازمان لإصدار أول تصريح إقامة "
                    + "لكم (permesso di soggiorno). يجب عليكم الحضور شخصيًا إلى مقر الشرطة (Questura) في اليوم "
                    + "والساعة المحدَّدين.",
                bringHeading: "ما يجب إحضاره",
                bring: [
                    "هذا الإشعار؛",
                    "جواز سفر ساري المفعول يحمل تأشيرة الدخول، مع نسخة مصوّرة منه؛",
                    "النموذج 209 (Modello 209) الذي سلّمه لكم الشبّاك الموحّد للهجرة، مع الإيصال؛",
                    "أربع صور شمسية حديثة ومتطابقة بمقاس صور الهوية؛",
                    "طابع جبائي (marca da bollo) بقيمة 16,00 يورو.",
                ],
                closing: "إذا تعذّر عليكم الحضور في ذلك اليوم، فاطلبوا موعدًا آخر من الشبّاك الموحّد للهجرة "
                    + "(Sportello Unico per l'Immigrazione) مع ذكر رمز الموعد.")
        case (.pickupReminder, .italian):
            Wording(
                title: "Promemoria",
                subtitle: "Ritiro del permesso di soggiorno elettronico presso la Questura",
                intro: "Il permesso di soggiorno elettronico è pronto. È stato fissato l'appuntamento per "
                    + "ritirarlo presso la Questura nel giorno e all'ora indicati; il ritiro è personale.",
                bringHeading: "Da portare con sé",
                bring: [
                    "questo promemoria;",
                    "il passaporto o un altro documento d'identità valido;",
                    "la lettera consegnata dalla Questura il giorno del rilevamento delle impronte digitali;",
                    "la ricevuta della domanda di permesso di soggiorno;",
                    "il permesso di soggiorno scaduto, se si tratta di un rinnovo.",
                ],
                closing: "Chi non può presentarsi nel giorno indicato chieda un'altra data all'ente convenzionato "
                    + "che ha fissato l'appuntamento.")
        case (.pickupReminder, .english):
            Wording(
                title: "Reminder",
                subtitle: "Collecting your electronic residence permit at the Questura (police headquarters)",
                intro: "Your electronic residence permit (permesso di soggiorno) is ready. An appointment has "
                    + "been made for you to collect it at the Questura on the day and at the time shown; you "
                    + "must collect it in person.",
                bringHeading: "What to bring",
                bring: [
                    "this reminder;",
                    "your passport or another valid identity document;",
                    "the letter the Questura gave you on the day your fingerprints were taken;",
                    "the receipt of your residence permit application;",
                    "your expired residence permit, if this is a renewal.",
                ],
                closing: "If you cannot come on that day, ask the affiliated office (ente convenzionato) that "
                    + "made this appointment for another date.")
        case (.pickupReminder, .french):
            Wording(
                title: "Aide-mémoire",
                subtitle: "Retrait de votre titre de séjour électronique à la Questura (préfecture de police)",
                intro: "Votre titre de séjour électronique (permesso di soggiorno) est prêt. Un rendez-vous a été "
                    + "fixé pour le retirer à la Questura le jour et à l'heure indiqués\u{00A0}; le "
                    + "retrait se fait en personne.",
                bringHeading: "À apporter",
                bring: [
                    "le présent aide-mémoire\u{00A0};",
                    "votre passeport ou une autre pièce d'identité en cours de validité\u{00A0};",
                    "la lettre remise par la Questura le jour du relevé de vos empreintes digitales\u{00A0};",
                    "le récépissé de votre demande de titre de séjour\u{00A0};",
                    "votre titre de séjour expiré, s'il s'agit d'un renouvellement.",
                ],
                closing: "Si vous ne pouvez pas venir ce jour-là, demandez une autre date à l'organisme "
                    + "conventionné (ente convenzionato) qui a fixé ce rendez-vous.")
        case (.pickupReminder, .arabic):
            Wording(
                title: "تذكير",
                subtitle: "استلام تصريح الإقامة الإلكتروني من مقر الشرطة (Questura)",
                intro: "تصريح إقامتكم الإلكتروني (permesso di soggiorno) جاهز. حُدِّد لكم موعد لاستلامه من مقر "
                    + "الشرطة (Questura) في اليوم والساعة المحدَّدين، ويجب أن يكون الاستلام شخصيًا.",
                bringHeading: "ما يجب إحضاره",
                bring: [
                    "هذا التذكير؛",
                    "جواز السفر أو وثيقة هوية أخرى سارية المفعول؛",
                    "الرسالة التي سلّمتها لكم الكويستورا (Questura) يوم أخذ البصمات؛",
                    "إيصال طلب تصريح الإقامة؛",
                    "تصريح الإقامة المنتهي الصلاحية، إذا كان الأمر يتعلق بتجديد.",
                ],
                closing: "إذا تعذّر عليكم الحضور في ذلك اليوم، فاطلبوا موعدًا آخر من الجهة المتعاقدة "
                    + "(ente convenzionato) التي حدّدت هذا الموعد.")
        }
    }

    static func labels(_ language: DocumentLanguage) -> Labels {
        switch language {
        case .italian:
            Labels(applicant: "Cognome e nome", birthDate: "Data di nascita", pratica: "Numero di pratica",
                   visto: "Numero di visto", office: "Ufficio", address: "Indirizzo", day: "Giorno", time: "Ora",
                   appointment: "Codice appuntamento", bookedBy: "Prenotato da", printedFrom: "Stampato da Agenda, record")
        case .english:
            Labels(applicant: "Surname and name", birthDate: "Date of birth", pratica: "File number (numero di pratica)",
                   visto: "Visa number", office: "Office", address: "Address", day: "Day", time: "Time",
                   appointment: "Appointment code", bookedBy: "Booked by", printedFrom: "Printed by Agenda, record")
        case .french:
            Labels(applicant: "Nom et prénom", birthDate: "Date de naissance",
                   pratica: "Numéro de dossier (numero di pratica)", visto: "Numéro de visa", office: "Bureau",
                   address: "Adresse", day: "Jour", time: "Heure", appointment: "Code du rendez-vous",
                   bookedBy: "Réservé par", printedFrom: "Imprimé par Agenda, enregistrement")
        case .arabic:
            Labels(applicant: "اللقب والاسم", birthDate: "تاريخ الميلاد", pratica: "رقم الملف (numero di pratica)",
                   visto: "رقم التأشيرة", office: "المكتب", address: "العنوان", day: "اليوم", time: "الساعة",
                   appointment: "رمز الموعد", bookedBy: "جهة الحجز", printedFrom: "طُبع بواسطة Agenda، السجل")
        }
    }
}
