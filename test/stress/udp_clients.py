#!/usr/bin/env python3
"""Many clients at once against a real extxip-sim over UDP (stdlib only).

8 clients, each with its own socket, send echo and image-state reads while
one more client uploads img1 v2.0.0 to image 1. Checked:
  - every request is answered (no timeout), each reply carries the request's
    own group/id/seq and, for echo, the client's own payload (a reply that
    went to the wrong client or answers another request fails the run);
  - a second uploader, starting while the first is active, gets rc 10 (EBUSY);
  - the upload completes, the device lists the image in image 1's secondary
    with imgtool's digest, and extxip-mcumgr `image list` shows the same.
Prints requests, seconds and requests/s."""
import argparse, hashlib, os, shutil, socket, struct, subprocess, sys, threading, time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from smpwire import dec, enc, pkt  # noqa: E402

class Client:
    def __init__(self, port, timeout=30.0):  # a lost request only: replies take milliseconds
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.settimeout(timeout)
        self.addr = ("127.0.0.1", port)
        self.seq = int.from_bytes(os.urandom(1), "big")
        self.sent = 0
        self.errors = []

    def request(self, op, group, cid, body):
        self.seq = (self.seq + 1) & 0xff
        p = pkt(op, group, cid, enc(body), self.seq)
        self.s.sendto(p, self.addr)
        self.sent += 1
        try:
            data, src = self.s.recvfrom(4096)
        except socket.timeout:
            self.errors.append("no reply to seq %d (group %d id %d)" % (self.seq, group, cid))
            return None
        if src != self.addr:
            self.errors.append("reply from %r" % (src,))
            return None
        h = struct.unpack(">BBHHBB", data[:8])
        if h[0] & 7 != op + 1 or h[3] != group or h[4] != self.seq or h[5] != cid or h[2] != len(data) - 8:
            self.errors.append("reply header %r does not answer seq %d group %d id %d" % (h, self.seq, group, cid))
            return None
        body, end = dec(data, 8)
        if end != len(data) or not isinstance(body, dict):
            self.errors.append("reply body is not one map")
            return None
        return body

def reader(cl, ident, rounds, upload_done):
    # at least `rounds` rounds, and on until the upload has finished, so
    # every chunk of the upload meets traffic from all clients
    n = 0
    while n < rounds or not upload_done.is_set():
        text = "client%d-%d-%s" % (ident, n, "x" * (n % 50))
        r = cl.request(2, 0, 0, {"d": text})
        if r is not None and r.get("r") != text:
            cl.errors.append("echo of %r answered %r" % (text, r))
        r = cl.request(0, 1, 0, {})
        if r is not None and not isinstance(r.get("images"), list):
            cl.errors.append("state read without images: %r" % r)
        n += 1
        if n > 100000:
            break

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", required=True); ap.add_argument("--mcumgr", required=True)
    ap.add_argument("--vectors", required=True); ap.add_argument("--work", required=True)
    ap.add_argument("--clients", type=int, default=8); ap.add_argument("--rounds", type=int, default=150)
    a = ap.parse_args()
    img = lambda n: os.path.join(a.vectors, "images", n)
    shutil.rmtree(a.work, ignore_errors=True)  # fresh flash: no earlier upload to match
    os.makedirs(a.work)
    for i in range(3):
        subprocess.run([a.sim, "program", "--flash-dir", a.work, str(i), img("img%d-v1.0.0.signed.bin" % i)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]; s.close()
    log = open(os.path.join(a.work, "sim.log"), "w")
    sim = subprocess.Popen([a.sim, "run", "--flash-dir", a.work, "--udp", "127.0.0.1:%d" % port,
                            "--key", os.path.join(a.vectors, "images", "keys", "mcuboot-dev-ec-p256.pem")],
                           stdout=log, stderr=subprocess.STDOUT)
    fails = []
    try:
        probe = Client(port, timeout=0.5)
        end = time.monotonic() + 300  # until the device answers; a hang bound only
        while time.monotonic() < end and sim.poll() is None:
            if probe.request(2, 0, 0, {"d": "up"}) is not None:
                probe.s.settimeout(30.0)
                break
            time.sleep(0.1)
        else:
            print(open(os.path.join(a.work, "sim.log")).read()); raise SystemExit("device did not come up")
        fw = open(img("img1-v2.0.0.signed.bin"), "rb").read()
        sha = hashlib.sha256(fw).digest()
        txt = open(img("verify-ec-p256.txt")).read()
        j = txt.index("Image digest: ", txt.index("== img1-v2.0.0.signed.bin")) + 14
        digest = bytes.fromhex(txt[j:j + 64])

        upload_done = threading.Event()
        clients = [Client(port) for _ in range(a.clients)]
        threads = [threading.Thread(target=reader, args=(c, i, a.rounds, upload_done))
                   for i, c in enumerate(clients)]
        up, second = Client(port), Client(port)
        t0 = time.monotonic()
        for t in threads: t.start()
        off, busy_seen, chunk = 0, None, 256
        while off < len(fw):
            body = {"off": off, "data": fw[off:off + chunk]}
            if off == 0:
                body.update({"image": 1, "len": len(fw), "sha": sha})
            r = up.request(2, 1, 1, body)
            if r is None or "off" not in r:
                fails.append("upload chunk at %d: %r" % (off, r)); break
            off = r["off"]
            if busy_seen is None and off > 0:
                # a second uploader while the first is active
                r2 = second.request(2, 1, 1, {"image": 2, "len": 1000, "off": 0, "sha": sha,
                                              "data": fw[:512]})
                busy_seen = r2
        upload_done.set()
        t_up = time.monotonic() - t0
        for t in threads: t.join()
        t1 = time.monotonic()
        if busy_seen is None or busy_seen.get("rc") != 10:
            fails.append("second uploader got %r, want rc 10 (EBUSY)" % (busy_seen,))
        st = probe.request(0, 1, 0, {})
        listed = [x for x in (st or {}).get("images", []) if x.get("image") == 1 and x.get("slot") == 1]
        if not listed or listed[0].get("hash") != digest or listed[0].get("version") != "2.0.0":
            fails.append("image 1 secondary after upload: %r" % (listed,))
        out = subprocess.run([a.mcumgr, "--conntype", "udp", "--connstring", "127.0.0.1:%d" % port,
                              "image", "list"], capture_output=True, text=True)
        if out.returncode != 0 or digest.hex() not in out.stdout:
            fails.append("extxip-mcumgr image list does not show the upload: %s" % out.stdout[-400:])
        total = sum(c.sent for c in clients) + up.sent + second.sent
        for i, c in enumerate(clients + [up, second]):
            for e in c.errors[:5]:
                fails.append("client %d: %s" % (i, e))
        dt = t1 - t0
        print("stress_udp: %d clients + 1 uploader + 1 busy uploader: %d requests in %.2f s = %.0f req/s; "
              "upload %d bytes in %d chunks, %.2f s" % (a.clients, total, dt, total / dt, len(fw),
                                                         up.sent, t_up))
    finally:
        sim.terminate()
        try:
            sim.wait(10)
        except subprocess.TimeoutExpired:
            sim.kill()
        log.close()
    simlog = open(os.path.join(a.work, "sim.log")).read()
    if "Sanitizer" in simlog or "runtime error" in simlog:
        fails.append("sanitizer report in the simulator log:\n" + simlog[-2000:])
    for f in fails:
        print("FAIL:", f)
    print("stress_udp: %s" % ("ok" if not fails else "%d failures" % len(fails)))
    sys.exit(1 if fails else 0)

main()
