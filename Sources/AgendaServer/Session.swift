import Events
import Projections

/// What one connection knows about itself. Lives on its event loop.
struct Session {
    var account: AccountView?
    var version: ProtocolVersion = .resp2
    var clientName = ""
    var subscriptions: [OfficeID] = []
    var authFailures = 0
    let id: Int
    let remoteHost: String

    var isSubscribed: Bool { !subscriptions.isEmpty }
}

extension AccountView {
    /// Staff of an office: its own sui, questura or prefettura account; a prefettura account
    /// covers its province's offices; audit and admin cover every office.
    func isStaff(of office: OfficeID) -> Bool {
        switch spec.role {
        case .admin, .audit: return true
        case .body, .applicant: return false
        case .prefettura:
            guard let own = spec.office else { return false }
            return AccountView.province(own) == AccountView.province(office)
        case .sui, .questura:
            return spec.office == office
        }
    }

    /// The pratica an applicant account is tied to (nil for every other role; an applicant
    /// account without one is refused when created, so this never lets one act unrestricted).
    var ownPratica: PraticaID? {
        guard spec.role == .applicant else { return nil }
        return spec.pratica ?? PraticaID("")
    }

    static func province(_ office: OfficeID) -> Substring {
        office.rawValue.split(separator: "-", maxSplits: 1).first ?? Substring(office.rawValue)
    }
}
