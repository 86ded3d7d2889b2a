import Events
import Projections

extension Decider {
    /// `configure-office`: replaces the office's configuration from today on. Refused if any
    /// booked slot from today on would lose its place or hold more than the new capacity.
    static func configure(_ configuration: OfficeConfiguration, _ views: Views, now: Instant) -> Outcome {
        if let problem = validate(configuration) { return .rejected(.invalidConfiguration(problem)) }
        let today = RomeTime.day(of: now)
        let id = configuration.office
        if let previous = views.offices[id] {
            let next = OfficeView(configuration: configuration, closures: previous.closures,
                                  serviceClosures: previous.serviceClosures)
            // In a fixed order (services as configured, then days, then slots): the first
            // problem found is the one recorded, and a re-decision must find the same one.
            for service in previous.configuration.services.map(\.id) {
                guard let load = views.loads[OfficeService(id, service)] else { continue }
                for (day, dayLoad) in load.materialised where day >= today && dayLoad.booked > 0 && !dayLoad.closed {
                    let fresh = next.freshLoad(service, on: day)
                    for slot in dayLoad.slots where slot.booked > 0 {
                        let slotIndex = fresh.slotIndex(slot.time)
                        let capacity = slotIndex.map { fresh.slots[$0].capacity } ?? 0
                        // Migrated appointments may sit past capacity, but never off the grid.
                        if capacity < slot.normallyBooked || (slotIndex == nil && slot.migrated > 0) {
                            return .rejected(.capacityBelowBookings(id, service: service, day: day, time: slot.time,
                                                                    booked: slot.booked))
                        }
                    }
                }
            }
        }
        return .accepted([.officeConfigured(configuration, effectiveFrom: today)])
    }

    /// The sentence that says what is wrong, or nil. Counts and lengths the record format
    /// must hold were checked before the command was logged (`CommandCheck`).
    static func validate(_ configuration: OfficeConfiguration) -> String? {
        if configuration.horizonDays == 0 || configuration.horizonDays > Limits.horizonDaysMax {
            return "horizonDays must be 1 to \(Limits.horizonDaysMax)"
        }
        if configuration.leadDays > configuration.horizonDays { return "leadDays exceeds horizonDays" }
        if Set(configuration.services.map(\.id)).count != configuration.services.count { return "a service id repeats" }
        if zip(configuration.closedDays, configuration.closedDays.dropFirst()).contains(where: { $0 >= $1 }) {
            return "closedDays must be sorted and unique"
        }
        if !configuration.province.isEmpty,
           configuration.province.utf8.count != 2 || !configuration.province.utf8.allSatisfy({ (65...90).contains($0) }) {
            return "province must be the two capital letters of a sigla (RM), not \"\(configuration.province)\""
        }
        if let window = configuration.transition, window.from > window.to {
            return "the transition window starts (\(window.from)) after it ends (\(window.to))"
        }
        for service in configuration.services {
            if service.slotLengthMinutes == 0 || service.slotLengthMinutes > 1440 {
                return "\(service.id): slotLengthMinutes must be 1 to 1440"
            }
            if service.capacityPerSlot == 0 || service.capacityPerSlot > Limits.capacityPerSlotMax {
                return "\(service.id): capacityPerSlot must be 1 to \(Limits.capacityPerSlotMax)"
            }
            if service.quotas.total > Int(service.capacityPerSlot) {
                return "\(service.id): quotas sui \(service.quotas.sui) + body \(service.quotas.body) + applicant "
                    + "\(service.quotas.applicant) exceed capacityPerSlot \(service.capacityPerSlot)"
            }
            if service.releaseDays > configuration.horizonDays {
                return "\(service.id): releaseDays exceeds horizonDays"
            }
            for (index, intervals) in service.weekly.enumerated() {
                let weekday = Weekday(rawValue: UInt8(index))?.shortName ?? "\(index)"
                var previousEnd = LocalTime.midnight
                for interval in intervals {
                    if interval.start >= interval.end {
                        return "\(service.id) \(weekday): interval \(interval.start)-\(interval.end) is empty"
                    }
                    if interval.start < previousEnd {
                        return "\(service.id) \(weekday): intervals overlap or are out of order"
                    }
                    previousEnd = interval.end
                }
            }
        }
        // One event per appointment a close-day moves must fit in one record.
        for weekday in Weekday.allCases {
            let places = configuration.services.reduce(0) {
                $0 + $1.slotTimes(on: weekday).count * Int($1.capacityPerSlot)
            }
            if places > Limits.placesPerDayMax {
                return "\(places) places on \(weekday.shortName), more than \(Limits.placesPerDayMax)"
            }
        }
        return nil
    }
}
