#!/usr/bin/env python3
"""An SMTP server for the mail tests: aiosmtpd on 127.0.0.1, on a port the kernel picks.

Each accepted message is stored as DIRECTORY/N.eml (the bytes as received, after the server
undid the dot-stuffing) with DIRECTORY/N.json beside it (envelope sender, recipients, whether
the session was under TLS, the user it authenticated as). Prints "ready PORT" once it listens,
then serves until SIGTERM or until its stdin ends (the test that started it has exited).

Recipients steer the replies, so that one server covers the failure tests:
  permanent@…  RCPT is refused with 550 5.1.1
  transient@…  RCPT is refused with 451 4.3.0

  smtp_sink.py DIRECTORY [--tls-cert CERT --tls-key KEY [--implicit-tls]] [--auth USER:PASSWORD]
               [--auth-exclude MECHANISM] [--no-ehlo] [--long-ehlo LINES]
               [--port PORT] [--delay-data SECONDS]

--port listens there instead of on a port the kernel picks (a sink restarted where the client
was told to go); --delay-data waits that long before taking each message, so a test can stop
the sink in the middle of a delivery. A sink started on a directory an earlier one used
numbers its messages after the ones already there.
"""
import argparse
import asyncio
import json
import os
import signal
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, directory, no_ehlo, long_ehlo, delay_data=0.0):
        self.directory = directory
        self.delay_data = delay_data
        self.count = 0
        self.no_ehlo = no_ehlo
        self.long_ehlo = long_ehlo

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.no_ehlo:
            return ["502 5.5.1 EHLO is not spoken here, say HELO"]
        if self.long_ehlo:
            return [f"250-line {i}" for i in range(self.long_ehlo)] + ["250 HELP"]
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("permanent@"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if address.startswith("transient@"):
            return "451 4.3.0 <%s>: Temporary lookup failure, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        if self.delay_data:
            await asyncio.sleep(self.delay_data)
        self.count += 1
        while os.path.exists(os.path.join(self.directory, str(self.count) + ".json")):
            self.count += 1
        base = os.path.join(self.directory, str(self.count))
        with open(base + ".eml.part", "wb") as f:
            f.write(envelope.original_content)
        login = None
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode()
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       # Asked of the transport, which is TLS after STARTTLS and with implicit TLS alike.
                       "tls": server.transport.get_extra_info("ssl_object") is not None, "login": login,
                       "helo": session.host_name, "extended_smtp": session.extended_smtp}, f)
        # The .eml appears whole or not at all, so a test never reads half a message.
        os.rename(base + ".eml.part", base + ".eml")
        return "250 2.0.0 Ok: queued as agenda-sink-%d" % self.count


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == user.encode() and auth_data.password == password.encode())
        if ok:
            return AuthResult(success=True, auth_data=auth_data)
        # handled=False: aiosmtpd then answers 535 itself (handled=True would leave it silent).
        return AuthResult(success=False, handled=False)
    return authenticate


async def main():
    # A child inherits its parent thread's signal mask, and the Swift test runner's threads block
    # SIGTERM: unblock it, or terminate() would never reach this process.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte, no STARTTLS")
    parser.add_argument("--auth", help="USER:PASSWORD; AUTH is then offered only under TLS")
    parser.add_argument("--auth-exclude", action="append", default=[])
    parser.add_argument("--no-ehlo", action="store_true")
    parser.add_argument("--long-ehlo", type=int, default=0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay-data", type=float, default=0.0)
    args = parser.parse_args()

    handler = Sink(args.directory, args.no_ehlo, args.long_ehlo, args.delay_data)
    options, server_tls = {}, None
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.implicit_tls:
            server_tls = context
        else:
            options.update(tls_context=context, require_starttls=True)
    if args.auth:
        user, password = args.auth.split(":", 1)
        # aiosmtpd counts only STARTTLS as TLS for auth_require_tls, so with implicit TLS (where
        # every byte is encrypted anyway) the requirement is lifted.
        options.update(authenticator=authenticator_for(user, password), auth_require_tls=not args.implicit_tls,
                       auth_exclude_mechanism=args.auth_exclude)
    loop = asyncio.get_running_loop()
    # Port 0 and the port read back from the bound socket: no other process can take it between
    # choosing and binding, as it could if the port were chosen first and passed in.
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.agenda.test", **options), host="127.0.0.1", port=args.port, ssl=server_tls,
        reuse_address=True)
    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    # The test holds the other end of stdin: when its process ends, even by a crash that skips
    # its clean-up, stdin reaches end of file and the server stops instead of lingering.
    def stdin_readable():
        if not os.read(sys.stdin.fileno(), 4096):
            loop.remove_reader(sys.stdin.fileno())
            stop.set()
    loop.add_reader(sys.stdin.fileno(), stdin_readable)
    print("ready", port, flush=True)
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
