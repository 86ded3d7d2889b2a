import Documents

/// The portal's languages: Italian first (the offices' own), English, French, Arabic (right to
/// left). The first part of every page's path (`/it/…`); the printed notes use the same codes.
public enum Language: String, CaseIterable, Sendable {
    case it, en, fr, ar

    var direction: String { self == .ar ? "rtl" : "ltr" }

    /// The language's own name, for the switcher.
    var endonym: String {
        switch self {
        case .it: "Italiano"
        case .en: "English"
        case .fr: "Français"
        case .ar: "العربية"
        }
    }

    var document: DocumentLanguage { DocumentLanguage(code: rawValue) ?? .italian }

    /// The phrase in this language; every phrase has all four (`Wording.table`).
    func callAsFunction(_ key: Wording.Key) -> String {
        let phrases = Wording.table[key] ?? (key.rawValue, key.rawValue, key.rawValue, key.rawValue)
        switch self {
        case .it: return phrases.0
        case .en: return phrases.1
        case .fr: return phrases.2
        case .ar: return phrases.3
        }
    }
}

/// Every sentence the portal shows, in Italian, English, French and Arabic. The engine's own
/// refusals (NOPERM, FULL…) keep their sentence (English, as the protocol's) under a heading in
/// the page's language; the code tells a program which it was.
enum Wording {
    enum Key: String, CaseIterable {
        case siteName, skip, languages, home, homeIntro, statusTitle, statusIntro, surname, givenName, birthDate
        case fingerprintDate, check, statusReady, statusNotReady, statusUnknown, officesTitle, officesIntro
        case address, phone, hours, services, closed, faqTitle, signIn, signInIntro, account, password, signOut
        case myPage, appointments, date, time, state, office, service, actions, move, moveHint, cancel
        case convocation, calendarFile, book, bookHint, firstFree, noAppointments, booked, deferredNote
        case bodyTitle, bookings, readyPermits, pickupTitle, pickupHint, pratica, reminder, noBookings, noReadyPermits
        case suiTitle, find, findHint, praticaFound, desk, deskTitle, attended, missed, permitReady, pickup
        case closeDay, reason, closeHint, moved, dayList, show, live, liveOpen, liveClosed, errorTitle
        case chooseDesk, weekday0, weekday1, weekday2, weekday3, weekday4, weekday5, weekday6, changed
        case notFoundTitle, applicantLabel, serviceOptional, nothingMoved, signedInAs, visto, permit
    }

    typealias Phrases = (String, String, String, String)

    static let table: [Key: Phrases] = [
        .siteName: ("Agenda — appuntamenti per l'immigrazione", "Agenda — immigration appointments",
                    "Agenda — rendez-vous pour l'immigration", "أجندا — مواعيد الهجرة"),
        .skip: ("Vai al contenuto", "Skip to content", "Aller au contenu", "انتقل إلى المحتوى"),
        .languages: ("Lingua", "Language", "Langue", "اللغة"),
        .home: ("Inizio", "Home", "Accueil", "الرئيسية"),
        .homeIntro: ("Prenoti e gestisca gli appuntamenti con Questura, Prefettura e Sportello Unico; verifichi se il permesso di soggiorno è pronto.",
                     "Book and manage appointments with the Questura, the Prefettura and the Sportello Unico; check whether your residence permit is ready.",
                     "Prenez et gérez vos rendez-vous avec la Questura, la Prefettura et le Sportello Unico ; vérifiez si votre titre de séjour est prêt.",
                     "احجز مواعيدك مع الكويستورا والمحافظة والشباك الموحد وأدرها؛ وتحقق مما إذا كان تصريح إقامتك جاهزًا."),
        .statusTitle: ("Il mio permesso è pronto?", "Is my permit ready?", "Mon titre de séjour est-il prêt ?", "هل تصريحي جاهز؟"),
        .statusIntro: ("Scriva i dati come sono sulla ricevuta. La risposta dice solo se il permesso è pronto.",
                       "Enter the details as they are on your receipt. The answer says only whether the permit is ready.",
                       "Saisissez les données comme sur votre récépissé. La réponse dit seulement si le titre est prêt.",
                       "أدخل البيانات كما هي في الإيصال. الجواب يقول فقط إن كان التصريح جاهزًا."),
        .surname: ("Cognome", "Surname", "Nom", "اللقب"),
        .givenName: ("Nome", "Given name", "Prénom", "الاسم"),
        .birthDate: ("Data di nascita", "Date of birth", "Date de naissance", "تاريخ الميلاد"),
        .fingerprintDate: ("Data del fotosegnalamento", "Date of fingerprinting", "Date de la prise d'empreintes", "تاريخ أخذ البصمات"),
        .check: ("Verifica", "Check", "Vérifier", "تحقق"),
        .statusReady: ("Il permesso è pronto: prenoti il ritiro.", "The permit is ready: book its pickup.",
                       "Le titre est prêt : réservez le retrait.", "التصريح جاهز: احجز موعد الاستلام."),
        .statusNotReady: ("Il permesso non è ancora pronto.", "The permit is not ready yet.",
                          "Le titre n'est pas encore prêt.", "التصريح ليس جاهزًا بعد."),
        .statusUnknown: ("Nessun permesso corrisponde a questi dati; li controlli.", "No permit matches these details; check them.",
                         "Aucun titre ne correspond à ces données ; vérifiez-les.", "لا يوجد تصريح يطابق هذه البيانات؛ تحقق منها."),
        .officesTitle: ("Uffici", "Offices", "Bureaux", "المكاتب"),
        .officesIntro: ("Indirizzi, orari e servizi di ogni ufficio.", "Each office's address, opening hours and services.",
                        "Adresse, horaires et services de chaque bureau.", "عنوان كل مكتب ومواعيد عمله وخدماته."),
        .address: ("Indirizzo", "Address", "Adresse", "العنوان"),
        .phone: ("Telefono", "Telephone", "Téléphone", "الهاتف"),
        .hours: ("Orari", "Opening hours", "Horaires", "مواعيد العمل"),
        .services: ("Servizi", "Services", "Services", "الخدمات"),
        .closed: ("chiuso", "closed", "fermé", "مغلق"),
        .faqTitle: ("Domande frequenti", "Questions and answers", "Questions fréquentes", "أسئلة وأجوبة"),
        .signIn: ("Accedi", "Sign in", "Se connecter", "تسجيل الدخول"),
        .signInIntro: ("Con l'utenza ricevuta dall'ufficio o dall'ente.", "With the account your office or body gave you.",
                       "Avec le compte remis par le bureau ou l'organisme.", "بالحساب الذي أعطاك إياه المكتب أو الجهة."),
        .account: ("Utente", "Account", "Compte", "الحساب"),
        .password: ("Password", "Password", "Mot de passe", "كلمة المرور"),
        .signOut: ("Esci", "Sign out", "Se déconnecter", "تسجيل الخروج"),
        .myPage: ("La mia pagina", "My page", "Ma page", "صفحتي"),
        .appointments: ("Appuntamenti", "Appointments", "Rendez-vous", "المواعيد"),
        .date: ("Data", "Date", "Date", "التاريخ"),
        .time: ("Ora", "Time", "Heure", "الساعة"),
        .state: ("Stato", "State", "État", "الحالة"),
        .office: ("Ufficio", "Office", "Bureau", "المكتب"),
        .service: ("Servizio", "Service", "Service", "الخدمة"),
        .actions: ("Azioni", "Actions", "Actions", "إجراءات"),
        .move: ("Sposta", "Move", "Déplacer", "تغيير الموعد"),
        .moveHint: ("Nuova data (vuoto: il primo giorno libero dopo)", "New date (empty: the next free day)",
                    "Nouvelle date (vide : le prochain jour libre)", "تاريخ جديد (فارغ: أول يوم متاح بعده)"),
        .cancel: ("Annulla", "Cancel", "Annuler", "إلغاء"),
        .convocation: ("Convocazione", "Convocation", "Convocation", "الاستدعاء"),
        .calendarFile: ("Calendario (.ics)", "Calendar (.ics)", "Calendrier (.ics)", "التقويم (.ics)"),
        .book: ("Prenota", "Book", "Réserver", "احجز"),
        .bookHint: ("Giorno (vuoto: il primo giorno e ora liberi)", "Day (empty: the first free day and hour)",
                    "Jour (vide : le premier jour et heure libres)", "اليوم (فارغ: أول يوم وساعة متاحين)"),
        .firstFree: ("Il primo libero", "The first free one", "Le premier libre", "أول موعد متاح"),
        .noAppointments: ("Nessun appuntamento.", "No appointments.", "Aucun rendez-vous.", "لا توجد مواعيد."),
        .booked: ("Prenotato", "Booked", "Réservé", "تم الحجز"),
        .deferredNote: ("Il giorno chiesto era pieno: l'appuntamento è nel primo giorno successivo con posto.",
                        "The day asked for was full: the appointment is on the next day with room.",
                        "Le jour demandé était complet : le rendez-vous est le premier jour suivant avec de la place.",
                        "كان اليوم المطلوب ممتلئًا: الموعد في أول يوم لاحق فيه مكان."),
        .bodyTitle: ("Ente convenzionato", "Affiliated body", "Organisme conventionné", "الجهة المعتمدة"),
        .bookings: ("Le prenotazioni dell'ente", "The body's bookings", "Les réservations de l'organisme", "حجوزات الجهة"),
        .readyPermits: ("Permessi pronti", "Ready permits", "Titres prêts", "التصاريح الجاهزة"),
        .pickupTitle: ("Prenota il ritiro", "Book a pickup", "Réserver un retrait", "احجز موعد الاستلام"),
        .pickupHint: ("Confermi con cognome e nome del richiedente.", "Confirm with the applicant's surname and name.",
                      "Confirmez avec le nom et le prénom du demandeur.", "أكد بلقب مقدم الطلب واسمه."),
        .pratica: ("Pratica", "Pratica", "Dossier", "الملف"),
        .reminder: ("Promemoria", "Reminder", "Aide-mémoire", "تذكير"),
        .noBookings: ("Nessuna prenotazione.", "No bookings.", "Aucune réservation.", "لا توجد حجوزات."),
        .noReadyPermits: ("Nessun permesso pronto.", "No ready permits.", "Aucun titre prêt.", "لا توجد تصاريح جاهزة."),
        .suiTitle: ("Sportello Unico", "Sportello Unico", "Sportello Unico", "الشباك الموحد"),
        .find: ("Cerca", "Find", "Chercher", "ابحث"),
        .findHint: ("Numero di pratica o numero di visto", "Numero di pratica or numero di visto",
                    "Numéro de dossier ou numéro de visa", "رقم الملف أو رقم التأشيرة"),
        .praticaFound: ("Pratica", "Pratica", "Dossier", "الملف"),
        .desk: ("Sportello", "Desk", "Guichet", "الشباك"),
        .deskTitle: ("Appuntamenti del giorno", "The day's appointments", "Rendez-vous du jour", "مواعيد اليوم"),
        .attended: ("Presente", "Attended", "Présent", "حضر"),
        .missed: ("Assente", "Missed", "Absent", "غائب"),
        .permitReady: ("Permesso pronto", "Permit ready", "Titre prêt", "التصريح جاهز"),
        .pickup: ("Consegnato", "Picked up", "Remis", "تم التسليم"),
        .closeDay: ("Chiudi il giorno", "Close the day", "Fermer la journée", "أغلق اليوم"),
        .reason: ("Motivo", "Reason", "Motif", "السبب"),
        .closeHint: ("Gli appuntamenti del giorno vanno al primo giorno libero successivo.",
                     "The day's appointments move to the next free day.",
                     "Les rendez-vous du jour passent au prochain jour libre.", "تنتقل مواعيد اليوم إلى أول يوم متاح بعده."),
        .moved: ("Appuntamenti spostati", "Moved appointments", "Rendez-vous déplacés", "المواعيد المنقولة"),
        .dayList: ("Stampa l'elenco del giorno", "Print the day's list", "Imprimer la liste du jour", "اطبع قائمة اليوم"),
        .show: ("Mostra", "Show", "Afficher", "اعرض"),
        .live: ("Aggiornamento in tempo reale", "Live updates", "Mises à jour en direct", "تحديث مباشر"),
        .liveOpen: ("collegato", "connected", "connecté", "متصل"),
        .liveClosed: ("non collegato: ricarichi la pagina", "not connected: reload the page",
                      "non connecté : rechargez la page", "غير متصل: أعد تحميل الصفحة"),
        .errorTitle: ("Non è stato possibile", "That could not be done", "Cela n'a pas été possible", "تعذر ذلك"),
        .chooseDesk: ("Scelga l'ufficio", "Choose the office", "Choisissez le bureau", "اختر المكتب"),
        .weekday0: ("Lunedì", "Monday", "Lundi", "الإثنين"),
        .weekday1: ("Martedì", "Tuesday", "Mardi", "الثلاثاء"),
        .weekday2: ("Mercoledì", "Wednesday", "Mercredi", "الأربعاء"),
        .weekday3: ("Giovedì", "Thursday", "Jeudi", "الخميس"),
        .weekday4: ("Venerdì", "Friday", "Vendredi", "الجمعة"),
        .weekday5: ("Sabato", "Saturday", "Samedi", "السبت"),
        .weekday6: ("Domenica", "Sunday", "Dimanche", "الأحد"),
        .changed: ("Fatto.", "Done.", "C'est fait.", "تم."),
        .notFoundTitle: ("Pagina non trovata", "Page not found", "Page introuvable", "الصفحة غير موجودة"),
        .applicantLabel: ("Richiedente", "Applicant", "Demandeur", "مقدم الطلب"),
        .serviceOptional: ("Servizio (vuoto: tutti)", "Service (empty: all)", "Service (vide : tous)", "الخدمة (فارغ: الكل)"),
        .nothingMoved: ("Nessun appuntamento da spostare.", "No appointment to move.", "Aucun rendez-vous à déplacer.",
                        "لا توجد مواعيد لنقلها."),
        .signedInAs: ("Utente", "Signed in as", "Connecté en tant que", "مسجل باسم"),
        .visto: ("Visto", "Visa", "Visa", "التأشيرة"),
        .permit: ("Permesso", "Permit", "Titre", "التصريح"),
    ]

    /// The questions and answers page (Siamo Digitali's "informazioni e risposte a domande").
    static func faq(_ language: Language) -> [(String, String)] {
        switch language {
        case .it: [
            ("Come prenoto il fotosegnalamento?", "Lo Sportello Unico lo prenota per Lei quando firma il contratto di soggiorno, e Le stampa la convocazione. Con un'utenza di richiedente può anche prenotarlo da qui, in «La mia pagina»."),
            ("Posso spostare o annullare l'appuntamento?", "Sì: in «La mia pagina» ogni appuntamento ha «Sposta» (al primo giorno libero dopo, o a un giorno scelto) e «Annulla». Il posto torna libero per gli altri."),
            ("Come so se il permesso è pronto?", "Nella pagina «Il mio permesso è pronto?», con cognome, nome, data di nascita e data del fotosegnalamento. La risposta dice solo pronto, non pronto o dati non trovati."),
            ("Chi prenota il ritiro del permesso?", "Lei, o l'ente convenzionato (patronato, comune) che La assiste: sceglie il primo giorno e ora liberi o un altro giorno, e stampa il promemoria."),
            ("Cosa porto all'appuntamento?", "La convocazione stampata, il passaporto, la ricevuta della domanda e, per il ritiro, la ricevuta del fotosegnalamento."),
        ]
        case .en: [
            ("How do I book the fingerprinting?", "The Sportello Unico books it for you when you sign the residence contract, and prints your convocation. With an applicant account you can also book it here, on “My page”."),
            ("Can I move or cancel my appointment?", "Yes: on “My page” each appointment has “Move” (to the next free day, or a day you choose) and “Cancel”. The place becomes free for others."),
            ("How do I know my permit is ready?", "On the page “Is my permit ready?”, with your surname, name, date of birth and the date you were fingerprinted. The answer says only ready, not ready, or not found."),
            ("Who books the pickup of the permit?", "You, or the affiliated body (patronato, comune) helping you: it chooses the first free day and hour or another day, and prints the reminder."),
            ("What do I bring to the appointment?", "The printed convocation, your passport, the receipt of your application and, for the pickup, the fingerprinting receipt."),
        ]
        case .fr: [
            ("Comment réserver la prise d'empreintes ?", "Le Sportello Unico la réserve pour vous à la signature du contrat de séjour et imprime votre convocation. Avec un compte de demandeur, vous pouvez aussi la réserver ici, dans « Ma page »."),
            ("Puis-je déplacer ou annuler mon rendez-vous ?", "Oui : dans « Ma page », chaque rendez-vous a « Déplacer » (au prochain jour libre ou à un jour choisi) et « Annuler ». La place redevient libre."),
            ("Comment savoir si mon titre est prêt ?", "Sur la page « Mon titre de séjour est-il prêt ? », avec nom, prénom, date de naissance et date de la prise d'empreintes. La réponse dit seulement prêt, pas prêt ou introuvable."),
            ("Qui réserve le retrait du titre ?", "Vous, ou l'organisme conventionné (patronato, commune) qui vous aide : il choisit le premier jour et heure libres ou un autre jour, et imprime l'aide-mémoire."),
            ("Que dois-je apporter ?", "La convocation imprimée, votre passeport, le récépissé de la demande et, pour le retrait, le récépissé de la prise d'empreintes."),
        ]
        case .ar: [
            ("كيف أحجز موعد أخذ البصمات؟", "يحجزه لك الشباك الموحد عند توقيع عقد الإقامة ويطبع لك الاستدعاء. ويمكنك أيضًا بحساب مقدم الطلب أن تحجزه من هنا، في «صفحتي»."),
            ("هل يمكنني تغيير الموعد أو إلغاؤه؟", "نعم: في «صفحتي» لكل موعد زر «تغيير الموعد» (إلى أول يوم متاح أو يوم تختاره) وزر «إلغاء». ويعود المكان متاحًا للآخرين."),
            ("كيف أعرف أن تصريحي جاهز؟", "في صفحة «هل تصريحي جاهز؟»، باللقب والاسم وتاريخ الميلاد وتاريخ أخذ البصمات. الجواب يقول فقط: جاهز، أو غير جاهز، أو غير موجود."),
            ("من يحجز موعد استلام التصريح؟", "أنت، أو الجهة المعتمدة (نقابة، بلدية) التي تساعدك: تختار أول يوم وساعة متاحين أو يومًا آخر، وتطبع التذكير."),
            ("ماذا أحضر إلى الموعد؟", "الاستدعاء مطبوعًا، وجواز السفر، وإيصال الطلب، وللاستلام إيصال أخذ البصمات."),
        ]
        }
    }
}
