"""Our bootloader's serial recovery against MCUboot's own (issue 29).

  recovery_conf.py VECFILE PTY

VECFILE (test/vectors/zephyr/mcuboot_serial_recovery.txt) holds requests
sent to MCUboot's serial recovery and what it answered (README.md there);
each request is sent to extxip-sim's recovery over its PTY and our answer is
compared with MCUboot's: the header (op, version, group, sequence, command
id), the keys and value types of the body, and the error codes, except where
the allow-list test/vectors/zephyr/differences.txt says we differ on purpose and why; each such difference is
checked to be the stated one. Values are not compared (another device).
Prints every deliberate difference met; exit 1 on any other difference.
"""
import os
import sys
import termios
import tty

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from smpwire import dec, frame, read_frame  # noqa: E402

def load_diffs(path):
    """name prefix -> (kind, why): the mcuboot_serial_recovery rows of the
    allow-list test/vectors/zephyr/differences.txt (format there). Kinds:
    "serve" (MCUboot rc 8, we serve it), "strip:K" (MCUboot adds key K, we do
    not), "v2err" (MCUboot rc 3 in a v2 reply, we a v2 group error),
    "content" (same keys, the device's own list), "err_code" (both refuse,
    other codes), "we_refuse" (MCUboot
    serves, we refuse), "we_accept" (MCUboot refuses, we serve)."""
    out = {}
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if line.startswith("#") or len(f) != 6 or f[0] != "mcuboot_serial_recovery":
            continue
        out[f[1]] = (f[2], f[5])
    return out


# The wait for a reply the real server gave: ends on the reply, its bound only
# ends a hung run. Where the real server gave none, ours is listened for
# during NO_REPLY_S (a negative check needs a window).
HANG = float(os.environ.get("EXTXIP_TEST_HANG", "300"))
NO_REPLY_S = 3.0


def shape(v, dyn=False):
    """Keys and types, as test/unit/zephyr_conf's shape(): maps by sorted
    "key:shape" items, arrays by their distinct element shapes; a map keyed
    by names (taskstat's "tasks", dyn) by its distinct entries' shapes."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, str):
        return "str"
    if isinstance(v, bytes):
        return "bytes"
    if isinstance(v, list):
        return "[" + "|".join(sorted(set(shape(x) for x in v))) + "]"
    if isinstance(v, dict):
        if dyn:
            return "{" + ",".join(sorted(set("*:%s" % shape(x) for x in v.values()))) + "}"
        return "{" + ",".join(sorted("%s:%s" % (k, shape(x, k == "tasks")) for k, x in v.items())) + "}"
    return "other"


def exchange(vec, pty):
    """Send each request of VECFILE to the device on PTY, in order; returns
    [(name, theirs, ours)]: the recorded reply and ours (None: none)."""
    fd = os.open(pty, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    termios.tcflush(fd, termios.TCIFLUSH)
    out = []
    for name, req, rsp in (l.split() for l in open(vec) if l.strip() and not l.startswith("#")):
        theirs = bytes.fromhex(rsp.split(",")[0]) if rsp != "-" else None
        os.write(fd, frame(bytes.fromhex(req)))
        out.append((name, theirs, read_frame(fd, NO_REPLY_S if theirs is None else HANG)))
    os.close(fd)
    return out


def header_same(theirs, ours):
    """Op and version bits, group, sequence and command id alike."""
    return (theirs[0] & 0x1f) == (ours[0] & 0x1f) and theirs[4:8] == ours[4:8]


def longest_prefix(rows, name):
    """The allow-list key that names this request (the longest prefix), or None."""
    keys = [k for k in rows if name.startswith(k)]
    return max(keys, key=len) if keys else None


def codes(b):
    e = b.get("err") if isinstance(b.get("err"), dict) else {}
    return (b.get("rc", 0), e.get("group"), e.get("rc"))


def main():
    vec, pty = sys.argv[1], sys.argv[2]
    global DIFFS
    DIFFS = load_diffs(os.path.join(os.path.dirname(os.path.abspath(vec)), "differences.txt"))
    if not DIFFS:
        print("no allow-list rows for mcuboot_serial_recovery")
        sys.exit(1)
    doc = open(os.path.join(os.path.dirname(os.path.abspath(vec)), "..", "..", "..", "docs",
                            "compatibility.md")).read()
    undoc = [k for k in DIFFS if "`" + k not in doc]
    if undoc:
        print("docs/compatibility.md does not name: %s" % ", ".join(undoc))
        sys.exit(1)
    bad, same, seen = 0, 0, {}
    lines = exchange(vec, pty)
    for name, theirs, ours in lines:
        if ours is None or theirs is None:
            print("%s: a reply missing (MCUboot %s, ours %s)" % (name, theirs is not None, ours is not None))
            bad += 1
            continue
        ho = ours[:8]
        hdr_ok = header_same(theirs, ours)
        bz, bo = dec(theirs, 8)[0], dec(ours, 8)[0]
        key = longest_prefix(DIFFS, name)
        d = DIFFS[key] if key else None
        if d is None:
            ok = hdr_ok and shape(bz) == shape(bo) and codes(bz) == codes(bo)
            same += ok
        else:
            kind, why = d
            seen[name.rsplit("_", 1)[0]] = why
            if kind == "serve":
                ok = hdr_ok and bz == {"rc": 8} and "rc" not in bo and "err" not in bo
            elif kind.startswith("strip:"):
                k = kind[6:]
                ok = hdr_ok and bz.get(k) == 0 and k not in bo and \
                    shape({a: b for a, b in bz.items() if a != k}) == shape(bo)
            elif kind == "we_refuse":
                ok = hdr_ok and codes(bz) == (0, None, None) and codes(bo) != (0, None, None)
            elif kind == "we_accept":
                ok = hdr_ok and codes(bz) != (0, None, None) and codes(bo) == (0, None, None)
            elif kind == "err_code":
                ok = hdr_ok and codes(bz) != (0, None, None) and codes(bo) != (0, None, None) and \
                    codes(bz) != codes(bo)
            elif kind == "v2err":
                ok = hdr_ok and bz.get("rc") == 3 and (("err" in bo) if (ho[0] >> 3 & 3) == 1
                                                       else bo.get("rc") == 3)
            else:  # content
                ok = hdr_ok and set(bz) == set(bo) - {"splitStatus"} and bo.get("splitStatus") == 0
        if not ok:
            bad += 1
            print("%s: differs from MCUboot's recovery\n  MCUboot: %r\n  ours:    %r" % (name, bz, bo))
    print("%d requests: %d answered as MCUboot's recovery, %d deliberate differences:" %
          (len(lines), same, len(lines) - same - bad))
    for k, why in seen.items():
        print("  - %s*: %s" % (k, why))
    if len(lines) < 20:
        print("too few vectors")
        bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
