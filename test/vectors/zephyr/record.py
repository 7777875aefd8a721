"""Record the replies of real Zephyr / MCUboot SMP servers (issue 29).

  record.py FIXTURES TARGET OUT

Makes test/vectors/zephyr/mps2_an385_all_groups.txt (TARGET all_groups),
mcuboot_serial_recovery.txt (TARGET recovery) and native_sim_serial_fs.txt
(TARGET native_sim_fs, the native_sim build with the file group; a Linux
program, run in a fresh directory for its flash file) from the servers:
intercreate/smpclient's tests/fixtures/smp-server files, in the directory
FIXTURES (never part of this repository; see README.md here). Each section of
the corpus below is sent to a freshly booted server under qemu-system-arm
(mps2_an385, as the fixtures' manifest.json says, with -serial pty), each
request first as SMP v2 then as v1, and every reply written exactly as the
server framed it (deframed from its console base64 lines). Nothing in the
build or in CI runs this: it needs the fixtures and QEMU, and says so.

Requests are built with test/support/smpwire.py. Sequence numbers count from
1 in file order. A request that gets no reply in 3 s is written with "-".
"""
import os
import re
import subprocess
import sys
import termios
import time
import tty

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "support"))
from smpwire import enc, frame, pkt, read_frame  # noqa: E402

APP = "zephyr_4.4.0_smp_server_0eae053d_mps2_an385_serial_recovery_buf2048"
REC = "zephyr_f33aa2bc4a43_smp_server_27c54835_mps2_an385_serial_recovery"
RD, WR = 0, 2
OS, IMG, STAT, SET, FS, SHELL, ENUM, ZB = 0, 1, 2, 3, 8, 9, 10, 63


def m(**kw):
    return enc(kw)


IMG1 = open(os.path.join(HERE, "..", "images", "img1-v2.0.0.signed.bin"), "rb").read()

# name, op, group, command id, body bytes
BAD_MAP = enc([1, 2])          # a body that is an array, not a map
TRUNC = bytes.fromhex("a2646e616d65")  # a map of two that stops after a key

ALL_GROUPS = [
    # os and image groups on the all-groups build (MCUboot RAM-load)
    [("os_echo", WR, OS, 0, m(d="hello")),
     ("os_echo_empty", WR, OS, 0, m(d="")),
     ("os_echo_no_d", WR, OS, 0, m()),
     ("os_echo_wrong_type", WR, OS, 0, m(d=5)),
     ("os_taskstat", RD, OS, 2, m()),
     ("os_mpstat", RD, OS, 3, m()),
     ("os_datetime_get", RD, OS, 4, m()),
     ("os_params", RD, OS, 6, m()),
     ("os_info", RD, OS, 7, m()),
     ("os_info_all", RD, OS, 7, m(format="a")),
     ("os_info_sv", RD, OS, 7, m(format="sv")),
     ("os_info_bad_format", RD, OS, 7, m(format="q")),
     ("os_bootloader_info", RD, OS, 8, m()),
     ("os_unknown_cmd", RD, OS, 99, m()),
     ("os_body_not_map", WR, OS, 0, BAD_MAP),
     ("os_truncated_cbor", WR, OS, 0, TRUNC),
     ("unknown_group", RD, 0x55, 0, m()),
     ("img_state_read", RD, IMG, 0, m()),
     ("img_state_test_unknown_hash", WR, IMG, 0, m(hash=bytes(32), confirm=False)),
     ("img_slot_info", RD, IMG, 6, m()),
     ("img_upload_no_len", WR, IMG, 1, m(off=0, data=IMG1[:64])),
     ("img_upload_bad_image", WR, IMG, 1, m(image=7, off=0, len=len(IMG1), data=IMG1[:64])),
     ("img_erase", WR, IMG, 5, m(slot=1)),
     ("img_unknown_cmd", RD, IMG, 9, m())],
    [("stat_list", RD, STAT, 1, m()),
     ("stat_show", RD, STAT, 0, m(name="smp_svr_stats")),
     ("stat_show_unknown", RD, STAT, 0, m(name="nope")),
     ("stat_show_no_name", RD, STAT, 0, m()),
     ("stat_show_wrong_type", RD, STAT, 0, m(name=5)),
     ("stat_show_empty_name", RD, STAT, 0, m(name="")),
     ("stat_body_not_map", RD, STAT, 0, BAD_MAP),
     ("stat_truncated_cbor", RD, STAT, 0, TRUNC),
     ("stat_unknown_cmd", RD, STAT, 7, m())],
    [("settings_read_unknown_root", RD, SET, 0, m(name="foo/bar")),
     ("settings_write_unknown_root", WR, SET, 0, m(name="foo/bar", val=b"x")),
     ("settings_delete_unknown_root", WR, SET, 1, m(name="foo/bar")),
     ("settings_read_too_long", RD, SET, 0, m(name="k" * 300)),
     ("settings_read_empty_name", RD, SET, 0, m(name="")),
     ("settings_read_no_name", RD, SET, 0, m()),
     ("settings_write_no_val", WR, SET, 0, m(name="foo/bar")),
     ("settings_commit", WR, SET, 2, m()),
     ("settings_load", RD, SET, 3, m()),
     ("settings_save", WR, SET, 3, m()),
     ("settings_write_app_root", WR, SET, 0, m(name="app/greeting", val=b"hello")),
     ("settings_read_app_root", RD, SET, 0, m(name="app/greeting")),
     ("settings_read_max_size", RD, SET, 0, m(name="foo/bar", max_size=4)),
     ("settings_read_wrong_type", RD, SET, 0, m(name=7)),
     ("settings_write_wrong_val_type", WR, SET, 0, m(name="foo/bar", val="x")),
     ("settings_delete_no_name", WR, SET, 1, m()),
     ("settings_body_not_map", RD, SET, 0, BAD_MAP),
     ("settings_unknown_cmd", RD, SET, 9, m())],
    [("fs_upload_first", WR, FS, 0, m(off=0, name="/lfs1/a.txt", data=b"hello", len=5)),
     ("fs_status", RD, FS, 1, m(name="/lfs1/a.txt")),
     ("fs_download", RD, FS, 0, m(off=0, name="/lfs1/a.txt")),
     ("fs_hash_crc32", RD, FS, 2, m(name="/lfs1/a.txt")),
     ("fs_hash_sha256", RD, FS, 2, m(name="/lfs1/a.txt", type="sha256")),
     ("fs_types", RD, FS, 3, m()),
     ("fs_close", WR, FS, 4, m()),
     ("fs_status_missing", RD, FS, 1, m(name="/lfs1/nope")),
     ("fs_status_mount_point", RD, FS, 1, m(name="/lfs1")),
     ("fs_status_relative", RD, FS, 1, m(name="lfs1/a.txt"))],
    [("fs_status_outside", RD, FS, 1, m(name="/a.txt")),
     ("fs_upload_outside", WR, FS, 0, m(off=0, name="/a.txt", data=b"hello", len=5)),
     ("fs_download_outside", RD, FS, 0, m(off=0, name="/a.txt")),
     ("fs_hash_unknown_type", RD, FS, 2, m(name="/lfs1/a.txt", type="md5")),
     ("fs_upload_no_len", WR, FS, 0, m(off=0, name="/lfs1/b.txt", data=b"hello"))],
    [("fs_upload_two_first", WR, FS, 0, m(off=0, name="/lfs1/c.txt", data=b"01234", len=10)),
     ("fs_upload_two_next", WR, FS, 0, m(off=5, name="/lfs1/c.txt", data=b"56789")),
     ("fs_download_offset", RD, FS, 0, m(off=3, name="/lfs1/c.txt")),
     ("fs_download_past_end", RD, FS, 0, m(off=100, name="/lfs1/c.txt")),
     ("fs_download_missing", RD, FS, 0, m(off=0, name="/lfs1/nope")),
     ("fs_hash_missing", RD, FS, 2, m(name="/lfs1/nope")),
     ("fs_status_no_name", RD, FS, 1, m()),
     ("fs_download_no_name", RD, FS, 0, m(off=0)),
     ("fs_upload_no_data", WR, FS, 0, m(off=0, name="/lfs1/d.txt", len=5)),
     ("fs_body_not_map", RD, FS, 1, BAD_MAP),
     ("fs_unknown_cmd", RD, FS, 9, m())],
    [("shell_exec_unknown", WR, SHELL, 0, m(argv=["nosuchcmd"])),
     ("shell_exec_empty_argv", WR, SHELL, 0, m(argv=[])),
     ("shell_exec_no_argv", WR, SHELL, 0, m()),
     ("shell_exec_help", WR, SHELL, 0, m(argv=["help"])),
     ("shell_exec_argv_not_array", WR, SHELL, 0, m(argv="help")),
     ("shell_exec_argv_int", WR, SHELL, 0, m(argv=[5])),
     ("shell_read", RD, SHELL, 0, m(argv=["help"])),
     ("shell_unknown_cmd", WR, SHELL, 3, m()),
     ("enum_count", RD, ENUM, 0, m()),
     ("enum_list", RD, ENUM, 1, m()),
     ("enum_single", RD, ENUM, 2, m(index=0)),
     ("enum_single_past_end", RD, ENUM, 2, m(index=99)),
     ("enum_single_no_index", RD, ENUM, 2, m()),
     ("enum_single_wrong_type", RD, ENUM, 2, m(index="0")),
     ("enum_details", RD, ENUM, 3, m()),
     ("enum_details_some", RD, ENUM, 3, m(groups=[0, 63])),
     ("enum_details_unknown", RD, ENUM, 3, m(groups=[0x55])),
     ("enum_unknown_cmd", RD, ENUM, 9, m()),
     ("zbasic_storage_erase", WR, ZB, 0, m()),
     ("zbasic_storage_erase_read", RD, ZB, 0, m()),
     ("zbasic_unknown_cmd", WR, ZB, 5, m())],
]

# native_sim_serial_fs (groups os, stat, fs, enum; buf 1024; littlefs at
# /lfs1 on its simulated flash): the file group's sections, and the others
NATIVE_FS = [sec for sec in ALL_GROUPS if sec[0][0].startswith("fs_")] + [
    [("os_params", RD, OS, 6, m()),
     ("os_echo", WR, OS, 0, m(d="hello")),
     ("stat_list", RD, STAT, 1, m()),
     ("enum_count", RD, ENUM, 0, m()),
     ("enum_list", RD, ENUM, 1, m()),
     ("enum_single_past_end", RD, ENUM, 2, m(index=99)),
     ("settings_read_unknown_root", RD, SET, 0, m(name="foo/bar")),
     ("shell_exec_help", WR, SHELL, 0, m(argv=["help"]))]]

CHUNK = 256
RECOVERY = [
    [("rec_echo", WR, OS, 0, m(d="hello")),
     ("rec_state_read", RD, IMG, 0, m()),
     ("rec_params", RD, OS, 6, m()),
     ("rec_os_info", RD, OS, 7, m()),
     ("rec_bootloader_info", RD, OS, 8, m()),
     ("rec_taskstat", RD, OS, 2, m()),
     ("rec_unknown_group", RD, STAT, 0, m()),
     ("rec_unknown_os_cmd", RD, OS, 99, m()),
     ("rec_state_write", WR, IMG, 0, m(confirm=True)),
     ("rec_slot_info", RD, IMG, 6, m()),
     ("rec_erase", WR, IMG, 5, m()),
     ("rec_upload_no_len", WR, IMG, 1, m(off=0, data=b"x" * 16)),
     ("rec_upload_bad_off", WR, IMG, 1, m(off=64, data=b"x" * 16)),
     # the upload flow: first chunk (len), the next, a repeat at a wrong
     # offset, the list with a header in the slot, bad requests, reset last
     ("rec_upload_first", WR, IMG, 1, m(image=0, off=0, len=len(IMG1), data=IMG1[:CHUNK])),
     ("rec_upload_next", WR, IMG, 1, m(off=CHUNK, data=IMG1[CHUNK:2 * CHUNK])),
     ("rec_state_read_uploading", RD, IMG, 0, m()),
     ("rec_upload_wrong_off", WR, IMG, 1, m(off=CHUNK // 2, data=IMG1[CHUNK:2 * CHUNK])),
     ("rec_upload_no_data", WR, IMG, 1, m(off=2 * CHUNK)),
     ("rec_upload_bad_image", WR, IMG, 1, m(image=7, off=0, len=len(IMG1), data=IMG1[:CHUNK])),
     ("rec_upload_body_not_map", WR, IMG, 1, BAD_MAP),
     ("rec_echo_read", RD, OS, 0, m(d="x")),
     ("rec_state_read_op_write", RD, IMG, 1, m()),
     ("rec_reset", WR, OS, 5, m())],
]


NSFS = "zephyr_4.4.0_smp_server_0eae053d_native_sim_serial_fs.exe"


def boot(fx, target, log):
    if target == "native_sim_fs":  # a Linux program; its flash file in a fresh cwd
        import tempfile
        d = tempfile.mkdtemp(prefix="nsfs.")
        lf = open(log, "w")
        q = subprocess.Popen([os.path.join(os.path.abspath(fx), NSFS)], cwd=d, stdout=lf,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        for _ in range(100):
            mm = re.search(r"pseudotty: (/dev/pts/\d+)", open(log).read())
            if mm:
                fd = os.open(mm.group(1), os.O_RDWR | os.O_NOCTTY)
                tty.setraw(fd)
                return q, fd
            time.sleep(0.1)
        q.kill()
        raise SystemExit("native_sim gave no PTY")
    a = ["qemu-system-arm", "-cpu", "cortex-m3", "-machine", "mps2-an385", "-nographic",
         "-serial", "pty", "-serial", "null", "-monitor", "none"]
    if target == "recovery":
        a += ["-device", "loader,file=%s/%s.hex" % (fx, REC)]
    else:
        a += ["-device", "loader,file=%s/%s.hex" % (fx, APP),
              "-device", "loader,file=%s/%s.signed.bin,addr=0x20050000" % (fx, APP)]
    lf = open(log, "w")
    q = subprocess.Popen(a, stdout=lf, stderr=subprocess.STDOUT)
    for _ in range(100):
        t = open(log).read()
        mm = re.search(r"/dev/pts/\d+", t)
        if mm:
            fd = os.open(mm.group(0), os.O_RDWR | os.O_NOCTTY)
            tty.setraw(fd)
            return q, fd
        time.sleep(0.1)
    q.kill()
    raise SystemExit("QEMU gave no PTY")


def wait_up(fd):
    """Until the server answers params (a request outside the corpus, its
    reply discarded; seq 0)."""
    for _ in range(40):
        termios.tcflush(fd, termios.TCIFLUSH)
        os.write(fd, frame(pkt(RD, OS, 6, m(), seq=0)))
        if read_frame(fd, 1.0) is not None:
            time.sleep(0.3)
            termios.tcflush(fd, termios.TCIFLUSH)
            return
    raise SystemExit("server did not answer")


def main():
    fx, target, out = sys.argv[1:4]
    if not os.path.isdir(fx):
        raise SystemExit("no fixtures directory %s" % fx)
    corpus = {"all_groups": ALL_GROUPS, "recovery": RECOVERY, "native_sim_fs": NATIVE_FS}[target]
    seq, lines = 1, []
    for section in corpus:
        q, fd = boot(fx, target, out + ".qemu.log")
        try:
            wait_up(fd)
            for name, op, grp, cid, body in section:
                for ver, suf in ((1, "_v2"), (0, "_v1")):
                    req = pkt(op, grp, cid, body, seq=seq & 0xff, ver=ver)
                    seq += 1
                    os.write(fd, frame(req))
                    rsp = read_frame(fd, 3.0)
                    lines.append("%s%s %s %s" % (name, suf, req.hex(), rsp.hex() if rsp else "-"))
                    print(lines[-1][:150], flush=True)
                    if name.endswith("reset"):
                        break
        finally:
            os.close(fd)
            q.kill()
            q.wait()
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
