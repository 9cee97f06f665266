#!/usr/bin/env python3
"""Recompute the hash chain of an oyako export with the Python standard library.

usage: verify-export.py [EXPORT.jsonl]   (stdin when no file)

For an auditor who trusts neither oyako nor its journal: it re-encodes every
exported event as specs/storage.md defines, chains BLAKE2b-256 hashes, and
checks each line's "hash".  Prints "verified N events, head hash H" and exits
0, or names the first bad line and exits 5.  Needs nothing but python3.
"""
import hashlib
import json
import sys


def mp_uint(v):
    if v < 0:
        return mp_int(v)
    if v <= 0x7F:
        return bytes([v])
    if v <= 0xFF:
        return b"\xcc" + v.to_bytes(1, "big")
    if v <= 0xFFFF:
        return b"\xcd" + v.to_bytes(2, "big")
    if v <= 0xFFFFFFFF:
        return b"\xce" + v.to_bytes(4, "big")
    return b"\xcf" + v.to_bytes(8, "big")


def mp_int(v):
    if v >= 0:
        return mp_uint(v)
    if v >= -32:
        return (v & 0xFF).to_bytes(1, "big")
    if v >= -128:
        return b"\xd0" + v.to_bytes(1, "big", signed=True)
    if v >= -32768:
        return b"\xd1" + v.to_bytes(2, "big", signed=True)
    if v >= -(2**31):
        return b"\xd2" + v.to_bytes(4, "big", signed=True)
    return b"\xd3" + v.to_bytes(8, "big", signed=True)


def mp_str(s):
    b = s.encode("utf-8")
    n = len(b)
    if n <= 31:
        head = bytes([0xA0 | n])
    elif n <= 0xFF:
        head = b"\xd9" + n.to_bytes(1, "big")
    elif n <= 0xFFFF:
        head = b"\xda" + n.to_bytes(2, "big")
    else:
        head = b"\xdb" + n.to_bytes(4, "big")
    return head + b


def mp_count(n, fix, c16):
    if n <= 15:
        return bytes([fix | n])
    if n <= 0xFFFF:
        return bytes([c16]) + n.to_bytes(2, "big")
    return bytes([c16 + 1]) + n.to_bytes(4, "big")


def mp_value(v):
    if v is None:
        return b"\xc0"
    if v is True:
        return b"\xc3"
    if v is False:
        return b"\xc2"
    if isinstance(v, int):
        return mp_int(v)
    if isinstance(v, str):
        return mp_str(v)
    if isinstance(v, list):
        return mp_count(len(v), 0x90, 0xDC) + b"".join(mp_value(x) for x in v)
    if isinstance(v, dict):
        # Canonical: keys sorted by their UTF-8 bytes.
        items = sorted(v.items(), key=lambda kv: kv[0].encode("utf-8"))
        return mp_count(len(items), 0x80, 0xDE) + b"".join(
            mp_str(k) + mp_value(x) for k, x in items)
    raise ValueError("value of a type the journal never stores: %r" % (v,))


def body(ev):
    """The hashed body: a MessagePack array of 10 (specs/storage.md)."""
    return (b"\x9a" + mp_uint(1) + mp_uint(ev["seq"]) +
            b"\xc4\x10" + bytes.fromhex(ev["id"].replace("-", "")) +
            mp_str(ev["type"]) + mp_str(ev["stream"]) + mp_uint(ev["version"]) +
            mp_str(ev["occurred"]) + mp_str(ev["recorded"]) + mp_str(ev["actor"]) +
            mp_value(ev["data"]))


def main():
    src = open(sys.argv[1], encoding="utf-8") if len(sys.argv) > 1 else sys.stdin
    prev = bytes(32)
    n = 0
    for lineno, line in enumerate(src, 1):
        if not line.strip():
            continue
        ev = json.loads(line)
        n += 1
        if ev["seq"] != n:
            print("line %d: seq %d, expected %d" % (lineno, ev["seq"], n), file=sys.stderr)
            return 5
        h = hashlib.blake2b(prev + body(ev), digest_size=32).digest()
        if h.hex() != ev["hash"]:
            print("line %d (seq %d): hash does not match" % (lineno, n), file=sys.stderr)
            return 5
        prev = h
    print("verified %d events, head hash %s" % (n, prev.hex()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
