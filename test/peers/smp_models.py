#!/usr/bin/env python3
"""Every reply of every command we serve, checked against the response
models of smp (JPHutchins/smp, the message layer of smpclient and smpmgr)
under real pydantic 2: the models forbid extra keys, so a reply with a key
Zephyr never sends fails here as it fails in those clients.

  smp_models.py UDP_PORT IMAGES_DIR
IMAGES_DIR holds img0/img1/img2-v2.0.0.bin (scripts/provision). Requests go
over UDP with test/support/smpwire.py; the reply bytes are handed to smp's
`Response.loads`. Exit 0 all valid, 1 some reply rejected, 77 smp or
pydantic 2 not importable (the caller SKIPs).
"""
import hashlib
import os
import socket
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from smpwire import dec, enc, pkt  # noqa: E402

try:
    import pydantic
    if int(pydantic.VERSION.split(".")[0]) < 2:
        raise ImportError("pydantic %s" % pydantic.VERSION)
    import smp.error as E
    import smp.image_management as I
    import smp.os_management as O
except ImportError as e:
    print("SKIP: smp with pydantic 2 not importable: %s" % e)
    sys.exit(77)

RD, WR = 0, 2
# (group, id, op) -> success model
OK = {
    (0, 0, WR): O.EchoWriteResponse, (0, 2, RD): O.TaskStatisticsReadResponse,
    (0, 4, RD): O.DateTimeReadResponse, (0, 4, WR): O.DateTimeWriteResponse,
    (0, 5, WR): O.ResetWriteResponse, (0, 6, RD): O.MCUMgrParametersReadResponse,
    (0, 7, RD): O.OSApplicationInfoReadResponse, (0, 8, RD): O.BootloaderInformationReadResponse,
    (1, 0, RD): I.ImageStatesReadResponse, (1, 0, WR): I.ImageStatesWriteResponse,
    (1, 1, WR): I.ImageUploadWriteResponse, (1, 5, WR): I.ImageEraseResponse,
}
ERR = {0: (O.OSManagementErrorV1, O.OSManagementErrorV2),
       1: (I.ImageManagementErrorV1, I.ImageManagementErrorV2)}
# smp 3.3.2's own gaps, where Zephyr 4.4.0's reply is rejected just as ours
# (test/vectors/zephyr has Zephyr's): not counted as our failures.
PEER_BUGS = {
    "taskstat": "smp's TaskStatistics requires stksize/cswcnt/runtime/last_checkin/next_checkin, "
                "which Zephyr 4.4.0 does not send (it sends stksiz, stkuse)",
    "bootloader_mode": "smp's BootloaderInformationReadResponse has no shape for query=mode",
}
PEER_BUGS["taskstat_v1"] = PEER_BUGS["taskstat"]
# smp 3.3.2's ImageUploadWriteResponse forbids extra keys and has no "rsn";
# Zephyr 4.4.0's verbose errors send one on these v1 refusals: its recorded
# replies {"rc": 3, "rsn": "header malformed"} (test/vectors/zephyr,
# qemu_cortex_m0_serial.txt img_upload_no_len_v1 / img_upload_bad_image_v1)
# fail the same model.
PEER_BUGS["upload_no_len_v1"] = ("smp's ImageUploadWriteResponse has no \"rsn\", which Zephyr "
                                 "4.4.0's verbose v1 errors send (recorded: rc 3, header malformed)")
PEER_BUGS["upload_image7_v1"] = PEER_BUGS["upload_no_len_v1"]


class Link:
    def __init__(self, port):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.settimeout(30)  # a hung device only: replies take milliseconds
        self.a = ("127.0.0.1", port)
        self.seq = 0

    def q(self, op, group, cid, body, ver=1):
        self.seq = (self.seq + 1) & 0xFF
        p = pkt(op, group, cid, enc(body), seq=self.seq, ver=ver)
        self.s.sendto(p, self.a)
        while True:
            r = self.s.recv(65536)
            if r[6] == self.seq:
                return r


fails = 0
checked = 0


def check(link, name, op, group, cid, body, ver=1):
    global fails, checked
    r = link.q(op, group, cid, body, ver)
    d = dec(r[8:])[0]
    if "err" in d:
        cls = ERR[group][1]
    elif d.get("rc", 0) != 0 and not (group == 1 and cid == 1):
        cls = ERR[group][0]
    else:
        cls = OK.get((group, cid, op))
    if cls is None:
        print("note: %s: smp has no model for group %d id %d (reply %r)" % (name, group, cid, d))
        return d
    checked += 1
    try:
        cls.loads(r)
        print("ok: %s -> %s" % (name, cls.__name__))
    except Exception as e:  # pydantic.ValidationError and smp's own
        msg = str(e).replace("\n", " | ")[:300]
        if name in PEER_BUGS:
            print("peer bug (Zephyr fails too): %s: %s" % (name, PEER_BUGS[name]))
        else:
            fails += 1
            print("FAIL: %s: %s rejects %r: %s" % (name, cls.__name__, d, msg))
    return d


def upload(link, image, data, name):
    sha = hashlib.sha256(data).digest()
    off = 0
    first = True
    while off < len(data):
        body = {"image": image, "off": off, "data": data[off:off + 1024]}
        if first:
            body.update({"len": len(data), "sha": sha})
        d = check(link, name if first else name + "_next", WR, 1, 1, body)
        if "off" not in d:
            return d
        off = d["off"]
        first = False
    return d


def main():
    link = Link(int(sys.argv[1]))
    imgs = sys.argv[2]
    simlog = sys.argv[3] if len(sys.argv) > 3 else None
    h = bytes(range(32))
    for ver in (1, 0):
        v = "" if ver == 1 else "_v1"
        check(link, "echo" + v, WR, 0, 0, {"d": "hi"}, ver)
        check(link, "echo_wrong_type" + v, WR, 0, 0, {"d": 5}, ver)
        check(link, "taskstat" + v, RD, 0, 2, {}, ver)
        check(link, "datetime_set" + v, WR, 0, 4, {"datetime": "2025-01-02T03:04:05"}, ver)
        check(link, "datetime_get" + v, RD, 0, 4, {}, ver)
        check(link, "datetime_bad" + v, WR, 0, 4, {"datetime": "yesterday"}, ver)
        check(link, "params" + v, RD, 0, 6, {}, ver)
        check(link, "info" + v, RD, 0, 7, {"format": "a"}, ver)
        check(link, "info_bad" + v, RD, 0, 7, {"format": "q"}, ver)
        check(link, "bootloader" + v, RD, 0, 8, {}, ver)
        check(link, "bootloader_bad_query" + v, RD, 0, 8, {"query": "nope"}, ver)
        check(link, "state_read" + v, RD, 1, 0, {}, ver)
        check(link, "state_test_unknown" + v, WR, 1, 0, {"hash": h, "confirm": False}, ver)
        check(link, "state_wrong_type" + v, WR, 1, 0, {"hash": "abc"}, ver)
        check(link, "upload_image7" + v, WR, 1, 1,
              {"image": 7, "len": 1000, "off": 0, "data": b"\0" * 16, "sha": h}, ver)
        check(link, "upload_no_len" + v, WR, 1, 1, {"image": 0, "off": 0, "data": b"\0" * 16}, ver)
        check(link, "erase_slot9" + v, WR, 1, 5, {"slot": 9}, ver)
    check(link, "bootloader_mode", RD, 0, 8, {"query": "mode"})
    # the sample's flow: v2 of images 0 and 2 (the linked pair) and 1
    files = {n: open(os.path.join(imgs, "img%d-v2.0.0.bin" % n), "rb").read() for n in (0, 1, 2)}
    for n in (0, 2, 1):
        upload(link, n, files[n], "upload_img%d" % n)
    d = check(link, "state_read_uploaded", RD, 1, 0, {})
    # the image hash (SHA-256 TLV) of each uploaded image, as image list shows it
    hashes = {e.get("image"): e.get("hash") for e in d.get("images", []) if e.get("slot") == 1}
    for n in (0, 2, 1):
        check(link, "state_test_img%d" % n, WR, 1, 0, {"hash": hashes.get(n, b""), "confirm": False})
    check(link, "state_read_pending", RD, 1, 0, {})
    # Back after the reset once the device has powered on again (its log's next
    # "power on" line: until then the old run may still answer) and answers.
    # The bounds only end a hung run.
    import time
    powered = lambda: open(simlog).read().count("*** power on (boot ") if simlog else 0
    before = powered()
    check(link, "reset", WR, 0, 5, {})
    end = time.monotonic() + 300
    while simlog and powered() <= before and time.monotonic() < end:
        time.sleep(0.05)
    while time.monotonic() < end:
        try:
            link.s.settimeout(0.5)
            link.q(WR, 0, 0, {"d": "up"})
            break
        except socket.timeout:
            pass
    link.s.settimeout(30)
    d = check(link, "state_read_after_reset", RD, 1, 0, {})
    vers = sorted((e.get("image"), e.get("version")) for e in d.get("images", []) if e.get("slot") == 0)
    if vers != [(0, "2.0.0"), (1, "2.0.0"), (2, "2.0.0")]:
        global fails
        fails += 1
        print("FAIL: after the reset the primaries are %r, want v2 of 0, 1, 2" % vers)
    check(link, "state_confirm", WR, 1, 0, {"confirm": True})
    check(link, "upload_same_again", WR, 1, 1,
          {"image": 1, "len": len(files[1]), "off": 0, "data": files[1][:512],
           "sha": hashlib.sha256(files[1]).digest()})
    check(link, "erase", WR, 1, 5, {"slot": 1})
    print("%d replies checked against smp's models (pydantic %s), %d rejected"
          % (checked, pydantic.VERSION, fails))
    sys.exit(1 if fails else 0)


main()
