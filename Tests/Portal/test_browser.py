"""The web portal in a real browser (headless chromium), as its users meet it (portal-spec).

An applicant on a phone, a body booking a pickup, the Questura's desk with its live agenda, the
public status check, a body reaching for another's appointment, the session's defences, bad input,
and every page in Italian and Arabic through axe. One demo node serves the module; what a test
needs in the engine (a ready permit, a booking made at another desk) it sets up over RESP, as an
operator would, and it reads the outcome back over RESP too: the page must tell what the engine did.

Each test uses its own demo pratiche, so the order they run in does not matter:
  1 self.demo's own     7, 9 ready for caf.roma's pickups   8 not ready   20, 21 the desk
  30-32 the status check   40 comune.roma's   41 caf.roma's   50 sui.roma's (CSRF)   60 sui.roma's (documents)
"""
import datetime
import html.parser
import http.client
import pathlib
import re
import unittest
import urllib.parse
from zoneinfo import ZoneInfo

import redis
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

import browser
from portal_node import PortalNode

OFFICE = "DEMO-Q"
FINGERPRINTING = "fotosegnalamento"
PICKUP = "consegna-permesso"
LANGUAGES = ("it", "en", "fr", "ar")
# A page, a redirect or a form's answer takes milliseconds; this is for a loaded machine.
WAIT_SECONDS = 10
# The spec's Content-Security-Policy, directive by directive.
POLICY = {
    "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"], "img-src": ["'self'"],
    "object-src": ["'none'"], "base-uri": ["'none'"], "frame-ancestors": ["'none'"], "form-action": ["'self'"],
}
# The status check's limits, as the engine sets them (Sources/Engine/Limits+Server.swift): it answers
# statusReplyMilliseconds after the question (less a little for the timers' granularity), at most
# statusPerMinuteMax a minute from one address, RESP and the portal together.
_LIMITS = (pathlib.Path(__file__).resolve().parents[2] / "Sources/Engine/Limits+Server.swift").read_text()
STATUS_REPLY_MILLISECONDS = int(re.search(r"statusReplyMilliseconds: Int64 = (\d+)", _LIMITS).group(1))
STATUS_PER_MINUTE_MAX = int(re.search(r"statusPerMinuteMax = (\d+)", _LIMITS).group(1))
STATUS_REPLY_MILLISECONDS_MIN = STATUS_REPLY_MILLISECONDS - 5
# The log's head as the day list prints it, SEQ:HASH.
HEAD = re.compile(r"\b\d+:[0-9a-f]{64}\b")
NODE = None


def setUpModule():
    global NODE
    NODE = unittest.enterModuleContext(PortalNode(pratiche=200))


# --- The demo's data, as Demo.applicant(n) makes it -------------------------------------------

SURNAMES = ["Rossi", "Hoxha", "Popescu", "Singh", "Chen", "Diallo", "Kovalenko", "Fernandez"]
NAMES = ["Ana", "Arben", "Mihai", "Harpreet", "Wei", "Aminata", "Olena", "Jorge"]


def pratica(number):
    return f"P-DEMO-{number:012d}"


def applicant(number):
    return {"surname": SURNAMES[number % 8], "name": f"{NAMES[number // 8 % 8]} {number}",
            "birthDate": f"{1960 + number % 40:04d}-{1 + number % 12:02d}-{1 + number % 28:02d}"}


def rome_today():
    return datetime.datetime.now(ZoneInfo("Europe/Rome")).date()


_clients = {}


def resp(user):
    """The module's RESP connection for `user` (one each, kept: signing in costs a scrypt hash)."""
    if user not in _clients:
        _clients[user] = NODE.redis(user)
    return _clients[user]


def free_slot(not_before=None):
    """What the engine would give a fingerprinting booking at DEMO-Q from `not_before`: (date, time)."""
    words = ["FIRSTFREE", OFFICE, FINGERPRINTING, "COUNT", "1"]
    if not_before:
        words += ["NOTBEFORE", str(not_before)]
    slot = resp("questura.demo").execute_command(*words)[0]
    return slot["date"], slot["time"]


# --- Reading raw HTTP, for what a browser hides (statuses of redirects, headers, cookies) --------

class Tags(html.parser.HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self, text):
        super().__init__()
        self.tags = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def by_id(self, identifier):
        return next((attributes for _, attributes in self.tags if attributes.get("id") == identifier), None)

    def csrf(self):
        """The session's token, as the page's forms carry it."""
        return next((attributes["value"] for tag, attributes in self.tags
                     if tag == "input" and attributes.get("name") == "csrf"), None)


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers = status, headers
        self.text = body.decode("utf-8", "replace")

    @property
    def tags(self):
        return Tags(self.text)


class Http:
    """A cookie-keeping HTTP client that follows no redirect; POSTs carry the Origin a browser sends."""

    def __init__(self, node=None, cookies=None):
        self.node = node or NODE
        self.cookies = dict(cookies or {})

    @classmethod
    def of(cls, driver):
        """The browser's session (its HttpOnly cookie included: WebDriver sees it, page scripts do not)."""
        return cls(cookies={cookie["name"]: cookie["value"] for cookie in driver.get_cookies()})

    def request(self, method, path, form=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.node.http_port, timeout=WAIT_SECONDS)
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.node.base
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            response = Response(answer.status, answer.headers, answer.read())
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";")[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, form):
        return self.request("POST", path, form)

    def sign_in(self, user, password="demo", lang="it"):
        """Signs in as a person would (the form's token, then the form); returns the POST's response."""
        token = self.get(f"/{lang}/signin").tags.csrf()
        return self.post(f"/{lang}/signin", {"csrf": token, "name": user, "password": password})


def session_cookie(headers):
    """The Set-Cookie header that sets agenda_session, with its attributes lower-cased."""
    for header in headers:
        if header.split("=", 1)[0].strip() == "agenda_session":
            return [part.strip().lower() for part in header.split(";")]
    return None


def policy(header):
    """A Content-Security-Policy as {directive: [sources]}."""
    directives = {}
    for part in (header or "").split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


# --- The browser's side ------------------------------------------------------------------------

class PortalBrowserTest(unittest.TestCase):
    """One chromium per class; each test starts signed out."""

    size = "desktop"

    @classmethod
    def setUpClass(cls):
        cls.driver = browser.start(cls.size)
        cls.addClassCleanup(cls.driver.quit)

    def node(self):
        return NODE

    def setUp(self):
        self.sign_out_all()

    def sign_out_all(self):
        # From a page of the node's origin (not one under test), where its cookies can be cleared.
        self.driver.get(self.node().base + "/static/live.js")
        self.driver.delete_all_cookies()
        browser.document_status(self.driver)

    def css(self, selector, within=None):
        return (within or self.driver).find_element(By.CSS_SELECTOR, selector)

    def all_css(self, selector, within=None):
        return (within or self.driver).find_elements(By.CSS_SELECTOR, selector)

    def wait(self, condition, what):
        return WebDriverWait(self.driver, WAIT_SECONDS).until(condition, f"waited {WAIT_SECONDS} s for {what}")

    def visit(self, path, name, **expect):
        self.driver.get(self.node().base + path)
        return self.page(name, **expect)

    def page(self, name, status=200, lang="it", portal=True, axe=True):
        """Checks the page the browser shows: its HTTP status, language and direction, the portal's
        landmarks (not on printable documents), then axe; saves a screenshot first, failing or not."""
        driver = self.driver
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete", f"{name} to load")
        got = browser.document_status(driver)
        browser.screenshot(driver, name)
        where = f"{name} ({driver.current_url})"
        if status is not None:
            self.assertEqual(got, status, f"{where}: HTTP {got}, expected {status}; page: {self.body_text()[:300]}")
        root = self.css("html")
        if lang is not None:
            self.assertEqual(root.get_attribute("lang"), lang, f"{where}: <html lang>")
            self.assertEqual(root.get_attribute("dir"), "rtl" if lang == "ar" else "ltr", f"{where}: <html dir>")
        if portal:
            self.assertTrue(self.all_css("main#main"), f"{where}: no main#main")
            self.assertTrue(self.css("h1").text.strip(), f"{where}: an empty <h1>")
            self.assertTrue(self.all_css('a[href="#main"]'), f"{where}: no skip link to #main")
            self.assertEqual(sorted(a.get_attribute("hreflang") for a in self.all_css("nav#languages a[hreflang]")),
                             sorted(LANGUAGES), f"{where}: the language switcher")
        if axe:
            browser.check_axe(driver, where)
        return got

    def body_text(self):
        return self.css("body").text

    def fill(self, form, field, value):
        element = self.css(f'[name="{field}"]', form)
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        elif element.get_attribute("type") in ("date", "hidden"):
            # A date picker's typed format follows the browser's locale; its value is always ISO.
            self.driver.execute_script("arguments[0].value = arguments[1]", element, value)
        else:
            element.clear()
            element.send_keys(value)

    def type_raw(self, form, field, value):
        """Puts text no date picker would let through into a date field, as a hand-made request would."""
        element = self.css(f'[name="{field}"]', form)
        self.driver.execute_script("arguments[0].type = 'text'; arguments[0].value = arguments[1]", element, value)

    def click(self, element, what):
        """Clicks a link or a button, as a person would (a form's own validation runs), and waits for the next page."""
        old = self.css("html")
        element.click()

        def replaced(driver):
            # chromium answers a check on a node of the page being replaced with "does not belong to
            # the document" instead of a stale element: the same thing, the old page is gone.
            try:
                return expected_conditions.staleness_of(old)(driver)
            except WebDriverException as error:
                if "does not belong to the document" in str(error):
                    return True
                raise
        self.wait(replaced, what)

    def press(self, form, what):
        self.click(self.css('button[type="submit"], input[type="submit"], button:not([type])', form), what)

    def submit(self, form, name, **expect):
        """Sends the form and checks the page it leads to."""
        self.press(form, f"{name}: the form's answer")
        return self.page(name, **expect)

    def sign_in(self, user, lang="it"):
        self.driver.get(f"{self.node().base}/{lang}/signin")
        # The sign-in page itself goes through axe in EveryPage; here it is only the way in.
        self.page(f"{lang}-signin-as-{user}", axe=False, lang=lang)
        form = self.css("form#signin-form")
        self.fill(form, "name", user)
        self.fill(form, "password", "demo")
        self.press(form, f"signing in as {user}")
        self.assertTrue(self.all_css("form#signout-form"), f"signed in as {user}, yet no form#signout-form on "
                        f"{self.driver.current_url}: {self.body_text()[:300]}")

    def refused(self, code):
        error = self.css("#error")
        self.assertEqual(error.get_attribute("data-code"), code, f"the refusal shown: {error.text}")
        self.assertEqual(error.get_attribute("role"), "alert")
        self.assertTrue(error.text.strip(), "a refusal with no sentence")

    def notice(self):
        notice = self.css("#notice")
        self.assertEqual(notice.get_attribute("role"), "status")
        self.assertTrue(notice.text.strip(), "an empty notice")
        self.assertFalse(self.all_css("#error"), "a notice and an error on one page")

    def rows(self, table):
        return {row.get_attribute("data-appointment"): row
                for row in self.all_css(f"table#{table} tbody tr[data-appointment]")}


def shown_day(cell):
    """The day a cell shows, YYYY-MM-DD (the form fields' own format)."""
    found = re.search(r"\d{4}-\d{2}-\d{2}", cell.text)
    if found is None:
        raise AssertionError(f"the cell shows no YYYY-MM-DD date: {cell.text!r}")
    return found.group(0)


def calendar_day(ics):
    """The day of the .ics's event: its DTSTART, local or UTC (08:00-18:00 in Rome is the same day in UTC),
    not the VTIMEZONE's, whose DTSTARTs are the rules' start in 1970."""
    event = ics[ics.find("BEGIN:VEVENT"):]
    found = re.search(r"^DTSTART[^:\r\n]*:(\d{4})(\d{2})(\d{2})", event, re.MULTILINE)
    if found is None:
        raise AssertionError(f"no DTSTART in the calendar file:\n{ics[:600]}")
    return "-".join(found.groups())


# --- The scenarios -----------------------------------------------------------------------------

class ApplicantOnAPhone(PortalBrowserTest):
    size = "phone"

    def test_an_applicant_books_moves_twice_downloads_the_calendar_file_and_cancels(self):
        own = pratica(1)
        engine = resp("self.demo")
        self.sign_in("self.demo")
        self.assertTrue(self.driver.current_url.endswith("/it/me"), self.driver.current_url)
        self.page("applicant-me")
        before = set(self.rows("appointments"))

        # Booking with no date: the first free day and hour, what FIRSTFREE says.
        first_day, first_time = free_slot()
        form = self.css("form#book-form")
        self.fill(form, "office", OFFICE)
        self.fill(form, "service", FINGERPRINTING)
        self.fill(form, "date", "")
        self.submit(form, "applicant-booked")
        self.assertTrue(self.driver.current_url.endswith("/it/me"), self.driver.current_url)
        self.notice()
        added = set(self.rows("appointments")) - before
        self.assertEqual(len(added), 1, f"rows after booking: {sorted(self.rows('appointments'))}")
        appointment = added.pop()
        booked = engine.execute_command("APPT", appointment)
        self.assertEqual((booked["office"], booked["service"], booked["pratica"], booked["state"]),
                         (OFFICE, FINGERPRINTING, own, "booked"))
        self.assertEqual((booked["date"], booked["time"]), (first_day, first_time))
        self.assert_row(appointment, first_day, first_time)
        self.assert_calendar_file(appointment, first_day)

        # The same page right to left.
        self.visit("/ar/me", "applicant-me-ar", lang="ar")
        self.assertIn(appointment, self.rows("appointments"))

        # Moved with no date: the next free slot after its own.
        self.visit("/it/me", "applicant-me-booked")
        self.move(appointment, "", "applicant-moved-next")
        moved = engine.execute_command("APPT", appointment)
        self.assertGreater((moved["date"], moved["time"]), (first_day, first_time), f"after moving to the next free: {moved}")
        self.assertEqual(moved["state"], "booked")
        self.assert_row(appointment, moved["date"], moved["time"])

        # Moved to a chosen day, a week on.
        chosen_day, chosen_time = free_slot(datetime.date.fromisoformat(first_day) + datetime.timedelta(days=7))
        self.move(appointment, chosen_day, "applicant-moved-chosen")
        chosen = engine.execute_command("APPT", appointment)
        self.assertEqual((chosen["date"], chosen["time"], chosen["state"]), (chosen_day, chosen_time, "booked"))
        self.assert_row(appointment, chosen_day, chosen_time)
        self.assert_calendar_file(appointment, chosen_day)

        # Cancelled: the engine says so, and the row no longer reads as it did when booked.
        booked_state = self.css("td.state", self.rows("appointments")[appointment]).text
        self.submit(self.css("form.cancel-form", self.rows("appointments")[appointment]), "applicant-cancelled")
        self.notice()
        self.assertEqual(engine.execute_command("APPT", appointment)["state"], "cancelled")
        row = self.rows("appointments").get(appointment)
        if row is not None:
            self.assertNotEqual(self.css("td.state", row).text, booked_state, "a cancelled row still reads as booked")
            self.assertFalse(self.all_css("form.move-form", row), "a cancelled appointment still offers a move")

    def move(self, appointment, day, name):
        form = self.css("form.move-form", self.rows("appointments")[appointment])
        self.assertEqual(self.css('[name="appointment"]', form).get_attribute("value"), appointment)
        self.fill(form, "date", day)
        self.submit(form, name)
        self.assertTrue(self.driver.current_url.endswith("/it/me"), self.driver.current_url)
        self.notice()

    def assert_row(self, appointment, day, time_of_day):
        row = self.rows("appointments").get(appointment)
        self.assertIsNotNone(row, f"no row for {appointment}")
        self.assertEqual(shown_day(self.css("td.date", row)), day)
        self.assertIn(time_of_day, self.css("td.time", row).text)

    def assert_calendar_file(self, appointment, day):
        link = self.css("a.ics", self.rows("appointments")[appointment])
        path = urllib.parse.urlsplit(link.get_attribute("href")).path
        self.assertEqual(path, f"/it/appointments/{appointment}/convocation.ics")
        answer = Http.of(self.driver).get(path)
        self.assertEqual(answer.status, 200, answer.text[:300])
        self.assertTrue(answer.headers.get("Content-Type", "").startswith("text/calendar"), answer.headers)
        self.assertIn("attachment", answer.headers.get("Content-Disposition", ""))
        self.assertTrue(answer.text.startswith("BEGIN:VCALENDAR"), answer.text[:200])
        self.assertEqual(calendar_day(answer.text), day)
        # Without the session, no calendar file.
        self.assertNotEqual(Http().get(path).status, 200)


class BodyBooksAPickup(PortalBrowserTest):
    """caf.roma booked fingerprinting for 7 and 9, whose permits the Questura marked ready; not for 8."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for number in (7, 9):
            resp("caf.roma").execute_command("BOOK", OFFICE, FINGERPRINTING, pratica(number))
            resp("questura.demo").execute_command("READY", pratica(number))

    def pickup_form(self, number, **person):
        """caf.roma's pickup form on its /it/me, filled in for pratica `number` (its applicant's names unless told)."""
        form = self.css("form#pickup-form")
        who = {**applicant(number), **person}
        self.fill(form, "office", OFFICE)
        self.fill(form, "pratica", pratica(number))
        self.fill(form, "surname", who["surname"])
        self.fill(form, "name", who["name"])
        self.fill(form, "date", "")
        return form

    def pickups(self, number):
        return [a for a in resp("caf.roma").execute_command("PRATICA", pratica(number))["appointments"]
                if a["service"] == PICKUP]

    def test_a_body_books_a_pickup_for_a_ready_permit_and_prints_the_reminder(self):
        self.sign_in("caf.roma")
        self.page("body-me")
        ready = self.css("table#ready-permits").text
        self.assertIn(pratica(7), ready)
        self.assertNotIn(pratica(8), ready, "a permit not ready listed as ready")
        form = self.pickup_form(7)
        self.submit(form, "body-pickup-booked")
        self.notice()
        appointment = self.css("#booked").get_attribute("data-appointment")
        booked = resp("caf.roma").execute_command("APPT", appointment)
        self.assertEqual((booked["office"], booked["service"], booked["pratica"], booked["state"], booked["bookedBy"]),
                         (OFFICE, PICKUP, pratica(7), "booked", "CAF-ROMA"))
        reminder = self.css("a.reminder").get_attribute("href")
        self.assertEqual(urllib.parse.urlsplit(reminder).path, f"/it/appointments/{appointment}/reminder")
        self.driver.get(reminder)
        self.page("body-reminder", portal=False)
        text = self.body_text()
        self.assertTrue(pratica(7) in text or applicant(7)["surname"] in text, f"the reminder names neither: {text[:400]}")
        self.visit("/it/me", "body-me-after-pickup")
        self.assertIn(appointment, self.rows("bookings"))

    def test_a_body_is_refused_a_pickup_for_a_permit_not_ready(self):
        self.sign_in("caf.roma")
        self.page("body-me-before-not-ready")
        form = self.pickup_form(8)
        self.submit(form, "body-pickup-not-ready", status=409)
        self.refused("NOTREADY")
        self.assertEqual(self.pickups(8), [])

    def test_a_body_is_refused_a_pickup_when_the_surname_does_not_match(self):
        self.sign_in("caf.roma")
        self.page("body-me-before-mismatch")
        form = self.pickup_form(9, surname="Bianchi")
        self.submit(form, "body-pickup-mismatch", status=400)
        self.refused("MISMATCH")
        self.assertEqual(self.pickups(9), [])


class QuesturaDesk(PortalBrowserTest):

    def test_the_desk_shows_a_booking_made_elsewhere_live_then_closes_the_day(self):
        questura = resp("questura.demo")
        self.sign_in("questura.demo")
        self.assertIn(f"/it/desk/{OFFICE}/", self.driver.current_url, "a Questura account's /me is its desk")
        # A day of its own, two weeks on, so closing it moves nobody else's appointment.
        day, _ = free_slot(rome_today() + datetime.timedelta(days=14))
        self.visit(f"/it/desk/{OFFICE}/{day}", "desk")
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, '#live[data-state="open"]'), "#live[data-state=open]")
        self.driver.execute_script("window.__marker = 1")

        # Booked at the SUI's counter: the row appears here, the page not reloaded.
        booked = resp("sui.roma").execute_command("BOOK", OFFICE, FINGERPRINTING, pratica(20), "ON", day)
        appointment = booked["appointment"]
        self.assertEqual(booked["date"], day)
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, f'table#agenda tbody tr[data-appointment="{appointment}"]'),
                  f"{appointment} in table#agenda")
        self.assertEqual(self.driver.execute_script("return window.__marker"), 1, "the desk reloaded the page")
        browser.screenshot(self.driver, "desk-live-row")
        browser.check_axe(self.driver, "desk-live-row")

        # The day's printable list ends with the log's head, the one DAYLIST prints.
        link = self.css("a#daylist").get_attribute("href")
        self.assertEqual(urllib.parse.urlsplit(link).path, f"/it/desk/{OFFICE}/{day}/list")
        self.driver.get(link)
        self.page("desk-daylist", portal=False, lang=None)
        shown = HEAD.search(self.body_text())
        self.assertIsNotNone(shown, f"no SEQ:HASH on the day list: {self.body_text()[-400:]}")
        csv = questura.execute_command("DAYLIST", OFFICE, day)
        head_row = next(line for line in csv.splitlines() if line.startswith("#head,"))
        self.assertEqual(shown.group(0), head_row.split(",")[1])

        # Closing the day moves its appointments on, and the page lists them.
        self.visit(f"/it/desk/{OFFICE}/{day}", "desk-before-close")
        form = self.css("form#close-form")
        self.fill(form, "reason", "Sciopero del personale")
        self.submit(form, "desk-closed")
        moved_table = self.css("table#moved")
        self.assertTrue(self.all_css(f'tr[data-appointment="{appointment}"]', moved_table)
                        or appointment in moved_table.text, f"table#moved: {moved_table.text}")
        moved = questura.execute_command("APPT", appointment)
        self.assertGreater(moved["date"], day)
        self.assertEqual(moved["state"], "booked")
        self.assertIn(moved["date"], moved_table.get_attribute("innerHTML"))

    def test_the_desk_marks_an_appointment_of_today_attended(self):
        today = rome_today()
        if today.weekday() == 6:
            self.skipTest("DEMO-Q is closed on Sundays: no appointment can be today")
        # Bookings start tomorrow (lead 1 day); one taken over from the old system may be today.
        questura = resp("questura.demo")
        questura.execute_command("TRANSITION", OFFICE, str(today), str(today + datetime.timedelta(days=1)))
        appointment = questura.execute_command("MIGRATE", OFFICE, FINGERPRINTING, pratica(21), str(today),
                                               "17:50")["appointment"]
        self.sign_in("questura.demo")
        self.visit(f"/it/desk/{OFFICE}/{today}", "desk-today")
        row = self.rows("agenda").get(appointment)
        self.assertIsNotNone(row, f"{appointment} not on today's desk")
        before = row.text
        self.submit(self.css("form.attend-form", row), "desk-attended")
        self.assertEqual(questura.execute_command("APPT", appointment)["state"], "attended")
        self.assertIn(f"/it/desk/{OFFICE}/{today}", self.driver.current_url)
        row = self.rows("agenda").get(appointment)
        self.assertIsNotNone(row, f"{appointment} gone from the desk once attended")
        self.assertNotEqual(row.text, before, "the row reads the same once attended")


class PublicStatus(PortalBrowserTest):
    """30 fingerprinted and ready, 31 fingerprinted and not ready; 32 asked with the wrong day."""

    def check(self, number, fingerprinted, name):
        self.visit("/it/status", f"status-form-{name}")
        form = self.css("form#status-form")
        for field, value in applicant(number).items():
            self.fill(form, field, value)
        self.fill(form, "fingerprintDate", fingerprinted)
        self.submit(form, f"status-{name}")
        # The browser's own measure, from sending the question to the answer's first byte.
        waited_milliseconds = self.driver.execute_script(
            "const navigation = performance.getEntriesByType('navigation')[0];"
            "return navigation.responseStart - navigation.requestStart")
        return self.css("#status-result").get_attribute("data-status"), waited_milliseconds

    def test_the_status_check_answers_ready_not_ready_and_unknown(self):
        sui = resp("sui.roma")
        days = {number: sui.execute_command("BOOK", OFFICE, FINGERPRINTING, pratica(number))["date"]
                for number in (30, 31, 32)}
        resp("questura.demo").execute_command("READY", pratica(30))
        wrong_day = datetime.date.fromisoformat(days[32]) + datetime.timedelta(days=1)
        answers = {"ready": self.check(30, days[30], "ready"), "not-ready": self.check(31, days[31], "not-ready"),
                   "unknown": self.check(32, str(wrong_day), "unknown")}
        self.assertEqual({expected: status for expected, (status, _) in answers.items()},
                         {"ready": "ready", "not-ready": "not-ready", "unknown": "unknown"})
        # Every answer leaves a fixed time after the question, so its timing tells nothing.
        for expected, (_, waited_milliseconds) in answers.items():
            self.assertGreaterEqual(waited_milliseconds, STATUS_REPLY_MILLISECONDS_MIN, f"the {expected} answer came early")


class StatusRateLimit(PortalBrowserTest):
    """On a node of its own: the allowance is per address, and the module's other checks come from 127.0.0.1 too."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fresh = cls.enterClassContext(PortalNode(pratiche=2))

    def node(self):
        return self.fresh

    def test_more_status_checks_a_minute_than_the_limit_are_refused(self):
        # Four over RESP and the rest in the portal use up the address's ration; the next is refused.
        anonymous = redis.Redis(host="127.0.0.1", port=self.fresh.resp_port, decode_responses=True, protocol=3)
        person = {**applicant(0), "fingerprintDate": "2030-01-07"}
        for _ in range(4):
            self.assertEqual(anonymous.execute_command("STATUS", *person.values()), "unknown")
        client = Http(self.fresh)
        for check in range(5, STATUS_PER_MINUTE_MAX + 1):
            token = client.get("/it/status").tags.csrf()
            answer = client.post("/it/status", {"csrf": token, **person})
            self.assertEqual(answer.status, 200, f"check {check} of {STATUS_PER_MINUTE_MAX}: {answer.text[:300]}")
            self.assertEqual(answer.tags.by_id("status-result").get("data-status"), "unknown")
        self.visit("/it/status", "status-form-limit")
        form = self.css("form#status-form")
        for field, value in person.items():
            self.fill(form, field, value)
        self.submit(form, "status-limit", status=429)
        self.refused("LIMIT")


class AnotherBodysAppointment(PortalBrowserTest):

    def test_a_body_editing_a_form_field_or_a_url_is_refused_and_the_change_recorded_as_refused(self):
        theirs = resp("caf.roma").execute_command("BOOK", OFFICE, FINGERPRINTING, pratica(41))["appointment"]
        own = resp("comune.roma").execute_command("BOOK", OFFICE, FINGERPRINTING, pratica(40))["appointment"]
        self.sign_in("comune.roma")
        self.page("comune-me")
        self.assertNotIn(theirs, self.rows("bookings"), "caf.roma's booking listed to comune.roma")
        form = self.css("form.cancel-form", self.rows("bookings")[own])
        self.driver.execute_script("arguments[0].querySelector('input[name=appointment]').value = arguments[1]",
                                   form, theirs)
        self.submit(form, "comune-cancel-theirs", status=403)
        self.refused("NOPERM")
        self.assertEqual(resp("caf.roma").execute_command("APPT", theirs)["state"], "booked")
        self.assertEqual(resp("comune.roma").execute_command("APPT", own)["state"], "booked")

        self.visit(f"/it/appointments/{theirs}/convocation", "comune-convocation-theirs", status=403)
        self.refused("NOPERM")
        self.assertEqual(Http.of(self.driver).get(f"/it/appointments/{theirs}/convocation.ics").status, 403)

        # The refused cancel is in the log, with who tried; the refused reads are not (protocol.md, Roles).
        history = resp("admin").execute_command("HISTORY", pratica(41))
        tried = [record for record in history if record["actor"].startswith("comune.roma@")]
        self.assertEqual(len(tried), 1, f"comune.roma's records on {pratica(41)}: {tried}")
        self.assertTrue(tried[0]["command"].startswith(f"cancel {theirs}"), tried[0])
        self.assertTrue(tried[0]["outcome"].startswith("rejected (not-permitted)"), tried[0])


class SessionSecurity(PortalBrowserTest):

    def test_a_post_without_the_session_token_is_refused_and_changes_nothing(self):
        appointment = resp("sui.roma").execute_command("BOOK", OFFICE, FINGERPRINTING, pratica(50))["appointment"]
        client = Http()
        self.assertEqual(client.sign_in("sui.roma").status, 303)
        token = client.get("/it/me").tags.csrf()
        self.assertTrue(token, "no csrf field on sui.roma's /it/me")
        other = Http()
        other.sign_in("sui.roma")
        other_token = other.get("/it/me").tags.csrf()
        self.assertNotEqual(other_token, token, "two sessions share a token")
        for why, form in [("no token", {"appointment": appointment}),
                          ("a wrong token", {"appointment": appointment, "csrf": "x" * len(token)}),
                          ("another session's token", {"appointment": appointment, "csrf": other_token})]:
            with self.subTest(why):
                answer = client.post("/it/cancel", form)
                self.assertEqual(answer.status, 403, answer.text[:300])
                self.assertIsNotNone(answer.tags.by_id("error"), answer.text[:300])
                self.assertEqual(resp("sui.roma").execute_command("APPT", appointment)["state"], "booked")
        # Anonymous forms have their token too: signing in without it does not sign in.
        anonymous = Http()
        anonymous.get("/it/signin")
        refused = anonymous.post("/it/signin", {"name": "sui.roma", "password": "demo"})
        self.assertEqual(refused.status, 403, refused.text[:300])
        # With it, the same POST is done.
        done = client.post("/it/cancel", {"appointment": appointment, "csrf": token})
        self.assertEqual((done.status, done.headers.get("Location")), (303, "/it/me"))
        self.assertEqual(resp("sui.roma").execute_command("APPT", appointment)["state"], "cancelled")

    def test_pages_carry_the_security_headers(self):
        client = Http()
        client.sign_in("caf.roma")
        for path in ("/it/", "/ar/status", "/it/offices", "/it/me", "/it/appointments/A-NOSUCH/convocation"):
            with self.subTest(path):
                headers = client.get(path).headers
                csp = headers.get("Content-Security-Policy")
                self.assertEqual(policy(csp), POLICY, csp)
                self.assertNotIn("unsafe-inline", csp)
                self.assertEqual(headers.get("X-Content-Type-Options"), "nosniff")
                self.assertEqual(headers.get("Referrer-Policy"), "no-referrer")

    def test_the_session_cookie_is_httponly_strict_and_for_the_whole_site(self):
        client = Http()
        token = client.get("/it/signin").tags.csrf()
        anonymous = client.cookies.get("agenda_session")
        answer = client.post("/it/signin", {"csrf": token, "name": "caf.roma", "password": "demo"})
        self.assertEqual((answer.status, answer.headers.get("Location")), (303, "/it/me"))
        # A new session at sign-in: whoever planted or read the anonymous one is not signed in with it.
        self.assertNotEqual(client.cookies.get("agenda_session"), anonymous)
        if anonymous is not None:
            self.assertIsNone(Http(cookies={"agenda_session": anonymous}).get("/it/me").tags.by_id("signout-form"))
        cookie = session_cookie(answer.headers.get_all("Set-Cookie") or [])
        self.assertIsNotNone(cookie, f"signing in set no agenda_session: {answer.headers.get_all('Set-Cookie')}")
        self.assertIn("httponly", cookie)
        self.assertIn("samesite=strict", cookie)
        self.assertIn("path=/", cookie)
        self.assertNotIn("secure", cookie, "Secure only with --http-secure-cookies: plain HTTP would drop it")
        self.assertEqual(client.get("/it/me").status, 200)

    def test_a_wrong_password_is_refused_and_signs_nobody_in(self):
        # One failed attempt: the module's others from 127.0.0.1 stay far from signing in's limit of five.
        self.visit("/it/signin", "signin-before-wrong-password")
        form = self.css("form#signin-form")
        self.fill(form, "name", "caf.roma")
        self.fill(form, "password", "not-demo")
        self.submit(form, "signin-wrong-password", status=401)
        self.refused("WRONGPASS")
        self.assertFalse(self.all_css("form#signout-form"))
        self.assertIsNone(Http.of(self.driver).get("/it/me").tags.by_id("signout-form"))

    def test_signing_out_ends_the_session(self):
        self.sign_in("caf.roma")
        cookie = self.driver.get_cookie("agenda_session")
        self.assertTrue(cookie["httpOnly"])
        self.assertEqual(cookie["sameSite"], "Strict")
        stolen = Http.of(self.driver)
        self.assertIsNotNone(stolen.get("/it/me").tags.by_id("signout-form"), "the session's cookie does not sign in")
        self.submit(self.css("form#signout-form"), "signed-out")
        self.assertEqual(urllib.parse.urlsplit(self.driver.current_url).path, "/it/")
        self.assertFalse(self.all_css("form#signout-form"))
        again = stolen.get("/it/me")
        self.assertFalse(again.status == 200 and again.tags.by_id("signout-form") is not None,
                         "the cookie of a signed-out session still signs in")
        self.visit("/it/me", "me-signed-out", status=None)
        self.assertFalse(self.all_css("form#signout-form"), "the browser is still signed in")


class BadInput(PortalBrowserTest):

    def test_a_malformed_date_in_the_status_form_is_a_syntax_error(self):
        self.visit("/it/status", "status-form-bad-date")
        form = self.css("form#status-form")
        for field, value in applicant(30).items():
            self.fill(form, field, value)
        self.type_raw(form, "fingerprintDate", "31/02/2027")
        self.submit(form, "status-bad-date", status=400)
        self.refused("SYNTAX")
        self.assertFalse(self.all_css("#status-result"))

    def test_a_malformed_date_in_the_book_form_is_a_syntax_error_and_books_nothing(self):
        engine = resp("self.demo")
        before = engine.execute_command("PRATICA", pratica(1))["appointments"]
        self.sign_in("self.demo")
        for bad in ("2027-02-30", "domani"):
            with self.subTest(bad):
                self.visit("/it/me", f"applicant-me-before-{bad}")
                form = self.css("form#book-form")
                self.fill(form, "office", OFFICE)
                self.fill(form, "service", FINGERPRINTING)
                self.type_raw(form, "date", bad)
                self.submit(form, f"applicant-book-bad-date-{bad}", status=400)
                self.refused("SYNTAX")
                self.assertEqual(engine.execute_command("PRATICA", pratica(1))["appointments"], before)


class EveryPage(PortalBrowserTest):
    """Each page in Italian and in Arabic (right to left) through axe, with a screenshot."""

    def test_every_public_page_passes_axe_in_italian_and_arabic(self):
        redirect = Http().get("/")
        self.assertEqual((redirect.status, redirect.headers.get("Location")), (303, "/it/"))
        # The switcher leads to the same page in the other language (each goes through axe below).
        self.visit("/it/", "it-home-switcher", axe=False)
        self.click(self.css('nav#languages a[hreflang="ar"]'), "the switch to Arabic")
        self.assertEqual(urllib.parse.urlsplit(self.driver.current_url).path, "/ar/")
        self.page("ar-home-switched", lang="ar", axe=False)
        for lang in ("it", "ar"):
            self.visit(f"/{lang}/", f"{lang}-home", lang=lang)
            for part in ("status", "offices", "faq", "signin"):
                self.assertTrue(self.all_css(f'a[href$="/{lang}/{part}"]'), f"/{lang}/ has no link to {part}")
            self.visit(f"/{lang}/status", f"{lang}-status", lang=lang)
            self.assertTrue(self.all_css("form#status-form"))
            self.visit(f"/{lang}/offices", f"{lang}-offices", lang=lang)
            self.assertTrue(self.all_css(f'ul#offices li a[href$="/{lang}/offices/{OFFICE}"]'), "DEMO-Q not listed")
            self.visit(f"/{lang}/offices/{OFFICE}", f"{lang}-office", lang=lang)
            self.assertIn("08:00", self.css("main#main").text, "DEMO-Q's hours not shown")
            self.assertTrue(self.all_css("main#main table"), "no hours table")
            self.visit(f"/{lang}/faq", f"{lang}-faq", lang=lang)
            self.visit(f"/{lang}/signin", f"{lang}-signin", lang=lang)
            self.assertTrue(self.all_css("form#signin-form"))

    def test_every_signed_in_page_passes_axe_in_italian_and_arabic(self):
        convocation = resp("sui.roma").execute_command("BOOK", OFFICE, FINGERPRINTING, pratica(60))["appointment"]
        for user in ("self.demo", "caf.roma", "sui.roma", "questura.demo", "prefettura.roma", "admin"):
            self.sign_out_all()
            self.sign_in(user)
            for lang in ("it", "ar"):
                self.visit(f"/{lang}/me", f"{lang}-me-{user}", lang=lang)
                if user == "questura.demo":
                    self.assertIn(f"/{lang}/desk/{OFFICE}/", self.driver.current_url)
                    self.driver.get(self.css("a#daylist").get_attribute("href"))
                    self.page(f"{lang}-daylist", portal=False, lang=None)
                if user == "sui.roma":
                    form = self.css("form#find-form")
                    self.fill(form, "query", pratica(60))
                    self.submit(form, f"{lang}-find", lang=lang)
                    self.assertTrue(self.all_css(f'#pratica[data-pratica="{pratica(60)}"]'))
                    self.visit(f"/{lang}/appointments/{convocation}/convocation", f"{lang}-convocation",
                               portal=False, lang=lang)
                    self.assertIn(convocation, self.body_text())


class PhoneLayout(PortalBrowserTest):
    """A phone's window shows each page whole: nothing makes it scroll sideways (WCAG's reflow, which axe does not check)."""

    size = "phone"

    def test_no_page_is_wider_than_a_phone_in_italian_or_arabic(self):
        self.sign_in("self.demo")
        for lang in ("it", "ar"):
            for part in ("", "status", "offices", f"offices/{OFFICE}", "faq", "me"):
                path = f"/{lang}/{part}"
                with self.subTest(path):
                    self.visit(path, f"phone-{lang}-{part.replace('/', '-') or 'home'}", lang=lang, axe=False)
                    width, window = self.driver.execute_script(
                        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
                    self.assertLessEqual(width, window, f"{path} is {width} px wide in a {window} px window")
