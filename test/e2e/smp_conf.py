"""The recorded Zephyr replies replayed against the real extxip-sim (issue 29).

  smp_conf.py VECFILE PTY

VECFILE is one of test/vectors/zephyr/*.txt recorded from a Zephyr 4.4.0
server over serial (README.md there); SERVER, the file's name without .txt,
picks the rows of the allow-list differences.txt beside it (a row's server
is a file name, its prefix, or "*"). Each request is sent to extxip-sim over
its serial PTY and our reply is compared with Zephyr's as
test/unit/zephyr_conf does through the library: the header (op, version,
group, sequence, command id), the body's keys and value types (recursively;
taskstat's tasks by their entries' shape) and the error codes; a deliberate
difference must be the one its row states. Where zephyr_conf drives the
server library on a test rig, this drives the whole simulator: its serial
transport, its services (file system at /lfs1, settings roots, shell, RTC)
and its flash. Exit 1 on any other difference.
"""
import os
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, HERE)
from smpwire import dec  # noqa: E402
from recovery_conf import codes, exchange, header_same, longest_prefix, shape  # noqa: E402


def load_rows(path, server):
    rows = {}
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if line.startswith("#") or len(f) != 6 or f[0] == "mcuboot_serial_recovery":
            continue
        if f[0] == "*" or server.startswith(f[0]):
            strip = lambda x: [] if x == "-" else x.split(";")  # noqa: E731
            rows[f[1]] = (f[2], strip(f[3]), strip(f[4]), f[5])
    return rows


def is_error(b):
    return codes(b) != (0, None, None)


def main():
    vec, pty = sys.argv[1], sys.argv[2]
    server = os.path.basename(vec)[:-4]
    rows = load_rows(os.path.join(os.path.dirname(os.path.abspath(vec)), "differences.txt"), server)
    bad = same = 0
    seen = {}
    lines = exchange(vec, pty)
    for name, theirs, ours in lines:
        if ours is None or theirs is None:
            if ours is None and theirs is None:
                same += 1
                continue
            print("%s: a reply missing (Zephyr %s, ours %s)" % (name, theirs is not None, ours is not None))
            bad += 1
            continue
        hdr_ok = header_same(theirs, ours)
        bz, bo = dec(theirs, 8)[0], dec(ours, 8)[0]
        sz, so = shape(bz), shape(bo)
        key = longest_prefix(rows, name)
        if key is None:
            ok = hdr_ok and sz == so and codes(bz) == codes(bo)
            same += ok
        else:
            kind, strip_ours, strip_zephyr, why = rows[key]
            seen[key] = why
            if kind == "zephyr_enotsup":
                ok = hdr_ok and bz.get("rc") == 8 and bo.get("rc") != 8
            elif kind == "we_accept":
                ok = hdr_ok and is_error(bz) and not is_error(bo)
            elif kind == "we_refuse":
                ok = hdr_ok and not is_error(bz) and is_error(bo)
            elif kind == "we_refuse_einval":
                ok = hdr_ok and not is_error(bz) and bo.get("rc") == 3
            elif kind == "refuse_einval":
                ok = hdr_ok and is_error(bz) and bo.get("rc") == 3 and "err" not in bo and bz.get("rc") != 3
            elif kind == "err_code":
                ok = hdr_ok and is_error(bz) and is_error(bo) and sz == so
            elif kind == "shape_strip":
                ok = hdr_ok and codes(bz) == codes(bo) and sz != so
                for t in strip_ours:
                    so = so.replace(t, "")
                for t in strip_zephyr:
                    sz = sz.replace(t, "")
                ok = ok and sz == so
            else:
                ok = False
        if not ok:
            bad += 1
            print("%s: differs from Zephyr's reply\n  Zephyr: %r\n  ours:   %r" % (name, bz, bo))
    print("%s: %d requests: %d answered as Zephyr (keys, types, error codes), %d deliberate "
          "differences, %d other:" % (server, len(lines), same, len(lines) - same - bad, bad))
    for k, why in seen.items():
        print("  - %s*: %s" % (k, why))
    if len(lines) < 20:
        print("too few vectors")
        bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
