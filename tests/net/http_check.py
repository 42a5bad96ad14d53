#!/usr/bin/env python3
"""Checks an HTTP server running on seL4 from the host, over a port QEMU's
user network forwards from 127.0.0.1 (tests/boot.py runs it while the
image runs: `host_check` in a boot-test table).

    http_check.py --port P [--index REGEX] [--static PATH=FILE ...] [--blob PATH=N ...]
                  [--clients 8] [--requests 200] [--fault-udp PORT --fault-payload TEXT
                  [--garble-payload TEXT] [--scribble-payload TEXT]]

It checks, in order, and exits 1 at the first that fails:

1. `GET /` is 200 and its body matches --index; every --static PATH is
   200 with the bytes of FILE (relative to the repository), every --blob
   PATH N bytes `i % 251`; a missing
   path is 404;
2. keep-alive: 20 requests on one connection, answered on it;
3. pipelining: two requests in one write, two answers in order;
4. --requests requests from --clients concurrent clients (each its own
   keep-alive connection, all open at once), every answer right;
5. a malformed request gets `400` and the connection is closed; the
   server goes on serving;
6. with --fault-udp and --garble-payload: 9 datagrams of that text to the
   forwarded UDP port, which a driver built for it hands the client as
   malformed frames; the server goes on serving (on a connection opened
   before them too);
7. with --fault-udp and --scribble-payload: one datagram of that text,
   on which a driver built for it writes an impossible state into a ring
   it shares with the client; the client starts the queues over with the
   driver and goes on serving (on a connection opened before too);
8. with --fault-udp: a connection is opened and used, then (with
   --scribble-payload) that datagram again, which the client now leaves
   alone until the driver's restart, and the datagram --fault-payload is
   sent to that forwarded UDP port (a driver built to fault on it, as a
   fault injection); the server must answer new connections again within
   60 s, and the connection opened before.

Only 127.0.0.1 is contacted.
"""

import argparse
import http.client
import os
import re
import socket
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HOST = "127.0.0.1"


class Failed(Exception):
    pass


def get(conn, path):
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    return r, body


def check_body(path, r, body, want):
    if r.status != 200:
        raise Failed(f"GET {path}: status {r.status}, want 200")
    length = r.getheader("Content-Length")
    if length is None or int(length) != len(body):
        raise Failed(f"GET {path}: Content-Length {length}, body {len(body)} bytes")
    if isinstance(want, bytes):
        if body != want:
            raise Failed(f"GET {path}: body differs from the file ({len(body)} bytes, want {len(want)})")
    elif not re.search(want, body.decode("utf-8", "replace")):
        raise Failed(f"GET {path}: body does not match {want!r}:\n{body[:400]!r}")


def check_pages(port, pages):
    conn = http.client.HTTPConnection(HOST, port, timeout=20)
    for path, want in pages:
        r, body = get(conn, path)
        check_body(path, r, body, want)
    r, _ = get(conn, "/no/such/page")
    if r.status != 404:
        raise Failed(f"GET /no/such/page: status {r.status}, want 404")
    conn.close()


def check_keep_alive(port, pages):
    conn = http.client.HTTPConnection(HOST, port, timeout=20)
    conn.connect()
    first = conn.sock
    local = first.getsockname()
    for i in range(20):
        path, want = pages[i % len(pages)]
        r, body = get(conn, path)
        check_body(path, r, body, want)
        if r.will_close or conn.sock is not first:
            raise Failed(f"keep-alive: request {i + 1} of 20 closed the connection "
                         f"(Connection: {r.getheader('Connection')})")
    conn.close()
    return local


def read_response(f):
    """(status, body) of one response read from the file object `f`."""
    line = f.readline().decode("latin-1")
    m = re.match(r"HTTP/1\.[01] (\d{3}) ", line)
    if not m:
        raise Failed(f"not a status line: {line!r}")
    length = None
    while True:
        h = f.readline().decode("latin-1")
        if h in ("\r\n", ""):
            break
        name, _, value = h.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length is None:
        raise Failed("a response without Content-Length")
    return int(m.group(1)), f.read(length)


def check_pipelining(port, pages):
    (p1, w1), (p2, w2) = pages[0], pages[-1]
    with socket.create_connection((HOST, port), timeout=20) as s:
        s.sendall(f"GET {p1} HTTP/1.1\r\nHost: x\r\n\r\nGET {p2} HTTP/1.1\r\nHost: x\r\n\r\n"
                  .encode())
        f = s.makefile("rb")
        for path, want in ((p1, w1), (p2, w2)):
            status, body = read_response(f)
            if status != 200:
                raise Failed(f"pipelined GET {path}: status {status}")
            if isinstance(want, bytes) and body != want:
                raise Failed(f"pipelined GET {path}: wrong body")


def check_concurrent(port, pages, clients, requests):
    barrier = threading.Barrier(clients)
    counts = [0] * clients
    errors = []
    per_client = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]

    def client(i):
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
            conn.connect()
            # Every client's connection is open before any asks anything.
            barrier.wait(timeout=60)
            for j in range(per_client[i]):
                path, want = pages[(i + j) % len(pages)]
                r, body = get(conn, path)
                check_body(path, r, body, want)
                counts[i] += 1
            conn.close()
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(f"client {i + 1}: {type(e).__name__}: {e}")
            try:
                barrier.abort()
            except threading.BrokenBarrierError:
                pass

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - started
    if errors or sum(counts) != requests:
        raise Failed(f"{sum(counts)} of {requests} requests answered; " + "; ".join(errors[:4]))
    return secs


def check_malformed(port):
    with socket.create_connection((HOST, port), timeout=20) as s:
        s.sendall(b"GARBAGE\x01 NOT HTTP\r\n\r\n")
        f = s.makefile("rb")
        status, _ = read_response(f)
        if status != 400:
            raise Failed(f"a malformed request got {status}, want 400")
        # Then the server closes the connection.
        if f.read(1) != b"":
            raise Failed("the connection stayed open after the 400")


def check_survives(port, pages, timeout, send):
    """The server must go on serving after `send` (given a UDP socket)
    sent datagrams that upset the driver or the queues: on a connection
    made before them too, and on new ones."""
    before = http.client.HTTPConnection(HOST, port, timeout=timeout)
    path, want = pages[0]
    r, body = get(before, path)
    check_body(path, r, body, want)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        send(u)
    r, body = get(before, path)
    check_body(path, r, body, want)
    before.close()
    check_pages(port, pages)


def check_garbled(port, udp_port, payload, pages):
    """Datagrams the driver turns into malformed frames for the client."""
    def send(u):
        for _ in range(9):
            u.sendto(payload.encode() + b" " * 64, (HOST, udp_port))
            time.sleep(0.05)
    check_survives(port, pages, 20, send)


def check_scribbled(port, udp_port, payload, pages):
    """A datagram on which the driver writes an impossible ring state (TCP
    sends again what the queues dropped when they were started over)."""
    def send(u):
        u.sendto(payload.encode(), (HOST, udp_port))
        time.sleep(0.2)
    check_survives(port, pages, 30, send)


def check_fault(port, udp_port, payload, pages, scribble=None):
    before = http.client.HTTPConnection(HOST, port, timeout=60)
    path, want = pages[0]
    r, body = get(before, path)
    check_body(path, r, body, want)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        if scribble:
            # The second impossible ring state of the driver's run: the
            # client waits for the driver's restart.
            u.sendto(scribble.encode(), (HOST, udp_port))
            time.sleep(0.5)
        u.sendto(payload.encode(), (HOST, udp_port))
    started = time.monotonic()
    while True:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            r, body = get(conn, path)
            conn.close()
            check_body(path, r, body, want)
            break
        except (OSError, http.client.HTTPException, Failed) as e:
            if time.monotonic() - started > 60:
                raise Failed(f"no answer within 60 s after the driver's fault: {e}")
            time.sleep(0.5)
    recovered = time.monotonic() - started
    # The connection made before the fault goes on (TCP resends what the
    # fault lost).
    r, body = get(before, path)
    check_body(path, r, body, want)
    before.close()
    return recovered


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--index", default=".")
    ap.add_argument("--static", action="append", default=[], metavar="PATH=FILE")
    ap.add_argument("--blob", action="append", default=[], metavar="PATH=N",
                    help="PATH answers N bytes, byte i being i %% 251")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--fault-udp", type=int)
    ap.add_argument("--fault-payload", default="")
    ap.add_argument("--garble-payload",
                    help="with --fault-udp: first send this, which the driver turns into"
                         " malformed frames")
    ap.add_argument("--scribble-payload",
                    help="with --fault-udp: then send this, on which the driver writes an"
                         " impossible ring state")
    opts = ap.parse_args()
    pages = [("/", opts.index)]
    for s in opts.static:
        path, _, file = s.partition("=")
        with open(os.path.join(ROOT, file), "rb") as f:
            pages.append((path, f.read()))
    for b in opts.blob:
        path, _, n = b.partition("=")
        pages.append((path, bytes(i % 251 for i in range(int(n)))))
    steps = [
        ("pages", lambda: check_pages(opts.port, pages) or f"{len(pages)} pages and a 404"),
        ("keep-alive", lambda: f"20 requests on one connection (from {check_keep_alive(opts.port, pages)[1]})"),
        ("pipelining", lambda: check_pipelining(opts.port, pages) or "2 requests in one write"),
        ("concurrent", lambda: f"{opts.requests} requests from {opts.clients} concurrent clients, all "
                               f"answered, in {check_concurrent(opts.port, pages, opts.clients, opts.requests):.1f} s"),
        ("malformed", lambda: check_malformed(opts.port) or "400, connection closed"),
        ("after", lambda: check_pages(opts.port, pages[:1]) or "still serving"),
    ]
    if opts.fault_udp and opts.garble_payload:
        steps.append(("malformed frames", lambda: check_garbled(
            opts.port, opts.fault_udp, opts.garble_payload, pages) or "9 to the server, still serving"))
    if opts.fault_udp and opts.scribble_payload:
        steps.append(("impossible ring state", lambda: check_scribbled(
            opts.port, opts.fault_udp, opts.scribble_payload, pages) or "the queues started over, still serving"))
    if opts.fault_udp:
        steps.append(("driver fault", lambda: "answering again "
                      f"{check_fault(opts.port, opts.fault_udp, opts.fault_payload, pages, opts.scribble_payload):.1f} s after "
                      "it, and on the connection opened before"))
    for name, step in steps:
        try:
            print(f"http_check: {name}: {step()}", flush=True)
        except (Failed, OSError, http.client.HTTPException) as e:
            print(f"http_check: {name}: FAILED: {type(e).__name__}: {e}", flush=True)
            sys.exit(1)


if __name__ == "__main__":
    main()
