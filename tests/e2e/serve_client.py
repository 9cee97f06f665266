"""Clients of the serve_*.sh tests (Python standard library only).

  feed URL TOKEN AFTER COUNT [LAST_EVENT_ID]
      reads COUNT events of /v1/feed, prints "SEQ<TAB>LINE" for each
  burst URL TOKEN FILE
      sends every line of FILE as its own request, all at once (threads
      released together), prints "INDEX STATUS" per line, in FILE order
  slow URL TOKEN
      opens a request and sends one byte of its body; while it waits,
      another client's POST must get its 201
  post URLFILE TOKEN CLIENTS ACKS STOPFILE
      CLIENTS keep-alive clients post one event a request until STOPFILE
      exists; an event is resent (same id) until acknowledged; each
      acknowledged id is appended to ACKS at once, with the URL that
      acknowledged it.  The server's URL is
      read again from URLFILE after every failure (it restarts on a new port).
"""
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse
import uuid

CASE = "case:c1a5e000-0000-4000-8000-00000000000b"


def conn_of(url, timeout=60):
    u = urllib.parse.urlsplit(url)
    if u.scheme == "https":
        import ssl
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection(u.hostname, u.port, timeout=timeout, context=ctx)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)


def feed(url, token, after, count, last=None):
    c = conn_of(url)
    headers = {"Authorization": "Bearer " + token}
    if last:
        headers["Last-Event-ID"] = last
    c.request("GET", "/v1/feed?after=%s" % after, headers=headers)
    r = c.getresponse()
    assert r.status == 200, r.status
    assert r.getheader("Content-Type").startswith("text/event-stream")
    got, seq = 0, None
    while got < count:
        line = r.readline().decode()
        if line == "":
            raise SystemExit("feed ended early")
        line = line.rstrip("\n")
        if line.startswith("id: "):
            seq = line[4:]
        elif line.startswith("data: "):
            print("%s\t%s" % (seq, line[6:]), flush=True)
            got += 1
    c.close()


def burst(url, token, path):
    lines = [l.rstrip("\n") for l in open(path) if l.strip()]
    out = [None] * len(lines)
    go = threading.Barrier(len(lines))

    def one(i):
        c = conn_of(url)
        c.connect()
        go.wait()
        c.request("POST", "/v1/events", body=lines[i].encode(),
                  headers={"Authorization": "Bearer " + token,
                           "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        out[i] = r.status
        c.close()

    ts = [threading.Thread(target=one, args=(i,)) for i in range(len(lines))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for i, s in enumerate(out):
        print(i, s)


def slow(url, token):
    import socket
    u = urllib.parse.urlsplit(url)
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(b"POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode()
              + b"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
    c = conn_of(url)
    c.request("POST", "/v1/events", body=json.dumps(
        {"type": "room.opened", "stream": "room:slow", "occurred": "2025-04-01",
         "data": {"name": "x"}}).encode(),
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    assert r.status == 201, r.status
    s.close()


def post(urlfile, token, clients, acks, stopfile):
    lock = threading.Lock()
    ackf = open(acks, "a")

    def url():
        while True:
            try:
                u = open(urlfile).read().strip()
                if u:
                    return u
            except OSError:
                pass
            time.sleep(0.05)

    def client(k):
        c, ev = None, None
        while not os.path.exists(stopfile):
            if ev is None:
                ev = {"id": str(uuid.uuid4()), "type": "room.visited", "stream": CASE,
                      "occurred": "2025-09-01", "data": {"room": "kokinu"}}
            try:
                if c is None:
                    at = url()
                    c = conn_of(at, timeout=10)
                c.request("POST", "/v1/events", body=json.dumps(ev).encode(),
                          headers={"Authorization": "Bearer " + token,
                                   "Content-Type": "application/json"})
                r = c.getresponse()
                body = r.read()
                if r.status in (200, 201):
                    with lock:
                        ackf.write("%s %s\n" % (ev["id"], at))
                        ackf.flush()
                    ev = None
                elif r.status != 503:
                    raise SystemExit("unexpected %d: %s" % (r.status, body))
            except (OSError, http.client.HTTPException):
                if c is not None:
                    c.close()
                c = None
                time.sleep(0.02)

    ts = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "feed":
        feed(args[0], args[1], args[2], int(args[3]), args[4] if len(args) > 4 else None)
    elif cmd == "burst":
        burst(*args)
    elif cmd == "slow":
        slow(args[0], args[1])
    elif cmd == "post":
        post(args[0], args[1], int(args[2]), args[3], args[4])
    else:
        raise SystemExit("unknown command " + cmd)
