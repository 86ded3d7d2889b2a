"""The portal's JSON API (/api/v1, docs/openapi.yaml) against a live demo node.

Each route's answer and its refusals, with HTTP Basic as the demo accounts; that a booking made
over HTTP and one made over RESP land in the same engine; that a repeated requestId answers the
first reply; and schemathesis, generating requests from docs/openapi.yaml, finding neither a
server error nor a reply the schema does not describe.

    python3 Tests/Portal/run.py test_api        # or python3 Tests/Portal/test_api.py
    AGENDA_NODE=.build/release/agenda-node python3 Tests/Portal/run.py test_api   # another build

Needs redis-py and schemathesis (`scripts/ensure-deps.sh python-redis python-schemathesis`).
"""
import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from zoneinfo import ZoneInfo

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from portal_node import ROOT, PortalNode  # noqa: E402

OPENAPI = os.path.join(ROOT, "docs", "openapi.yaml")
OFFICE = "DEMO-Q"
FINGERPRINTING = "fotosegnalamento"
PICKUP = "consegna-permesso"
ROME = ZoneInfo("Europe/Rome")
# The limits as the engine sets them (Sources/Engine/Limits+Server.swift), which portal-spec names: the
# status check answers statusReplyMilliseconds after the question, statusPerMinuteMax times a minute
# from one address (counted with RESP STATUS); authFailuresMax failed sign-ins a minute, then LIMIT.
_LIMITS = open(os.path.join(ROOT, "Sources", "Engine", "Limits+Server.swift")).read()
STATUS_REPLY_SECONDS = int(re.search(r"statusReplyMilliseconds: Int64 = (\d+)", _LIMITS).group(1)) / 1000
STATUS_PER_MINUTE_MAX = int(re.search(r"statusPerMinuteMax = (\d+)", _LIMITS).group(1))
AUTH_FAILURES_MAX = int(re.search(r"authFailuresMax = (\d+)", _LIMITS).group(1))
APPOINTMENT_FIELDS = {"appointment", "office", "service", "pratica", "date", "time", "requestedDate", "state",
                      "deferred", "bookedBy", "seq"}
PRATICA_FIELDS = {"pratica", "state", "permitReady", "permitDelivered", "appointments"}
APPLICANT_FIELDS = {"surname", "name", "birthDate", "nationality", "visto", "office"}
# Schemathesis: enough generated cases per operation to reach every route's refusals, few enough
# that the run stays well under a minute and a half against a debug build (about 30 s with 50).
SCHEMATHESIS_EXAMPLES = int(os.environ.get("AGENDA_SCHEMATHESIS_EXAMPLES", "50"))
SCHEMATHESIS_SECONDS_MAX = 170

# The demo's applicants (Sources/AgendaServer/Demo.swift, portal-spec).
SURNAMES = ["Rossi", "Hoxha", "Popescu", "Singh", "Chen", "Diallo", "Kovalenko", "Fernandez"]
NAMES = ["Ana", "Arben", "Mihai", "Harpreet", "Wei", "Aminata", "Olena", "Jorge"]
NATIONALITIES = ["ALB", "ROU", "IND", "CHN", "SEN", "UKR", "PER", "MAR"]


def pratica(number):
    return "P-DEMO-%012d" % number


def applicant(number):
    return {"surname": SURNAMES[number % 8], "name": f"{NAMES[number // 8 % 8]} {number}",
            "birthDate": "%04d-%02d-%02d" % (1960 + number % 40, 1 + number % 12, 1 + number % 28),
            "nationality": NATIONALITIES[number % 8], "visto": f"V-DEMO-{number}", "office": "RM-S"}


def today():
    """The office's date: DEMO-Q keeps Europe/Rome's calendar, whatever the machine's zone."""
    return datetime.datetime.now(ROME).date()


def open_day(on_or_after):
    """The first day from `on_or_after` that DEMO-Q is open (Monday to Saturday)."""
    day = on_or_after
    while day.weekday() == 6:
        day += datetime.timedelta(days=1)
    return day


def first_bookable_day():
    return open_day(today() + datetime.timedelta(days=1))  # lead time: one day


def sunday_after(day):
    return day + datetime.timedelta(days=(6 - day.weekday()) or 7)


class Reply:
    def __init__(self, method, url, sent, status, headers, body):
        self.method, self.url, self.sent = method, url, sent
        self.status, self.headers, self.body = status, headers, body

    @property
    def json(self):
        try:
            return json.loads(self.body)
        except ValueError as error:
            raise AssertionError(f"{self}: the body is not JSON ({error})") from None

    def __str__(self):
        sent = "" if self.sent is None else " " + self.sent.decode("utf-8", "replace")[:300]
        return (f"{self.method} {self.url}{sent} -> {self.status} "
                f"{self.body.decode('utf-8', 'replace')[:600]}")


def call(node, method, path, body=None, user=None, password="demo", raw=None, authorization=None):
    """One request to the JSON API: `body` as JSON, or `raw` bytes as they are."""
    url = node.base + "/api/v1" + path
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if user is not None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", "Basic " + token)
    if authorization is not None:
        request.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Reply(method, url, data, response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Reply(method, url, data, error.code, error.headers, error.read())


NODE = None


def setUpModule():
    global NODE
    NODE = PortalNode(pratiche=200).__enter__()


def tearDownModule():
    if NODE is not None:
        NODE.__exit__(None, None, None)


class ApiTestCase(unittest.TestCase):
    node = property(lambda self: NODE)

    def api(self, method, path, body=None, user=None, **options):
        return call(self.node, method, path, body, user, **options)

    def book(self, number, user="sui.roma", service=FINGERPRINTING, **fields):
        """Books through the API and expects it to work; returns the appointment object."""
        reply = self.api("POST", "/appointments",
                         {"office": OFFICE, "service": service, "pratica": pratica(number), **fields}, user)
        self.assertEqual(reply.status, 201, str(reply))
        self.assertAppointment(reply.json, reply)
        return reply.json

    def assertJSON(self, reply):
        self.assertTrue(reply.headers.get("Content-Type", "").startswith("application/json"),
                        f"{reply}: Content-Type {reply.headers.get('Content-Type')!r}, not application/json")

    def assertError(self, reply, status, code):
        """The spec's error shape: the status, and `{"error": {"code", "message"}}` with that code."""
        self.assertEqual(reply.status, status, str(reply))
        self.assertJSON(reply)
        body = reply.json
        self.assertEqual(set(body), {"error"}, str(reply))
        self.assertEqual(set(body["error"]), {"code", "message"}, str(reply))
        self.assertEqual(body["error"]["code"], code, str(reply))
        self.assertIsInstance(body["error"]["message"], str, str(reply))
        self.assertGreater(len(body["error"]["message"]), 10, f"{reply}: the message should say what to do")

    def assertChallenge(self, reply):
        """`WWW-Authenticate: Basic realm="agenda"` (RFC 7617's `charset="UTF-8"` may follow)."""
        challenge = reply.headers.get("WWW-Authenticate") or ""
        self.assertRegex(challenge, r'^Basic realm="agenda"(, charset="UTF-8")?$', str(reply))

    def assertAppointment(self, appointment, context=""):
        self.assertIsInstance(appointment, dict, str(context))
        self.assertEqual(set(appointment), APPOINTMENT_FIELDS, f"{context}: the appointment object's fields")
        self.assertIsInstance(appointment["deferred"], bool, f"{context}: deferred is a JSON boolean")
        self.assertIsInstance(appointment["seq"], int, f"{context}: seq is a JSON integer")
        self.assertRegex(appointment["date"], r"^\d{4}-\d{2}-\d{2}$", str(context))
        self.assertRegex(appointment["requestedDate"], r"^\d{4}-\d{2}-\d{2}$", str(context))
        self.assertRegex(appointment["time"], r"^\d{2}:\d{2}$", str(context))
        self.assertIn(appointment["state"], {"booked", "attended", "missed", "completed", "cancelled"}, str(context))

    def assertSameAsResp(self, appointment, resp):
        """The API's appointment object says what RESP's APPT map says."""
        self.assertEqual(
            {"appointment": appointment["appointment"], "office": appointment["office"],
             "service": appointment["service"], "pratica": appointment["pratica"], "date": appointment["date"],
             "time": appointment["time"], "requested": appointment["requestedDate"],
             "deferred": "1" if appointment["deferred"] else "0", "state": appointment["state"],
             "bookedBy": appointment["bookedBy"]},
            {key: resp.get(key) for key in ("appointment", "office", "service", "pratica", "date", "time",
                                            "requested", "deferred", "state", "bookedBy")})

    def resp(self, user, *command):
        return self.node.redis(user).execute_command(*command)


class PublicRoutes(ApiTestCase):
    def test_the_office_list_names_every_office_with_its_services_without_an_account(self):
        reply = self.api("GET", "/offices")
        self.assertEqual(reply.status, 200, str(reply))
        self.assertJSON(reply)
        offices = {office["office"]: office for office in reply.json}
        # The fixtures' 321 offices (every province's Questura, Prefettura and SUI) and the training office.
        self.assertGreaterEqual(len(offices), 322, str(reply))
        self.assertIn("RM-Q", offices)
        demo = offices[OFFICE]
        self.assertEqual(set(demo), {"office", "name", "kind", "province", "address", "phone", "services"}, str(demo))
        self.assertEqual(demo["name"], "Questura di prova (demo)")
        self.assertEqual(demo["kind"], "questura")
        self.assertEqual(demo["services"], [
            {"service": FINGERPRINTING, "name": "Fotosegnalamento", "requiresReadyPermit": False},
            {"service": PICKUP, "name": "Consegna permesso di soggiorno", "requiresReadyPermit": True}])
        self.assertEqual(offices["RM-Q"]["province"], "RM")
        self.assertEqual(offices["RM-P"]["kind"], "prefettura")

    def test_one_office_adds_its_opening_hours(self):
        reply = self.api("GET", f"/offices/{OFFICE}")
        self.assertEqual(reply.status, 200, str(reply))
        self.assertJSON(reply)
        office = reply.json
        self.assertEqual(set(office), {"office", "name", "kind", "province", "address", "phone", "services", "hours"},
                         str(reply))
        self.assertEqual(office["office"], OFFICE)
        self.assertEqual(office["kind"], "questura")
        # One entry per service and weekday (docs/openapi.yaml): Monday to Saturday 08:00-18:00.
        week = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        self.assertEqual(office["hours"],
                         [{"service": service, "weekday": weekday,
                           "intervals": [] if weekday == "sun" else ["08:00-18:00"]}
                          for service in (FINGERPRINTING, PICKUP) for weekday in week], str(reply))

    def test_an_unknown_office_is_404_notfound(self):
        self.assertError(self.api("GET", "/offices/XX-NOPE"), 404, "NOTFOUND")

    def test_the_public_routes_need_no_credentials_but_the_others_do(self):
        self.assertEqual(self.api("GET", "/offices").status, 200)
        reply = self.api("GET", f"/offices/{OFFICE}/services/{FINGERPRINTING}/free")
        self.assertError(reply, 401, "NOAUTH")


class Authentication(ApiTestCase):
    def test_a_request_without_credentials_is_401_with_a_basic_challenge(self):
        for method, path, body in [("GET", "/appointments/A-00001", None),
                                   ("POST", "/appointments", {"office": OFFICE, "service": FINGERPRINTING,
                                                               "pratica": pratica(199)}),
                                   ("GET", f"/offices/{OFFICE}/days/{first_bookable_day()}/appointments", None)]:
            with self.subTest(path=path):
                reply = self.api(method, path, body)
                self.assertError(reply, 401, "NOAUTH")
                self.assertChallenge(reply)
        # Nothing was booked without an account.
        found = self.resp("admin", "PRATICA", pratica(199))
        self.assertEqual(found["appointments"], [])

    def test_a_wrong_password_is_401_wrongpass_with_a_basic_challenge(self):
        reply = self.api("GET", f"/offices/{OFFICE}/services/{FINGERPRINTING}/free", user="sui.roma",
                         password="not-the-password")
        self.assertError(reply, 401, "WRONGPASS")
        self.assertChallenge(reply)


class AuthLimit(unittest.TestCase):
    """Its own node: failed sign-ins are counted per address, and the count must start at zero."""

    def test_one_failed_sign_in_past_the_limit_in_a_minute_is_429_limit(self):
        with PortalNode(pratiche=20) as node:
            path = f"/offices/{OFFICE}/services/{FINGERPRINTING}/free"
            for attempt in range(AUTH_FAILURES_MAX):
                reply = call(node, "GET", path, user="sui.roma", password=f"guess-{attempt}")
                self.assertEqual(reply.status, 401, f"attempt {attempt + 1}: {reply}")
                self.assertEqual(reply.json["error"]["code"], "WRONGPASS", str(reply))
            reply = call(node, "GET", path, user="sui.roma", password="one-more-guess")
            self.assertEqual(reply.status, 429, f"attempt {AUTH_FAILURES_MAX + 1}: {reply}")
            self.assertEqual(reply.json["error"]["code"], "LIMIT", str(reply))


class Status(ApiTestCase):
    """Five checks from this address here, under the limit (StatusLimit has its own node)."""

    def status_question(self, number):
        booked = self.book(number)
        question = {k: applicant(number)[k] for k in ("surname", "name", "birthDate")}
        question["fingerprintDate"] = booked["date"]
        return question

    def test_a_booked_applicant_reads_not_ready_then_ready_and_a_mismatch_reads_unknown(self):
        number = 20
        question = self.status_question(number)
        reply = self.api("POST", "/status", question)
        self.assertEqual(reply.status, 200, str(reply))
        self.assertJSON(reply)
        self.assertEqual(reply.json, {"status": "not-ready"}, str(reply))

        self.resp("questura.demo", "READY", pratica(number))
        # Case and spaces do not matter (docs/protocol.md, STATUS).
        shouted = dict(question, surname=question["surname"].upper(), name="  " + question["name"].lower())
        reply = self.api("POST", "/status", shouted)
        self.assertEqual((reply.status, reply.json), (200, {"status": "ready"}), str(reply))

        wrong_day = datetime.date.fromisoformat(question["fingerprintDate"]) + datetime.timedelta(days=1)
        reply = self.api("POST", "/status", dict(question, fingerprintDate=wrong_day.isoformat()))
        self.assertEqual((reply.status, reply.json), (200, {"status": "unknown"}), str(reply))

    def test_every_answer_leaves_the_fixed_reply_time_after_the_question(self):
        question = self.status_question(21)
        for name, asked in [("known", question), ("unknown", dict(question, surname="Nessuno"))]:
            with self.subTest(name):
                started = time.monotonic()
                reply = self.api("POST", "/status", asked)
                elapsed = time.monotonic() - started
                self.assertEqual(reply.status, 200, str(reply))
                # Less a little for the timers' granularity.
                self.assertGreaterEqual(elapsed, STATUS_REPLY_SECONDS - 0.005,
                                        f"{reply}: answered after {elapsed * 1000:.0f} ms")

    def test_a_malformed_date_or_body_is_400_syntax(self):
        question = {"surname": "Rossi", "name": "Ana 0", "birthDate": "01/01/1960", "fingerprintDate": "2026-01-01"}
        self.assertError(self.api("POST", "/status", question), 400, "SYNTAX")
        self.assertError(self.api("POST", "/status", raw=b'{"surname": "Rossi", '), 400, "SYNTAX")
        self.assertError(self.api("POST", "/status", {"surname": "Rossi"}), 400, "SYNTAX")


class StatusLimit(unittest.TestCase):
    """Its own node: the per-address count must start at zero."""

    def test_one_check_past_the_limit_in_a_minute_is_429_limit_counted_with_resp_status(self):
        with PortalNode(pratiche=20) as node:
            question = {"surname": "Nessuno", "name": "Mario", "birthDate": "1970-01-01",
                        "fingerprintDate": "2026-01-05"}
            client = node.redis("audit")
            half = STATUS_PER_MINUTE_MAX // 2
            for attempt in range(half):
                reply = call(node, "POST", "/status", question)
                self.assertEqual((reply.status, reply.json), (200, {"status": "unknown"}), f"check {attempt + 1}: {reply}")
            for attempt in range(half, STATUS_PER_MINUTE_MAX):
                answer = client.execute_command("STATUS", "Nessuno", "Mario", "1970-01-01", "2026-01-05")
                self.assertEqual(answer, "unknown", f"RESP check {attempt + 1}")
            reply = call(node, "POST", "/status", question)
            self.assertEqual(reply.status, 429, f"check {STATUS_PER_MINUTE_MAX + 1} (the HTTP and RESP checks "
                                                 f"share one count): {reply}")
            self.assertEqual(reply.json["error"]["code"], "LIMIT", str(reply))
            with self.assertRaises(redis.ResponseError) as refused:
                client.execute_command("STATUS", "Nessuno", "Mario", "1970-01-01", "2026-01-05")
            self.assertTrue(str(refused.exception).startswith("LIMIT"), str(refused.exception))


class Booking(ApiTestCase):
    def test_a_booking_answers_201_with_the_appointment_object(self):
        reply = self.api("POST", "/appointments", {"office": OFFICE, "service": FINGERPRINTING, "pratica": pratica(30)},
                         "sui.roma")
        self.assertEqual(reply.status, 201, str(reply))
        self.assertJSON(reply)
        appointment = reply.json
        self.assertAppointment(appointment, reply)
        self.assertEqual((appointment["office"], appointment["service"], appointment["pratica"]),
                         (OFFICE, FINGERPRINTING, pratica(30)))
        self.assertEqual(appointment["state"], "booked")
        self.assertEqual(appointment["bookedBy"], "RM-S", "sui.roma books for the SUI of Rome")
        self.assertIs(appointment["deferred"], False, "DEMO-Q has a hundred places a slot")
        day = datetime.date.fromisoformat(appointment["date"])
        self.assertEqual(day, first_bookable_day(), "no date: the first free day, after the lead time")
        self.assertEqual(appointment["requestedDate"], appointment["date"])
        hour, minute = map(int, appointment["time"].split(":"))
        self.assertTrue(8 <= hour < 18 and minute % 10 == 0, appointment["time"])

    def test_a_booking_over_http_is_the_engines_and_resp_reads_it(self):
        booked = self.book(31)
        self.assertSameAsResp(booked, self.resp("admin", "APPT", booked["appointment"]))
        reply = self.api("GET", f"/appointments/{booked['appointment']}", user="sui.roma")
        self.assertEqual(reply.status, 200, str(reply))
        self.assertEqual(reply.json, booked, "GET answers what the booking answered")

    def test_a_booking_over_resp_reads_the_same_over_http(self):
        resp = self.resp("caf.roma", "BOOK", OFFICE, FINGERPRINTING, pratica(32))
        reply = self.api("GET", f"/appointments/{resp['appointment']}", user="caf.roma")
        self.assertEqual(reply.status, 200, str(reply))
        self.assertAppointment(reply.json, reply)
        self.assertSameAsResp(reply.json, resp)
        self.assertEqual(reply.json["bookedBy"], "CAF-ROMA")
        self.assertEqual(reply.json["seq"], int(resp["seq"]))
        # ... and the engine holds one live appointment for it: booking again over HTTP is refused.
        again = self.api("POST", "/appointments", {"office": OFFICE, "service": FINGERPRINTING, "pratica": pratica(32)},
                         "caf.roma")
        self.assertError(again, 409, "CONFLICT")

    def test_the_same_request_id_twice_gives_the_same_appointment_and_books_once(self):
        body = {"office": OFFICE, "service": FINGERPRINTING, "pratica": pratica(33), "requestId": "test-api-33"}
        first = self.api("POST", "/appointments", body, "sui.roma")
        second = self.api("POST", "/appointments", body, "sui.roma")
        self.assertEqual(first.status, 201, str(first))
        self.assertEqual(second.status, 201, str(second))
        self.assertEqual(second.json, first.json, "a repeat answers the first reply")
        appointments = self.resp("admin", "PRATICA", pratica(33))["appointments"]
        self.assertEqual([a["appointment"] for a in appointments], [first.json["appointment"]])

    def test_a_chosen_day_and_time_are_kept(self):
        day = open_day(first_bookable_day() + datetime.timedelta(days=3))
        booked = self.book(34, date=day.isoformat(), time="09:10")
        self.assertEqual((booked["date"], booked["time"], booked["requestedDate"]), (day.isoformat(), "09:10",
                                                                                    day.isoformat()))
        self.assertIs(booked["deferred"], False)

    def test_not_before_starts_the_search_that_day(self):
        day = open_day(first_bookable_day() + datetime.timedelta(days=10))
        booked = self.book(35, notBefore=day.isoformat())
        self.assertEqual(booked["date"], day.isoformat())
        self.assertEqual(booked["time"], "08:00")

    def test_malformed_fields_and_json_are_400_syntax_and_book_nothing(self):
        base = {"office": OFFICE, "service": FINGERPRINTING, "pratica": pratica(36)}
        for name, body in [("date without zero padding", dict(base, date="2027-1-5")),
                           ("date as words", dict(base, date="tomorrow")),
                           ("impossible date", dict(base, date="2027-02-30")),
                           ("time without a zero", dict(base, date=first_bookable_day().isoformat(), time="9:10")),
                           ("notBefore in another format", dict(base, notBefore="05/01/2027")),
                           ("no pratica", {"office": OFFICE, "service": FINGERPRINTING}),
                           ("pratica not a string", dict(base, pratica=36))]:
            with self.subTest(name):
                self.assertError(self.api("POST", "/appointments", body, "sui.roma"), 400, "SYNTAX")
        for raw in [b'{"office": "DEMO-Q", ', b"office=DEMO-Q", b"[]", b""]:
            with self.subTest(raw=raw):
                self.assertError(self.api("POST", "/appointments", user="sui.roma", raw=raw), 400, "SYNTAX")
        self.assertEqual(self.resp("admin", "PRATICA", pratica(36))["appointments"], [])

    def test_today_is_before_the_lead_time_400_syntax_and_a_sunday_is_409_closed(self):
        base = {"office": OFFICE, "service": FINGERPRINTING, "pratica": pratica(37)}
        self.assertError(self.api("POST", "/appointments", dict(base, date=today().isoformat()), "sui.roma"),
                         400, "SYNTAX")
        sunday = sunday_after(first_bookable_day())
        self.assertError(self.api("POST", "/appointments", dict(base, date=sunday.isoformat()), "sui.roma"),
                         409, "CLOSED")

    def test_unknown_office_service_or_pratica_is_404_notfound(self):
        base = {"office": OFFICE, "service": FINGERPRINTING, "pratica": pratica(38)}
        for name, body in [("office", dict(base, office="XX-NOPE")), ("service", dict(base, service="nessuno")),
                           ("pratica", dict(base, pratica="P-DEMO-999999999999"))]:
            with self.subTest(name):
                self.assertError(self.api("POST", "/appointments", body, "sui.roma"), 404, "NOTFOUND")

    def test_a_pickup_without_a_ready_permit_is_409_notready(self):
        body = {"office": OFFICE, "service": PICKUP, "pratica": pratica(39)}
        self.assertError(self.api("POST", "/appointments", body, "caf.roma"), 409, "NOTREADY")

    def test_a_role_that_may_not_book_is_403_noperm(self):
        for user in ("audit", "prefettura.roma"):
            with self.subTest(user):
                body = {"office": OFFICE, "service": FINGERPRINTING, "pratica": pratica(40)}
                self.assertError(self.api("POST", "/appointments", body, user), 403, "NOPERM")
        # The applicant's account books only its own pratica.
        body = {"office": OFFICE, "service": FINGERPRINTING, "pratica": pratica(40)}
        self.assertError(self.api("POST", "/appointments", body, "self.demo"), 403, "NOPERM")
        self.assertEqual(self.resp("admin", "PRATICA", pratica(40))["appointments"], [])


class Appointments(ApiTestCase):
    def test_another_body_may_not_read_move_or_cancel_a_booking_and_its_refusal_is_recorded(self):
        booked = self.book(50, user="caf.roma")
        identifier = booked["appointment"]
        self.assertError(self.api("GET", f"/appointments/{identifier}", user="comune.roma"), 403, "NOPERM")
        self.assertError(self.api("POST", f"/appointments/{identifier}/cancel", {"reason": "not mine"},
                                  "comune.roma"), 403, "NOPERM")
        self.assertError(self.api("POST", f"/appointments/{identifier}/move", {}, "comune.roma"), 403, "NOPERM")
        unchanged = self.api("GET", f"/appointments/{identifier}", user="caf.roma")
        self.assertEqual(unchanged.json, booked, "the refusals changed nothing")
        history = self.resp("admin", "HISTORY", pratica(50))
        refused = [entry for entry in history if entry["actor"].startswith("comune.roma")]
        self.assertEqual(len(refused), 2, f"the refused cancel and move are in the log: {history}")
        for entry in refused:
            self.assertIn("rejected (not-permitted)", entry["outcome"])

    def test_an_unknown_appointment_is_404_notfound_for_staff(self):
        for method, path, body in [("GET", "/appointments/A-ZZZZZ", None),
                                   ("POST", "/appointments/A-ZZZZZ/move", {}),
                                   ("POST", "/appointments/A-ZZZZZ/cancel", {}),
                                   ("POST", "/appointments/A-ZZZZZ/attended", {})]:
            with self.subTest(path=path):
                self.assertError(self.api(method, path, body, "admin"), 404, "NOTFOUND")
        self.assertError(self.api("GET", "/appointments/A-ZZZZZ", user="sui.roma"), 404, "NOTFOUND")

    def test_an_applicant_learns_nothing_of_other_appointments(self):
        other = self.book(51)
        self.assertError(self.api("GET", f"/appointments/{other['appointment']}", user="self.demo"), 403, "NOPERM")
        self.assertError(self.api("GET", "/appointments/A-ZZZZZ", user="self.demo"), 403, "NOPERM")

    def test_move_without_a_date_goes_to_the_next_free_slot_keeping_the_id(self):
        day = open_day(first_bookable_day() + datetime.timedelta(days=4))
        booked = self.book(52, date=day.isoformat(), time="09:10")
        reply = self.api("POST", f"/appointments/{booked['appointment']}/move", {"reason": "asked"}, "sui.roma")
        self.assertEqual(reply.status, 200, str(reply))
        self.assertAppointment(reply.json, reply)
        moved = reply.json
        self.assertEqual((moved["appointment"], moved["date"], moved["time"], moved["state"]),
                         (booked["appointment"], day.isoformat(), "09:20", "booked"))
        self.assertGreater(moved["seq"], booked["seq"])
        self.assertSameAsResp(moved, self.resp("admin", "APPT", booked["appointment"]))

    def test_move_to_a_date_and_time(self):
        booked = self.book(53)
        target = open_day(first_bookable_day() + datetime.timedelta(days=6))
        reply = self.api("POST", f"/appointments/{booked['appointment']}/move",
                         {"date": target.isoformat(), "time": "11:30"}, "sui.roma")
        self.assertEqual(reply.status, 200, str(reply))
        self.assertEqual((reply.json["date"], reply.json["time"]), (target.isoformat(), "11:30"), str(reply))
        self.assertError(self.api("POST", f"/appointments/{booked['appointment']}/move", {"date": "2027/01/04"},
                                  "sui.roma"), 400, "SYNTAX")
        self.assertError(self.api("POST", f"/appointments/{booked['appointment']}/move",
                                  raw=b"{date}", user="sui.roma"), 400, "SYNTAX")

    def test_cancel_answers_cancelled_once_and_a_request_id_repeats_the_reply(self):
        booked = self.book(54)
        path = f"/appointments/{booked['appointment']}/cancel"
        first = self.api("POST", path, {"reason": "no longer needed", "requestId": "test-api-cancel-54"}, "sui.roma")
        self.assertEqual(first.status, 200, str(first))
        self.assertAppointment(first.json, first)
        self.assertEqual(first.json["state"], "cancelled")
        self.assertEqual(self.resp("admin", "APPT", booked["appointment"])["state"], "cancelled")
        repeat = self.api("POST", path, {"reason": "no longer needed", "requestId": "test-api-cancel-54"}, "sui.roma")
        self.assertEqual((repeat.status, repeat.json), (200, first.json), str(repeat))
        self.assertError(self.api("POST", path, {"reason": "again"}, "sui.roma"), 409, "CONFLICT")
        self.assertError(self.api("POST", f"/appointments/{booked['appointment']}/move", {}, "sui.roma"),
                         409, "CONFLICT")

    def test_attended_and_missed_on_the_day_and_not_before(self):
        day = today()
        if day.weekday() == 6:
            self.skipTest("DEMO-Q is closed on Sundays: no appointment can be seated today")
        # An appointment today: only a migrated one can be (the lead time is a day).
        questura = self.node.redis("questura.demo")
        questura.execute_command("TRANSITION", OFFICE, day.isoformat(), (day + datetime.timedelta(days=7)).isoformat())
        seated = [questura.execute_command("MIGRATE", OFFICE, FINGERPRINTING, pratica(n), day.isoformat(), "17:50")
                  for n in (55, 56)]
        attended = self.api("POST", f"/appointments/{seated[0]['appointment']}/attended", {}, "questura.demo")
        self.assertEqual(attended.status, 200, str(attended))
        self.assertAppointment(attended.json, attended)
        self.assertEqual((attended.json["appointment"], attended.json["state"]), (seated[0]["appointment"], "attended"))
        missed = self.api("POST", f"/appointments/{seated[1]['appointment']}/missed", {}, "questura.demo")
        self.assertEqual(missed.status, 200, str(missed))
        self.assertEqual(missed.json["state"], "missed", str(missed))
        self.assertEqual(self.resp("admin", "APPT", seated[1]["appointment"])["state"], "missed")
        # Twice: not live any more.
        self.assertError(self.api("POST", f"/appointments/{seated[0]['appointment']}/missed", {}, "questura.demo"),
                         409, "CONFLICT")

        future = self.book(57)
        self.assertError(self.api("POST", f"/appointments/{future['appointment']}/attended", {}, "questura.demo"),
                         409, "CONFLICT")
        self.assertError(self.api("POST", f"/appointments/{future['appointment']}/attended", {}, "caf.roma"),
                         403, "NOPERM")
        self.assertError(self.api("POST", f"/appointments/{future['appointment']}/missed", {}, "questura.roma"),
                         403, "NOPERM")


class FreeSlots(ApiTestCase):
    def test_free_slots_earliest_first_from_not_before(self):
        day = open_day(first_bookable_day() + datetime.timedelta(days=20))
        reply = self.api("GET", f"/offices/{OFFICE}/services/{FINGERPRINTING}/free?notBefore={day}&count=3",
                         user="sui.roma")
        self.assertEqual(reply.status, 200, str(reply))
        self.assertJSON(reply)
        slots = reply.json
        self.assertEqual(slots, [{"date": day.isoformat(), "time": t, "free": 100} for t in ("08:00", "08:10", "08:20")])

    def test_without_options_one_slot_on_the_first_bookable_day(self):
        reply = self.api("GET", f"/offices/{OFFICE}/services/{FINGERPRINTING}/free", user="caf.roma")
        self.assertEqual(reply.status, 200, str(reply))
        self.assertEqual(len(reply.json), 1, str(reply))
        self.assertEqual(reply.json[0]["date"], first_bookable_day().isoformat(), str(reply))
        self.assertEqual(set(reply.json[0]), {"date", "time", "free"})

    def test_malformed_queries_are_400_and_unknown_names_404(self):
        path = f"/offices/{OFFICE}/services/{FINGERPRINTING}/free"
        self.assertError(self.api("GET", path + "?notBefore=2027-1-4", user="sui.roma"), 400, "SYNTAX")
        self.assertError(self.api("GET", path + "?count=0", user="sui.roma"), 400, "SYNTAX")
        self.assertError(self.api("GET", path + "?count=three", user="sui.roma"), 400, "SYNTAX")
        self.assertError(self.api("GET", f"/offices/{OFFICE}/services/nessuno/free", user="sui.roma"), 404, "NOTFOUND")
        self.assertError(self.api("GET", f"/offices/XX-NOPE/services/{FINGERPRINTING}/free", user="sui.roma"),
                         404, "NOTFOUND")


class Permits(ApiTestCase):
    def test_ready_then_a_body_books_the_pickup_then_pickup_delivers(self):
        number = 7
        fingerprinting = self.book(number, user="caf.roma")
        reply = self.api("POST", "/permits/ready", {"pratica": pratica(number)}, "questura.demo")
        self.assertEqual(reply.status, 200, str(reply))
        self.assertJSON(reply)
        ready = reply.json
        self.assertEqual(set(ready), PRATICA_FIELDS, f"{reply}: the pratica object carries no personal data")
        for personal in (applicant(number)["surname"], applicant(number)["name"], applicant(number)["birthDate"]):
            self.assertNotIn(personal, reply.body.decode())
        self.assertEqual((ready["pratica"], ready["permitReady"], ready["permitDelivered"]),
                         (pratica(number), True, False))
        self.assertEqual(ready["state"], "permit-ready")
        self.assertEqual(len(ready["appointments"]), 1, str(reply))
        self.assertAppointment(ready["appointments"][0], reply)
        self.assertEqual(ready["appointments"][0]["appointment"], fingerprinting["appointment"])

        pickup = self.book(number, user="caf.roma", service=PICKUP)
        self.assertEqual(pickup["service"], PICKUP)

        reply = self.api("POST", "/permits/pickup", {"pratica": pratica(number)}, "questura.demo")
        self.assertEqual(reply.status, 200, str(reply))
        delivered = reply.json
        self.assertEqual(set(delivered), PRATICA_FIELDS, str(reply))
        self.assertEqual((delivered["permitReady"], delivered["permitDelivered"], delivered["state"]),
                         (True, True, "delivered"), str(reply))
        states = {a["appointment"]: a["state"] for a in delivered["appointments"]}
        # The pickup was for a later day: handing the permit over first cancels it, freeing its slot.
        self.assertEqual(states, {fingerprinting["appointment"]: "booked", pickup["appointment"]: "cancelled"},
                         str(reply))
        self.assertError(self.api("POST", "/permits/pickup", {"pratica": pratica(number)}, "questura.demo"),
                         409, "CONFLICT")
        self.assertError(self.api("POST", "/permits/ready", {"pratica": pratica(number)}, "questura.demo"),
                         409, "CONFLICT")

    def test_pickup_before_ready_is_409_notready_and_only_the_questura_marks_permits(self):
        self.assertError(self.api("POST", "/permits/pickup", {"pratica": pratica(60)}, "questura.demo"), 409, "NOTREADY")
        for user in ("caf.roma", "sui.roma", "audit"):
            with self.subTest(user):
                self.assertError(self.api("POST", "/permits/ready", {"pratica": pratica(60)}, user), 403, "NOPERM")
        self.assertEqual(self.resp("admin", "PRATICA", pratica(60))["permit"], "not-ready")

    def test_unknown_or_malformed_pratica(self):
        self.assertError(self.api("POST", "/permits/ready", {"pratica": "P-DEMO-999999999999"}, "questura.demo"),
                         404, "NOTFOUND")
        self.assertError(self.api("POST", "/permits/ready", {}, "questura.demo"), 400, "SYNTAX")
        self.assertError(self.api("POST", "/permits/ready", raw=b"P-DEMO-000000000061", user="questura.demo"),
                         400, "SYNTAX")


class Pratiche(ApiTestCase):
    def test_find_by_pratica_or_visto_gives_the_applicant(self):
        number = 9
        booked = self.book(number)
        for query in ({"pratica": pratica(number)}, {"visto": f"V-DEMO-{number}"}):
            with self.subTest(query):
                reply = self.api("POST", "/pratiche/find", query, "sui.roma")
                self.assertEqual(reply.status, 200, str(reply))
                self.assertJSON(reply)
                found = reply.json
                self.assertEqual(set(found), PRATICA_FIELDS | APPLICANT_FIELDS, str(reply))
                self.assertEqual({k: found[k] for k in APPLICANT_FIELDS}, applicant(number))
                self.assertEqual((found["pratica"], found["state"], found["permitReady"], found["permitDelivered"]),
                                 (pratica(number), "open", False, False))
                self.assertEqual(found["appointments"], [booked])

    def test_find_refusals(self):
        self.assertError(self.api("POST", "/pratiche/find", {"pratica": "P-DEMO-999999999999"}, "sui.roma"),
                         404, "NOTFOUND")
        self.assertError(self.api("POST", "/pratiche/find", {"visto": "V-NONE-1"}, "sui.roma"), 404, "NOTFOUND")
        self.assertError(self.api("POST", "/pratiche/find", {}, "sui.roma"), 400, "SYNTAX")
        self.assertError(self.api("POST", "/pratiche/find", {"pratica": pratica(9), "visto": "V-DEMO-9"}, "sui.roma"),
                         400, "SYNTAX")
        self.assertError(self.api("POST", "/pratiche/find", {"pratica": pratica(10)}, "self.demo"), 403, "NOPERM")
        self.assertError(self.api("POST", "/pratiche/find", {"pratica": pratica(10)}), 401, "NOAUTH")


class Desk(ApiTestCase):
    def test_the_day_lists_its_appointments_by_time_for_the_office_staff_only(self):
        day = open_day(first_bookable_day() + datetime.timedelta(days=30))
        later = self.book(70, date=day.isoformat(), time="11:00")
        earlier = self.book(71, date=day.isoformat(), time="08:30", user="caf.roma")
        reply = self.api("GET", f"/offices/{OFFICE}/days/{day}/appointments", user="questura.demo")
        self.assertEqual(reply.status, 200, str(reply))
        self.assertJSON(reply)
        self.assertEqual(reply.json, [earlier, later])
        self.assertEqual(self.api("GET", f"/offices/{OFFICE}/days/{day}/appointments", user="audit").json,
                         [earlier, later])
        for user in ("caf.roma", "questura.roma", "self.demo"):
            with self.subTest(user):
                self.assertError(self.api("GET", f"/offices/{OFFICE}/days/{day}/appointments", user=user),
                                 403, "NOPERM")
        self.assertError(self.api("GET", f"/offices/{OFFICE}/days/2027-1-4/appointments", user="questura.demo"),
                         400, "SYNTAX")
        self.assertError(self.api("GET", f"/offices/XX-NOPE/days/{day}/appointments", user="admin"), 404, "NOTFOUND")

    def test_closing_a_day_moves_its_appointments_in_order_and_the_day_then_refuses_bookings(self):
        day = open_day(first_bookable_day() + datetime.timedelta(days=40))
        first = self.book(80, date=day.isoformat(), time="08:00")
        second = self.book(81, date=day.isoformat(), time="08:00", user="caf.roma")
        third = self.book(82, date=day.isoformat(), time="15:00")
        path = f"/offices/{OFFICE}/days/{day}/close"
        self.assertError(self.api("POST", path, {"reason": "sciopero"}, "caf.roma"), 403, "NOPERM")
        self.assertError(self.api("POST", path, {}, "questura.demo"), 400, "SYNTAX")
        reply = self.api("POST", path, {"reason": "sciopero"}, "questura.demo")
        self.assertEqual(reply.status, 200, str(reply))
        self.assertJSON(reply)
        self.assertEqual(set(reply.json), {"moved"}, str(reply))
        moved = reply.json["moved"]
        self.assertEqual([a["appointment"] for a in moved],
                         [first["appointment"], second["appointment"], third["appointment"]], str(reply))
        for appointment in moved:
            self.assertAppointment(appointment, reply)
            self.assertEqual(appointment["state"], "booked")
            self.assertGreater(appointment["date"], day.isoformat())
            self.assertSameAsResp(appointment, self.resp("admin", "APPT", appointment["appointment"]))
        self.assertEqual(self.api("GET", f"/offices/{OFFICE}/days/{day}/appointments", user="questura.demo").json, [])
        refused = self.api("POST", "/appointments", {"office": OFFICE, "service": FINGERPRINTING, "pratica": pratica(83),
                                                     "date": day.isoformat()}, "sui.roma")
        self.assertError(refused, 409, "CLOSED")


class Schemathesis(unittest.TestCase):
    """Generated requests for every route of docs/openapi.yaml, as admin, against a node of its own:
    no reply is a server error (5xx), and every reply is one the schema describes."""

    def test_no_server_error_and_every_reply_conforms_to_the_schema(self):
        command = shutil.which("schemathesis") or shutil.which("st")
        self.assertIsNotNone(command, "schemathesis is not installed: scripts/ensure-deps.sh python-schemathesis")
        with PortalNode(pratiche=200) as node, tempfile.TemporaryDirectory(prefix="agenda-schemathesis-") as scratch:
            arguments = [command, "run", OPENAPI, "--url", node.base + "/api/v1", "--auth", "admin:demo",
                         "--checks", "not_a_server_error,response_schema_conformance",
                         "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", str(SCHEMATHESIS_EXAMPLES),
                         "--seed", "20261203", "--workers", "1", "--request-timeout", "10",
                         "--generation-database", "none", "--no-color"]
            started = time.monotonic()
            try:
                run = subprocess.run(arguments, cwd=scratch, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                     timeout=SCHEMATHESIS_SECONDS_MAX)
            except subprocess.TimeoutExpired as expired:
                self.fail(f"schemathesis ran past {SCHEMATHESIS_SECONDS_MAX} s:\n{(expired.stdout or '')[-6000:]}")
            output = run.stdout + run.stderr
            print(f"\nschemathesis: {time.monotonic() - started:.0f} s, exit {run.returncode}\n"
                  + "\n".join(output.splitlines()[-12:]), file=sys.stderr)
            self.assertEqual(run.returncode, 0, f"{' '.join(arguments)}\n{output[-12000:]}\n--- node stderr\n"
                                                f"{node.stderr_text()[-3000:]}")
            self.assertNotIn("No operations", output)


if __name__ == "__main__":
    unittest.main(verbosity=2)
