#!/usr/bin/env python3
"""Verify and decode an Agenda data directory's log, from docs/log-format.md alone.

Needs Python 3.9+ and the PyPI package `lmdb` (pip install lmdb).
"""

import argparse
import datetime
import hashlib
import json
import os
import signal
import sys

FORMAT_VERSIONS = {1}
GENESIS = bytes(32)
TRAILER = 64  # previousHash (32) + hash (32)
PROBLEMS_SHOWN_MAX = 50

HELP = """\
Opens DIR (an Agenda data directory: an LMDB environment with data.mdb and
lock.mdb) read-only, walks the `log` database in key order inside one read
transaction, and checks, as docs/log-format.md describes:

  - sequence numbers run 1, 2, 3, ... with none missing;
  - each record's previousHash is the hash of the record before it (32 zero
    bytes for record 1);
  - each record's hash is SHA-256(previousHash || sequence as u64 big-endian ||
    payload);
  - each payload decodes completely (known version and tags, valid values, no
    bytes left over);
  - meta `head` names the last record's sequence number and hash.

Without options it prints one line:  N records, head SEQ HASH, chain ok
With --json it prints every record, decoded, as one JSON object per line
(JSON Lines) on stdout, and the summary on stderr. tools/README.md describes
the objects. With --annotate SEQ it prints that record as an annotated hex dump.

Reading is safe while agenda-node runs (LMDB readers never block the writer
and see the last commit); it needs write permission on DIR/lock.mdb, as every
LMDB reader does. Nothing is ever written.

With --head SEQ:HASH (the line `replay head` prints, kept somewhere else) it
also checks that record SEQ still has HASH: the only way to notice a log that
was rewritten and re-hashed from some record on.

Exit status: 0 when everything verifies; 1 when a hash does not verify, a link
is broken, a sequence number is missing, a record does not decode, meta head
disagrees or the --head record differs (each problem is printed on stderr with
its sequence number and what differs); 2 when DIR cannot be read as an Agenda
data directory.

Examples:
  python3 tools/verify_log.py data
  python3 tools/verify_log.py --json data | jq -c 'select(.outcome.type=="rejected")'
  python3 tools/verify_log.py --annotate 5 data
"""


class DecodeError(Exception):
    def __init__(self, message, offset):
        super().__init__(message)
        self.message = message
        self.offset = offset

    def __str__(self):
        return f"{self.message} (payload byte {self.offset})"


# --- Primitive types (docs/log-format.md, "Primitive types") -----------------

EPOCH = datetime.date(1970, 1, 1)


def day_text(days):
    """A `day` as YYYY-MM-DD; outside years 1...9999 (which Python cannot show) the integer."""
    try:
        return (EPOCH + datetime.timedelta(days=days)).isoformat()
    except OverflowError:
        return days


def time_text(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def instant_text(ms):
    try:
        moment = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(milliseconds=ms)
    except OverflowError:
        return ms
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


class Reader:
    """Reads the primitive types from a payload; optionally notes each field for --annotate."""

    def __init__(self, data, notes=None):
        self.data = data
        self.offset = 0
        self.notes = notes  # list of (start, end, label, shown) or None
        self.path = []

    def note(self, start, label, shown):
        if self.notes is not None:
            self.notes.append((start, self.offset, self.where(label), shown))

    def where(self, label):
        return ".".join(self.path + [label]) if label else ".".join(self.path)

    def take(self, count, what):
        if count > len(self.data) - self.offset:
            raise DecodeError(f"the payload ends early: {what} needs {count} bytes, "
                              f"{len(self.data) - self.offset} left", self.offset)
        start = self.offset
        self.offset += count
        return self.data[start:self.offset]

    def uint(self, size, label, what):
        start = self.offset
        value = int.from_bytes(self.take(size, f"{self.where(label)} ({what})"), "big")
        self.note(start, label, value)
        return value

    def u8(self, label):
        return self.uint(1, label, "a u8")

    def u16(self, label):
        return self.uint(2, label, "a u16")

    def u32(self, label):
        return self.uint(4, label, "a u32")

    def u64(self, label):
        return self.uint(8, label, "a u64")

    def i32_raw(self, what):
        return int.from_bytes(self.take(4, what), "big", signed=True)

    def bool(self, label):
        start = self.offset
        value = self.take(1, f"{self.where(label)} (a bool)")[0]
        if value not in (0, 1):
            raise DecodeError(f"{self.where(label)}: invalid bool {value}", start)
        self.note(start, label, bool(value))
        return value == 1

    def str(self, label):
        start = self.offset
        count = int.from_bytes(self.take(2, f"the length of {self.where(label)} (a str)"), "big")
        raw = self.take(count, f"{self.where(label)} (a str of {count} bytes)")
        try:
            text = raw.decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            raise DecodeError(f"{self.where(label)}: not valid UTF-8", start + 2) from None
        self.note(start, label, json.dumps(text, ensure_ascii=False))
        return text

    def day(self, label):
        start = self.offset
        value = day_text(self.i32_raw(f"{self.where(label)} (a day)"))
        self.note(start, label, value)
        return value

    def time(self, label):
        start = self.offset
        minutes = int.from_bytes(self.take(2, f"{self.where(label)} (a time)"), "big")
        if minutes >= 1440:
            raise DecodeError(f"{self.where(label)}: invalid time {minutes} (minutes since midnight "
                              "must be below 1440)", start)
        value = time_text(minutes)
        self.note(start, label, value)
        return value

    def instant(self, label):
        start = self.offset
        ms = int.from_bytes(self.take(8, f"{self.where(label)} (an instant)"), "big", signed=True)
        value = instant_text(ms)
        self.note(start, label, f"{value} ({ms} ms)")
        return value, ms

    def opt(self, label, read):
        start = self.offset
        flag = self.take(1, f"{self.where(label)} (an opt's presence byte)")[0]
        if flag == 0:
            self.note(start, label, "absent")
            return None
        if flag != 1:
            raise DecodeError(f"{self.where(label)}: invalid presence byte {flag}", start)
        self.note(start, label + "?", "present")
        return read(label)

    def tag(self, label, table, kind):
        start = self.offset
        value = self.take(1, f"{self.where(label)} (a {kind} tag)")[0]
        if value not in table:
            raise DecodeError(f"{self.where(label)}: unknown {kind} tag {value}; the record is damaged "
                              "or newer than this reader", start)
        self.note(start, label, f"{value} = {table[value][0] if isinstance(table[value], tuple) else table[value]}")
        return value

    def within(self, name):
        reader = self

        class Scope:
            def __enter__(self):
                reader.path.append(name)

            def __exit__(self, *exc):
                reader.path.pop()

        return Scope()


# --- Shared structures ("Shared structures") ----------------------------------

OFFICE_KINDS = {1: "questura", 2: "prefettura", 3: "sui"}
MOVE_CAUSES = {1: "deferred", 2: "day-closed"}
ROLES = {1: "sui", 2: "body", 3: "questura", 4: "prefettura", 5: "audit", 6: "admin", 7: "applicant"}
PERMISSIONS = {1: "role", 2: "office", 3: "appointment", 4: "pratica", 5: "disabled"}
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def read_transition(r, label):
    """An optional transition window: {"from", "to"} or None."""
    return r.opt(label, lambda _label: {"from": r.day(f"{label}.from"), "to": r.day(f"{label}.to")})


def read_quotas(r, into):
    into["quotas"] = {"sui": r.u16("quotas.sui"), "body": r.u16("quotas.body"),
                      "applicant": r.u16("quotas.applicant")}
    into["releaseDays"] = r.u16("releaseDays")
    return into


def read_configuration_v2(r, check_sets_version_2=True):
    """Version 2: the version-1 layout, then address, phone, transition, and per service quotas."""
    configuration = read_configuration(r)
    configuration["address"] = r.str("address")
    configuration["phone"] = r.str("phone")
    configuration["transition"] = read_transition(r, "transition")
    for index, service in enumerate(configuration["services"]):
        with r.within(f"services[{index}]"):
            read_quotas(r, service)
    # Written under tag 13/14 only when it sets something of version 2 (log-format.md); otherwise
    # it would be a second encoding of a version-1 configuration.
    if check_sets_version_2 and not (
            configuration["address"] or configuration["phone"] or configuration["transition"]
            or any(service["releaseDays"] or any(service["quotas"].values()) for service in configuration["services"])):
        raise DecodeError(f"{r.where('configuration')}: a version-2 configuration that sets nothing of version 2; "
                          "the record is damaged", r.offset)
    return configuration


def read_configuration_v3(r, check_names_province=True):
    """Version 3: the version-2 layout (which may set nothing of version 2), then the province."""
    configuration = read_configuration_v2(r, check_sets_version_2=False)
    configuration["province"] = r.str("province")
    # Written under tag 16/18 only when it names a province (log-format.md).
    if check_names_province and not configuration["province"]:
        raise DecodeError(f"{r.where('configuration')}: a version-3 configuration without a province; "
                          "the record is damaged", r.offset)
    return configuration


def read_configuration_v5(r):
    """Version 5: the version-4 layout (whose retention may be 0), then the end-of-day address and
    each service's reminder."""
    configuration = read_configuration_v4(r, check_sets_retention=False)
    configuration["dayListAddress"] = r.str("dayListAddress")
    for index, service in enumerate(configuration["services"]):
        service["reminderDays"] = r.u16(f"services[{index}].reminderDays")
    # Written under tag 21/24 only when it sets an address or a reminder (log-format.md).
    if not configuration["dayListAddress"] and not any(s["reminderDays"] for s in configuration["services"]):
        raise DecodeError(f"{r.where('configuration')}: a version-5 configuration without an address or a reminder; "
                          "the record is damaged", r.offset)
    return configuration


def read_configuration_v4(r, check_sets_retention=True):
    """Version 4: the version-3 layout (whose province may be empty), then the retention period."""
    configuration = read_configuration_v3(r, check_names_province=False)
    configuration["retentionDays"] = r.u16("retentionDays")
    # Written under tag 20/22 only when it sets a retention period (log-format.md).
    if check_sets_retention and not configuration["retentionDays"]:
        raise DecodeError(f"{r.where('configuration')}: a version-4 configuration without a retention period; "
                          "the record is damaged", r.offset)
    return configuration


WEBHOOK_SCOPES = {1: "office", 2: "body"}


def read_webhook(r):
    webhook = {"id": r.str("id"), "url": r.str("url")}
    kind = WEBHOOK_SCOPES[r.tag("scope", WEBHOOK_SCOPES, "webhook scope")]
    webhook["scope"] = {kind: r.str(f"scope.{kind}")}
    webhook["secretDigest"] = r.str("secretDigest")
    return webhook


def read_configuration(r):
    configuration = {"office": r.str("office")}
    configuration["kind"] = OFFICE_KINDS[r.tag("kind", OFFICE_KINDS, "office kind")]
    configuration["name"] = r.str("name")
    configuration["horizonDays"] = r.u16("horizonDays")
    configuration["leadDays"] = r.u16("leadDays")
    services = []
    for index in range(r.u16("services.count")):
        with r.within(f"services[{index}]"):
            service = {"id": r.str("id"), "name": r.str("name"),
                       "slotLengthMinutes": r.u16("slotLengthMinutes"),
                       "capacityPerSlot": r.u16("capacityPerSlot"),
                       "requiresReadyPermit": r.bool("requiresReadyPermit")}
            weekly = []
            for weekday in WEEKDAYS:
                intervals = []
                for number in range(r.u8(f"weekly.{weekday}.count")):
                    intervals.append([r.time(f"weekly.{weekday}[{number}].start"),
                                      r.time(f"weekly.{weekday}[{number}].end")])
                weekly.append(intervals)
            service["weekly"] = weekly
            services.append(service)
    configuration["services"] = services
    count = r.u32("closedDays.count")
    if count * 4 > len(r.data) - r.offset:
        raise DecodeError(f"{r.where('closedDays.count')}: {count} closed days run past the payload's end",
                          r.offset - 4)
    configuration["closedDays"] = [r.day(f"closedDays[{index}]") for index in range(count)]
    return configuration


def read_applicant(r):
    return {"pratica": r.str("pratica"), "visto": r.str("visto"), "surname": r.str("surname"),
            "name": r.str("name"), "birthDate": r.day("birthDate"), "nationality": r.str("nationality"),
            "office": r.str("office")}


def read_sealed_applicant(r):
    """A sealed Applicant ("Sealed applicants"): ids, the two keyed hashes, the box. This reader
    has no keys, so the personal fields are null, as `replay dump` prints them without keys."""
    pratica, office = r.str("pratica"), r.str("office")
    start = r.offset
    visto_tag = r.take(32, "vistoTag (32 bytes)")
    r.note(start, "vistoTag", visto_tag.hex())
    start = r.offset
    person_tag = r.take(32, "personTag (32 bytes)")
    r.note(start, "personTag", person_tag.hex())
    count = r.u16("box length")
    start = r.offset
    box = r.take(count, f"the box ({count} bytes)")
    r.note(start, "box", box.hex())
    return {"pratica": pratica, "visto": None, "surname": None, "name": None, "birthDate": None,
            "nationality": None, "office": office,
            "sealed": {"vistoTag": visto_tag.hex(), "personTag": person_tag.hex(), "box": box.hex()},
            "erased": False}


def read_account(r):
    """An AccountSpec: there is no password in it, by design."""
    account = {"name": r.str("name")}
    account["role"] = ROLES[r.tag("role", ROLES, "role")]
    account["office"] = r.opt("office", r.str)
    account["body"] = r.str("body")
    return account


def read_account_v2(r):
    """Version 2: the version-1 fields, then the pratica an applicant account is tied to."""
    account = read_account(r)
    account["pratica"] = r.str("pratica")
    return account


def read_structure(r, label, read):
    with r.within(label):
        return read(r)


# --- Commands ("Commands") -----------------------------------------------------

DEFER_TARGETS = {1: "next-free", 2: "day"}


def read_defer_target(r):
    tag = r.tag("target", DEFER_TARGETS, "defer target")
    if tag == 1:
        return {"type": "next-free"}
    return {"type": "day", "day": r.day("target.day"), "at": r.opt("target.at", r.time)}


def read_book(r):
    return {"office": r.str("office"), "service": r.str("service"), "pratica": r.str("pratica"),
            "notBefore": r.opt("notBefore", r.day), "on": r.opt("on", r.day), "at": r.opt("at", r.time)}


AMENDMENTS = {1: "quotas", 2: "address", 3: "transition", 4: "retention", 5: "day-list-address", 6: "reminder"}


def read_amendment(r):
    with r.within("amendment"):
        tag = r.tag("tag", AMENDMENTS, "office amendment")
        if tag == 1:
            amendment = {"type": "quotas", "service": r.str("service")}
            quotas = read_quotas(r, {})
            amendment.update(quotas["quotas"])
            amendment["releaseDays"] = quotas["releaseDays"]
            return amendment
        if tag == 2:
            return {"type": "address", "address": r.str("address"), "phone": r.str("phone")}
        if tag == 4:
            return {"type": "retention", "days": r.u16("days")}
        if tag == 5:
            return {"type": "day-list-address", "address": r.str("address")}
        if tag == 6:
            return {"type": "reminder", "service": r.str("service"), "days": r.u16("days")}
        return {"type": "transition", "window": read_transition(r, "window")}


COMMANDS = {
    1: ("configure-office", lambda r: {"configuration": read_structure(r, "configuration", read_configuration)}),
    2: ("close-day", lambda r: {"office": r.str("office"), "day": r.day("day"), "service": r.opt("service", r.str),
                                "reason": r.str("reason")}),
    3: ("book", read_book),
    4: ("defer", lambda r: {"appointment": r.str("appointment"), "target": read_defer_target(r),
                            "reason": r.str("reason")}),
    5: ("cancel", lambda r: {"appointment": r.str("appointment"), "reason": r.str("reason")}),
    6: ("permit-ready", lambda r: {"pratica": r.str("pratica")}),
    7: ("pickup", lambda r: {"pratica": r.str("pratica")}),
    8: ("register-pratica", lambda r: {"applicant": read_structure(r, "applicant", read_applicant)}),
    9: ("create-account", lambda r: {"account": read_structure(r, "account", read_account)}),
    10: ("disable-account", lambda r: {"name": r.str("name"), "reason": r.str("reason")}),
    11: ("attend", lambda r: {"appointment": r.str("appointment")}),
    12: ("no-show", lambda r: {"appointment": r.str("appointment")}),
    13: ("book-or-existing", read_book),
    14: ("configure-office", lambda r: {"configuration": read_structure(r, "configuration", read_configuration_v2)}),
    15: ("amend-office", lambda r: {"office": r.str("office"), "amendment": read_amendment(r)}),
    16: ("migrate-appointment", lambda r: {"office": r.str("office"), "service": r.str("service"),
                                           "pratica": r.str("pratica"), "day": r.day("day"), "time": r.time("time"),
                                           "legacyID": r.str("legacyID")}),
    17: ("create-account", lambda r: {"account": read_structure(r, "account", read_account_v2)}),
    18: ("configure-office", lambda r: {"configuration": read_structure(r, "configuration", read_configuration_v3)}),
    19: ("record-signing-key", lambda r: {"publicKey": r.str("publicKey")}),
    20: ("register-pratica", lambda r: {"applicant": read_structure(r, "applicant", read_sealed_applicant)}),
    21: ("erase-pratica", lambda r: {"pratica": r.str("pratica"), "reason": r.str("reason")}),
    22: ("configure-office", lambda r: {"configuration": read_structure(r, "configuration", read_configuration_v4)}),
    23: ("tick", lambda r: {}),
    24: ("configure-office", lambda r: {"configuration": read_structure(r, "configuration", read_configuration_v5)}),
    25: ("add-webhook", lambda r: {"webhook": read_structure(r, "webhook", read_webhook)}),
    26: ("remove-webhook", lambda r: {"id": r.str("id")}),
}

# --- Events ("Outcomes and events") --------------------------------------------


def read_moved(r):
    moved = {"appointment": r.str("appointment"), "office": r.str("office"), "service": r.str("service"),
             "fromDay": r.day("fromDay"), "fromTime": r.time("fromTime"), "toDay": r.day("toDay"),
             "toTime": r.time("toTime")}
    moved["cause"] = MOVE_CAUSES[r.tag("cause", MOVE_CAUSES, "move cause")]
    moved["reason"] = r.str("reason")
    return moved


def read_closed(r):
    """appointment-attended and appointment-missed share these fields."""
    return {"appointment": r.str("appointment"), "office": r.str("office"), "service": r.str("service"),
            "pratica": r.str("pratica"), "day": r.day("day"), "time": r.time("time")}


EVENTS = {
    1: ("office-configured", lambda r: {"configuration": read_structure(r, "configuration", read_configuration),
                                        "effectiveFrom": r.day("effectiveFrom")}),
    2: ("day-closed", lambda r: {"office": r.str("office"), "day": r.day("day"), "service": r.opt("service", r.str),
                                 "reason": r.str("reason")}),
    3: ("appointment-booked", lambda r: {"appointment": r.str("appointment"), "office": r.str("office"),
                                         "service": r.str("service"), "pratica": r.str("pratica"),
                                         "requestedDay": r.day("requestedDay"), "day": r.day("day"),
                                         "time": r.time("time"), "deferred": r.bool("deferred"),
                                         "bookedBy": r.str("bookedBy")}),
    4: ("appointment-moved", read_moved),
    5: ("appointment-cancelled", lambda r: {"appointment": r.str("appointment"), "office": r.str("office"),
                                            "service": r.str("service"), "pratica": r.str("pratica"),
                                            "day": r.day("day"), "time": r.time("time"), "reason": r.str("reason")}),
    6: ("permit-marked-ready", lambda r: {"pratica": r.str("pratica")}),
    7: ("permit-delivered", lambda r: {"pratica": r.str("pratica"),
                                       "completedAppointment": r.opt("completedAppointment", r.str)}),
    8: ("pratica-registered", lambda r: {"applicant": read_structure(r, "applicant", read_applicant)}),
    9: ("account-created", lambda r: {"account": read_structure(r, "account", read_account)}),
    10: ("account-disabled", lambda r: {"name": r.str("name"), "reason": r.str("reason")}),
    11: ("appointment-attended", read_closed),
    12: ("appointment-missed", read_closed),
    13: ("office-configured", lambda r: {"configuration": read_structure(r, "configuration", read_configuration_v2),
                                         "effectiveFrom": r.day("effectiveFrom")}),
    14: ("appointment-migrated", lambda r: {"appointment": r.str("appointment"), "office": r.str("office"),
                                            "service": r.str("service"), "pratica": r.str("pratica"),
                                            "day": r.day("day"), "time": r.time("time"),
                                            "legacyID": r.str("legacyID"), "bookedBy": r.str("bookedBy")}),
    15: ("account-created", lambda r: {"account": read_structure(r, "account", read_account_v2)}),
    16: ("office-configured", lambda r: {"configuration": read_structure(r, "configuration", read_configuration_v3),
                                         "effectiveFrom": r.day("effectiveFrom")}),
    17: ("signing-key-recorded", lambda r: {"publicKey": r.str("publicKey")}),
    18: ("pratica-registered", lambda r: {"applicant": read_structure(r, "applicant", read_sealed_applicant)}),
    19: ("pratica-erased", lambda r: {"pratica": r.str("pratica"), "reason": r.str("reason")}),
    20: ("office-configured", lambda r: {"configuration": read_structure(r, "configuration", read_configuration_v4),
                                         "effectiveFrom": r.day("effectiveFrom")}),
    21: ("office-configured", lambda r: {"configuration": read_structure(r, "configuration", read_configuration_v5),
                                         "effectiveFrom": r.day("effectiveFrom")}),
    22: ("webhook-added", lambda r: {"webhook": read_structure(r, "webhook", read_webhook)}),
    23: ("webhook-removed", lambda r: {"id": r.str("id")}),
}

# --- Rejections ("Rejections") -------------------------------------------------

REJECTIONS = {
    1: ("unknown-office", lambda r: {"office": r.str("office")}),
    2: ("unknown-service", lambda r: {"office": r.str("office"), "service": r.str("service")}),
    3: ("unknown-pratica", lambda r: {"pratica": r.str("pratica")}),
    4: ("unknown-appointment", lambda r: {"appointment": r.str("appointment")}),
    5: ("full", lambda r: {"office": r.str("office"), "service": r.str("service"),
                           "searchedThrough": r.day("searchedThrough")}),
    6: ("permit-not-ready", lambda r: {"pratica": r.str("pratica")}),
    7: ("permit-already-delivered", lambda r: {"pratica": r.str("pratica")}),
    8: ("live-appointment-exists", lambda r: {"pratica": r.str("pratica"), "service": r.str("service"),
                                              "appointment": r.str("appointment")}),
    9: ("appointment-not-live", lambda r: {"appointment": r.str("appointment"), "state": r.str("state")}),
    10: ("office-closed", lambda r: {"office": r.str("office"), "day": r.day("day")}),
    11: ("before-lead-time", lambda r: {"requested": r.day("requested"), "earliest": r.day("earliest")}),
    12: ("beyond-horizon", lambda r: {"requested": r.day("requested"), "last": r.day("last")}),
    13: ("no-such-slot", lambda r: {"office": r.str("office"), "service": r.str("service"), "day": r.day("day"),
                                    "time": r.time("time")}),
    14: ("day-in-past", lambda r: {"day": r.day("day"), "today": r.day("today")}),
    15: ("invalid-configuration", lambda r: {"why": r.str("why")}),
    16: ("capacity-below-bookings", lambda r: {"office": r.str("office"), "service": r.str("service"),
                                               "day": r.day("day"), "time": r.time("time"),
                                               "booked": r.u16("booked")}),
    17: ("pratica-already-registered", lambda r: {"pratica": r.str("pratica")}),
    18: ("cannot-rehouse", lambda r: {"appointment": r.str("appointment"),
                                      "searchedThrough": r.day("searchedThrough")}),
    19: ("visto-already-registered", lambda r: {"visto": r.str("visto"), "pratica": r.str("pratica")}),
    20: ("account-exists", lambda r: {"name": r.str("name")}),
    21: ("unknown-account", lambda r: {"name": r.str("name")}),
    22: ("not-yet-due", lambda r: {"appointment": r.str("appointment"), "day": r.day("day"),
                                   "today": r.day("today")}),
    23: ("outside-transition", lambda r: {"office": r.str("office"), "day": r.day("day"),
                                          "window": read_transition(r, "window")}),
    24: ("not-permitted", lambda r: {"permission": PERMISSIONS[r.tag("permission", PERMISSIONS, "permission")],
                                     "role": ROLES[r.tag("role", ROLES, "role")], "subject": r.str("subject")}),
    25: ("not-sealed", lambda r: {"pratica": r.str("pratica")}),
    26: ("webhook-exists", lambda r: {"id": r.str("id")}),
    27: ("unknown-webhook", lambda r: {"id": r.str("id")}),
}

OUTCOMES = {1: "accepted", 2: "rejected"}


def read_tagged(r, label, table, kind):
    """A u8 tag from `table`, then that case's fields: {"type": name, ...fields}."""
    with r.within(label):
        tag = r.tag("tag", table, kind)
        name, read = table[tag]
        decoded = {"type": name}
        decoded.update(read(r))
        return decoded


def read_outcome(r):
    with r.within("outcome"):
        tag = r.tag("tag", OUTCOMES, "outcome")
        if tag == 1:
            count = r.u16("events.count")
            events = [read_tagged(r, f"events[{index}]", EVENTS, "event") for index in range(count)]
            return {"type": "accepted", "events": events}
        return {"type": "rejected", "rejection": read_tagged(r, "rejection", REJECTIONS, "rejection")}


# --- The record ("The log database", "The record payload") ---------------------


def decode_payload(payload, notes=None):
    """The payload as a dict; raises DecodeError on anything unknown, invalid, short or left over."""
    r = Reader(payload, notes)
    version = r.u8("version")
    if version not in FORMAT_VERSIONS:
        raise DecodeError(f"version: unknown record format version {version} (this reader knows "
                          f"{', '.join(map(str, sorted(FORMAT_VERSIONS)))}); refusing to guess its layout", 0)
    decided_at, decided_ms = r.instant("decidedAt")
    record = {"version": version, "decidedAt": decided_at, "decidedAtMs": decided_ms,
              "operator": r.str("operator"), "body": r.str("body"), "requestID": r.str("requestID")}
    record["command"] = read_tagged(r, "command", COMMANDS, "command")
    record["outcome"] = read_outcome(r)
    if r.offset != len(payload):
        raise DecodeError(f"{len(payload) - r.offset} bytes left over after the outcome", r.offset)
    return record


def link_hash(previous, key, payload):
    return hashlib.sha256(previous + key + payload).digest()


class Problems:
    def __init__(self):
        self.count = 0

    def report(self, message):
        self.count += 1
        if self.count <= PROBLEMS_SHOWN_MAX:
            print(f"verify_log: {message}", file=sys.stderr)


class MerkleFrontier:
    """The Merkle tree's right edge ("The Merkle tree"): the roots of its perfect subtrees."""

    def __init__(self):
        self.stack = []  # (level, hash), largest first
        self.size = 0

    def append(self, value):
        level, digest = 0, hashlib.sha256(b"\x00" + value).digest()
        while self.stack and self.stack[-1][0] == level:
            digest = node_hash(self.stack.pop()[1], digest)
            level += 1
        self.stack.append((level, digest))
        self.size += 1

    def root(self):
        if not self.stack:
            return hashlib.sha256(b"").digest()
        digest = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            digest = node_hash(left, digest)
        return digest


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def tree_position(level, index):
    """The `tree` database key of node (level, index): 2j − popcount(j) + level."""
    last_leaf = ((index + 1) << level) - 1
    return 2 * last_leaf - bin(last_leaf).count("1") + level


def stored_root(txn, tree_db, start, count):
    """MTH of leaves start … start + count − 1 from the `tree` database's perfect subtrees."""
    if count == 0:
        return hashlib.sha256(b"").digest()
    if count & (count - 1) == 0 and start % count == 0:
        level = count.bit_length() - 1
        value = txn.get(tree_position(level, start // count).to_bytes(8, "big"), db=tree_db)
        if value is None or len(value) != 32:
            raise DecodeError(f"the tree has no node {start // count} at level {level}")
        return bytes(value)
    split = 1 << ((count - 1).bit_length() - 1)
    return node_hash(stored_root(txn, tree_db, start, split), stored_root(txn, tree_db, start + split, count - split))


def walk(txn, log_db, problems, emit, published=None, tree=None):
    """Walks `log`, checking the chain and decoding; returns (records, last sequence, last hash).

    `published` is an optional (sequence, hash) published earlier (`replay head`), or (size, hash,
    root) of a signed head: that record must still carry that hash, and the Merkle root of records
    1 … size must be that root. `tree`, a MerkleFrontier, gets every record's value."""
    expected = 1
    previous = GENESIS
    records = 0
    last_sequence, last_hash = 0, GENESIS
    cursor = txn.cursor(db=log_db)
    for key, value in cursor.iternext(keys=True, values=True):
        key, value = bytes(key), bytes(value)
        if len(key) != 8:
            problems.report(f"a log key of {len(key)} bytes ({key.hex()}) after record {expected - 1}; "
                            "log keys are 8 bytes")
            continue
        sequence = int.from_bytes(key, "big")
        records += 1
        gap = sequence != expected
        if sequence < expected:
            problems.report(f"record {sequence}: sequence numbers start at 1" if sequence == 0
                            else f"record {sequence}: out of order after {expected - 1}")
        elif sequence > expected:
            missing = f"{expected}" if sequence == expected + 1 else f"{expected} to {sequence - 1}"
            after = f"after record {expected - 1}" if expected > 1 else "at the start of the log"
            problems.report(f"record {missing} missing: {after} the next key is {sequence}")
        if len(value) <= TRAILER:
            problems.report(f"record {sequence}: {len(value)} bytes; a record is at least {TRAILER + 1} "
                            "(payload, previous hash, hash)")
            expected, previous = sequence + 1, GENESIS
            continue
        payload = value[:-TRAILER]
        stored_previous = value[-TRAILER:-32]
        stored_hash = value[-32:]
        if not gap and stored_previous != previous:
            what = "32 zero bytes (record 1)" if sequence == 1 else f"record {sequence - 1}'s hash {previous.hex()}"
            problems.report(f"record {sequence}: link broken: previous hash {stored_previous.hex()} "
                            f"is not {what}")
        computed = link_hash(stored_previous, key, payload)
        if computed != stored_hash:
            problems.report(f"record {sequence}: hash does not verify: stored {stored_hash.hex()}, "
                            f"SHA-256(previous hash ‖ sequence ‖ payload) is {computed.hex()}"
                            + moved_hint(sequence, stored_previous, payload, stored_hash))
        try:
            record = decode_payload(payload)
        except DecodeError as error:
            problems.report(f"record {sequence}: does not decode: {error}")
            record = None
        if record is not None and emit is not None:
            emit({"sequence": sequence, "hash": stored_hash.hex(), "previousHash": stored_previous.hex(), **record})
        if tree is not None:
            tree.append(value)
        if published is not None and sequence == published[0] and stored_hash != published[1]:
            problems.report(f"record {sequence}: hash {stored_hash.hex()} is not the published "
                            f"{published[1].hex()}: the history up to {sequence} was rewritten")
        if published is not None and len(published) == 3 and sequence == published[0] and tree is not None \
                and tree.root() != published[2]:
            problems.report(f"record {sequence}: the Merkle root of records 1 to {sequence} is "
                            f"{tree.root().hex()}, not the signed head's {published[2].hex()}")
        expected, previous = sequence + 1, stored_hash
        last_sequence, last_hash = sequence, stored_hash
    if published is not None and published[0] > last_sequence:
        problems.report(f"record {published[0]} (the published head) is not in the log, which ends at "
                        f"{last_sequence}")
    return records, last_sequence, last_hash


def moved_hint(sequence, previous, payload, stored_hash):
    """When a record's bytes verify under a nearby sequence number, it was moved: say so."""
    for other in range(max(1, sequence - 16), sequence + 17):
        if other != sequence and link_hash(previous, other.to_bytes(8, "big"), payload) == stored_hash:
            return f" (these bytes verify as record {other}: the record was moved from key {other})"
    return ""


def check_head(txn, meta_db, problems, last_sequence, last_hash):
    if meta_db is None:
        problems.report("no `meta` database")
        return
    head = txn.get(b"head", db=meta_db)
    if head is None:
        if last_sequence != 0:
            problems.report(f"meta head is missing but the log ends at record {last_sequence}")
        return
    head = bytes(head)
    if len(head) != 40:
        problems.report(f"meta head is {len(head)} bytes, not 40")
        return
    head_sequence, head_hash = int.from_bytes(head[:8], "big"), head[8:]
    if (head_sequence, head_hash) != (last_sequence, last_hash):
        problems.report(f"meta head is {head_sequence} {head_hash.hex()} but the log ends at "
                        f"{last_sequence} {last_hash.hex()}")


def check_tree(txn, env, meta_db, problems, tree, last_sequence):
    """The `tree` database, when the directory has one, must hold the root of the whole log."""
    import lmdb
    try:
        tree_db = env.open_db(b"tree", txn=txn, create=False)
    except lmdb.NotFoundError:
        return "no tree (a directory written before it)"
    size = txn.get(b"tree-size", db=meta_db) if meta_db is not None else None
    size = int.from_bytes(bytes(size), "big") if size is not None else 0
    if size != last_sequence:
        return f"tree of {size} records (the node extends it when it opens the directory)"
    try:
        root = stored_root(txn, tree_db, 0, size)
    except DecodeError as error:
        problems.report(f"the Merkle tree: {error}")
        return "tree NOT ok"
    if root != tree.root():
        problems.report(f"the Merkle tree's stored root is {root.hex()}, but the log's records come to "
                        f"{tree.root().hex()}")
        return "tree NOT ok"
    return f"tree root {root.hex()}"


def annotate(txn, log_db, sequence):
    """Prints one record as an annotated hex dump; returns the exit status."""
    key = sequence.to_bytes(8, "big")
    value = txn.get(key, db=log_db)
    if value is None:
        print(f"verify_log: no record {sequence}", file=sys.stderr)
        return 1
    value = bytes(value)
    if len(value) <= TRAILER:
        print(f"verify_log: record {sequence} is {len(value)} bytes, too short to be a record", file=sys.stderr)
        return 1
    payload = value[:-TRAILER]
    notes = []
    status = 0
    try:
        decode_payload(payload, notes)
    except DecodeError as error:
        print(f"verify_log: record {sequence} does not decode: {error}", file=sys.stderr)
        status = 1
    print(f"key   {key.hex(' ')}  sequence {sequence}")
    print(f"value {len(value)} bytes: payload {len(payload)} ‖ previous hash 32 ‖ hash 32")
    print("offset  bytes                                             field = value")

    def line(start, end, label, shown):
        chunk = value[start:end]
        for index in range(0, max(len(chunk), 1), 16):
            hexed = chunk[index:index + 16].hex(" ")
            text = f"{label} = {shown}" if index == 0 else "  …"
            print(f"{start + index:6d}  {hexed:<48}  {text}")

    for start, end, label, shown in notes:
        line(start, end, label, shown)
    previous, stored = value[-TRAILER:-32], value[-32:]
    line(len(payload), len(payload) + 32, "previousHash", previous.hex())
    line(len(payload) + 32, len(value), "hash", stored.hex())
    computed = link_hash(previous, key, payload)
    print(f"SHA-256(previousHash ‖ {key.hex()} ‖ payload) = {computed.hex()} "
          f"{'= hash' if computed == stored else '≠ hash: DOES NOT VERIFY'}")
    return status if computed == stored else 1


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="verify_log.py", description="Verify and decode an Agenda data directory's log "
                                          "(docs/log-format.md).",
        epilog=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", metavar="DIR", help="the data directory (holds data.mdb and lock.mdb)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print every record as JSON Lines on stdout")
    mode.add_argument("--annotate", metavar="SEQ", type=int, help="print record SEQ as an annotated hex dump")
    parser.add_argument("--head", metavar="SEQ:HASH",
                        help="also check that record SEQ still has HASH (a head published earlier, "
                             "as `replay head` prints it); a signed head SIZE:HASH:ROOT:SIGNATURE also "
                             "has its Merkle root checked (not its signature: `replay audit` does that)")
    args = parser.parse_args(argv)
    published = None
    if args.head is not None:
        parts = args.head.split(":")
        try:
            published = (int(parts[0]), bytes.fromhex(parts[1]))
            if len(parts) == 4:
                published += (bytes.fromhex(parts[2]),)
                if len(published[2]) != 32 or len(bytes.fromhex(parts[3])) != 64:
                    published = None
            elif len(parts) != 2:
                published = None
        except (ValueError, IndexError):
            published = None
        if published is None or published[0] < 1 or len(published[1]) != 32:
            parser.error("--head wants SEQ:HASH (a sequence number from 1 and 64 hex digits), or "
                         "SIZE:HASH:ROOT:SIGNATURE")

    try:
        import lmdb
    except ImportError:
        print("verify_log: the Python package `lmdb` is missing: pip install lmdb", file=sys.stderr)
        return 2
    if not os.path.isfile(os.path.join(args.directory, "data.mdb")):
        print(f"verify_log: no data.mdb in {args.directory}: not an Agenda data directory", file=sys.stderr)
        return 2
    try:
        # map_size=0: take the writer's map size from the file rather than py-lmdb's 10 MiB default.
        env = lmdb.open(args.directory, readonly=True, subdir=True, lock=True, max_dbs=32, create=False,
                        map_size=0)
    except lmdb.Error as error:
        print(f"verify_log: cannot open {args.directory}: {error}", file=sys.stderr)
        return 2
    try:
        try:
            txn = env.begin(write=False)
        except lmdb.MapResizedError:
            # The writer grew the map since we opened: adopt its size (docs/log-format.md,
            # "Reading it safely") and begin again.
            env.set_mapsize(0)
            txn = env.begin(write=False)
        with txn:
            try:
                log_db = env.open_db(b"log", txn=txn, create=False)
            except lmdb.NotFoundError:
                print(f"verify_log: {args.directory} has no `log` database: not an Agenda data directory",
                      file=sys.stderr)
                return 2
            try:
                meta_db = env.open_db(b"meta", txn=txn, create=False)
            except lmdb.NotFoundError:
                meta_db = None
            if args.annotate is not None:
                return annotate(txn, log_db, args.annotate)
            problems = Problems()
            emit = None
            if args.json:
                def emit(record):
                    sys.stdout.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            tree = MerkleFrontier()
            records, last_sequence, last_hash = walk(txn, log_db, problems, emit, published, tree)
            check_head(txn, meta_db, problems, last_sequence, last_hash)
            tree_note = check_tree(txn, env, meta_db, problems, tree, last_sequence)
    except lmdb.Error as error:
        print(f"verify_log: reading {args.directory}: {error}", file=sys.stderr)
        return 2
    finally:
        env.close()

    summary_to = sys.stderr if args.json else sys.stdout
    if problems.count:
        if problems.count > PROBLEMS_SHOWN_MAX:
            print(f"verify_log: ... and {problems.count - PROBLEMS_SHOWN_MAX} more problems", file=sys.stderr)
        print(f"{records} records, head {last_sequence} {last_hash.hex()}, chain NOT ok: "
              f"{problems.count} problem{'s' if problems.count != 1 else ''}; {tree_note}", file=summary_to)
        return 1
    print(f"{records} records, head {last_sequence} {last_hash.hex()}, chain ok; {tree_note}", file=summary_to)
    return 0


if __name__ == "__main__":
    if hasattr(signal, "SIGPIPE"):
        # `verify_log.py --json DIR | head` ends quietly, like any Unix filter.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
