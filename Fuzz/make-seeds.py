#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora (make fuzz reads them; the files are kept in the repo).

  Fuzz/make-seeds.py resp                   Fuzz/corpus/resp/: what real clients send
  Fuzz/make-seeds.py record DATA_DIR ...    Fuzz/corpus/record/: log entries of data directories

RESP seeds are byte streams as a client writes them: redis-cli and redis-py (multibulk, RESP2
and after HELLO 3), redis-benchmark's pipelines, and lines typed at nc or redis-cli's prompt
(inline, with quotes and escapes). Record seeds are real log entries, key (8 bytes, big-endian)
then value, chosen from the data directories named (a node's, `replay simulate`'s): one or two
of each shape (command, outcome, events or rejection), decoded with tools/verify_log.py, which
was written from docs/log-format.md alone.
"""
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def multibulk(*arguments):
    out = b"*%d\r\n" % len(arguments)
    for argument in arguments:
        data = argument.encode() if isinstance(argument, str) else argument
        out += b"$%d\r\n%s\r\n" % (len(data), data)
    return out


BOOK = ("BOOK", "DEMO-Q", "fotosegnalamento", "P-DEMO-000000000001")
RESP_SEEDS = {
    "ping-multibulk": multibulk("PING"),
    "ping-inline": b"PING\r\n",
    "ping-inline-lf": b"PING\n",
    "hello3-auth": multibulk("HELLO", "3", "AUTH", "sui.roma", "demo", "SETNAME", "cli"),
    "hello2": multibulk("HELLO", "2"),
    "auth-book": multibulk("AUTH", "sui.roma", "demo") + multibulk(*BOOK),
    "book-options": multibulk(*BOOK, "NOTBEFORE", "2026-11-23", "ON", "2026-11-24", "AT", "08:30", "REQID", "x1"),
    "book-existing": multibulk(*BOOK, "EXISTING"),
    "defer-cancel": multibulk("DEFER", "A-0056K", "NEXT", "REQID", "x2")
        + multibulk("DEFER", "A-0056K", "TO", "2026-12-01", "AT", "09:00", "REASON", "richiesta")
        + multibulk("CANCEL", "A-0056K", "REASON", "rinuncia", "REQID", "x4"),
    "ready-pickup": multibulk("READY", "P-DEMO-000000000001") + multibulk("PICKUP", "P-DEMO-000000000001"),
    "firstfree": multibulk("FIRSTFREE", "DEMO-Q", "fotosegnalamento", "NOTBEFORE", "2026-11-23", "COUNT", "5"),
    "reads": multibulk("AGENDA", "DEMO-Q", "2026-11-23", "SERVICE", "fotosegnalamento")
        + multibulk("CAPACITY", "DEMO-Q", "fotosegnalamento", "2026-11-23", "2026-11-30")
        + multibulk("APPT", "A-0056K") + multibulk("PRATICA", "P-DEMO-000000000001")
        + multibulk("LOOKUP", "VISTO", "ITA0123456") + multibulk("HISTORY", "P-DEMO-000000000001"),
    "register-utf8": multibulk("REGISTER", "P-AT-2009-900001", "ITA9000001", "D'Angelo", "Anna Maria",
                               "1984-02-29", "MAR", "AT-S", "REQID", "reg-1"),
    "status": multibulk("STATUS", "Gjoni", "Arben", "1975-03-02", "2026-11-23"),
    "print": multibulk("PRINT", "CONVOCATION", "A-0056K", "LANG", "ar", "FORMAT", "ics")
        + multibulk("DAYLIST", "DEMO-Q", "2026-11-23", "BOOKED", "FORMAT", "csv"),
    "office-config": multibulk("QUOTA", "RM-Q", "fotosegnalamento", "SUI", "2", "BODY", "1", "RELEASE", "3")
        + multibulk("ADDRESS", "RM-Q", "Via Genova 2, Roma", "PHONE", "06 0000")
        + multibulk("TRANSITION", "RM-Q", "2026-01-01", "2026-03-31")
        + multibulk("MIGRATE", "RM-Q", "fotosegnalamento", "P-1", "2026-01-12", "09:00", "LEGACY", "DED-1"),
    "close-day": multibulk("CLOSE", "RM-Q", "2026-11-23", "SERVICE", "fotosegnalamento", "REASON", "sciopero"),
    "subscribe": multibulk("SUBSCRIBE", "agenda:DEMO-Q", "agenda:RM-Q") + multibulk("UNSUBSCRIBE"),
    "client-probes": multibulk("CLIENT", "SETINFO", "LIB-NAME", "redis-py") + multibulk("COMMAND", "DOCS")
        + multibulk("CONFIG", "GET", "save") + multibulk("SELECT", "0") + multibulk("INFO", "persistence")
        + multibulk("RESET") + multibulk("QUIT"),
    "benchmark-pipeline": multibulk("AUTH", "sui.roma", "demo")
        + multibulk("BOOK", "DEMO-Q", "fotosegnalamento", "P-DEMO-000000000042", "EXISTING") * 16,
    "empty-and-noop": b"\r\n\n*0\r\n*-1\r\n" + multibulk("PING"),
    "binary-bulk": multibulk("ECHO", b"\xff\xfe\x00\r\n*1\r\n$4\r\n"),
    "inline-quotes": b'SET key "two words"\r\nECHO \'it\\\'s\'\r\nECHO "a\\x41\\n\\"b"\r\n',
    "inline-typed": b"AUTH sui.roma demo\nBOOK DEMO-Q fotosegnalamento P-DEMO-000000000007\n"
        + b'  BOOK   RM-Q\tfotosegnalamento  P-RM-2008-000123 \r\n'
        + b'REGISTER P-AT-2009-900001 ITA9000001 D\'Angelo "Anna Maria" 1984-02-29 MAR AT-S\n',
    "mixed-pipeline": multibulk("PING") + b"PING\r\n" + multibulk("GET", "k") + b"QUIT\n",
    "wrongpass-five": multibulk("AUTH", "sui.roma", "x") * 5,
    "framing-error-after-auth": multibulk("AUTH", "sui.roma", "demo") + b"PING a\r\n" * 5 + b'PING "x\r\n',
    "malformed-closing-quote": b'ECHO a"b c"d\r\n',
    "malformed-dollar": b"*2\r\n$4\r\nECHO\r\n+oops\r\n",
    "malformed-length": b"*1\r\n$-3\r\n",
    "limit-arguments": b"*1025\r\n",
    "limit-bulk": b"*1\r\n$65537\r\n",
    "long-inline": b"ECHO " + b"x" * 4000 + b"\r\n",
}


def write_resp():
    target = os.path.join(HERE, "corpus", "resp")
    os.makedirs(target, exist_ok=True)
    for name, data in RESP_SEEDS.items():
        with open(os.path.join(target, name), "wb") as out:
            out.write(data)
    print(f"{len(RESP_SEEDS)} RESP seeds in {target}")


def shape(record):
    """What kind of record this is: command, outcome, and its events or rejection."""
    outcome = record["outcome"]
    if outcome["type"] == "accepted":
        detail = ",".join(sorted({event.get("type", "?") for event in outcome["events"]}))
    else:
        detail = outcome["rejection"].get("type", "?")
    return (record["command"].get("type", "?"), outcome["type"], detail)


def write_record(directories, per_shape=2):
    sys.path.insert(0, os.path.join(HERE, "..", "tools"))
    import lmdb
    import verify_log

    target = os.path.join(HERE, "corpus", "record")
    os.makedirs(target, exist_ok=True)
    counts = {}
    written = 0
    for directory in directories:
        env = lmdb.open(directory, readonly=True, subdir=True, lock=True, max_dbs=32, create=False, map_size=0)
        with env.begin(write=False) as txn:
            log_db = env.open_db(b"log", txn=txn, create=False)
            for key, value in txn.cursor(db=log_db).iternext(keys=True, values=True):
                key, value = bytes(key), bytes(value)
                kind = shape(verify_log.decode_payload(value[:-64]))
                if counts.get(kind, 0) >= per_shape:
                    continue
                counts[kind] = counts.get(kind, 0) + 1
                name = "-".join(part.replace(",", "+") for part in kind) + "-" + hashlib.sha256(key + value).hexdigest()[:8]
                with open(os.path.join(target, name), "wb") as out:
                    out.write(key + value)
                written += 1
        env.close()
    print(f"{written} record seeds ({len(counts)} shapes) in {target}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["resp"]:
        write_resp()
    elif sys.argv[1:2] == ["record"] and len(sys.argv) > 2:
        write_record(sys.argv[2:])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
