/*
 * The simulator's file system for the file group (port/posix/sim_fs.c)
 * through the SMP server: path-escape attempts. The confined directory holds
 * a symlink to a file outside it, a symlink to a directory outside it, a
 * FIFO and a real subdirectory; outside it sits a "secret" file. No request
 * may read, write, create or reveal anything outside the directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mgmt/fs_mgmt.h"
#include "sim_fs.h"
#include "smp/smp.h"
#include "testutil.h"

static char base[256], root[300], secret[300], outdir[300];
static sim_fs_t F;
static extxip_fs_mgmt_t FS;
static extxip_smp_server_t S;
static uint8_t RSP[SMP_BUF_SIZE];
static size_t RSPLEN;
static uint8_t seq;

static int out(void *arg, const uint8_t *pkt, size_t len)
{
    (void)arg;
    memcpy(RSP, pkt, len);
    RSPLEN = len;
    return 0;
}

/* Send {"name": name[, "off": off, "data": d[, "len": len]]} to (op, id);
 * return the v2 err rc or 0. len < 0: no "len" key. */
static int send_at(uint8_t op, uint8_t id, const char *name, const char *data, uint64_t off,
                   long long len)
{
    uint8_t pkt[1024];
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, pkt + 8, sizeof pkt - 8);
    extxip_cbor_enc_map(&e, data ? 3u + (len >= 0) : (id == 0 ? 2 : 1));
    if (data || id == 0) {
        extxip_cbor_enc_tstr_z(&e, "off");
        extxip_cbor_enc_uint(&e, off);
    }
    if (data) {
        if (len >= 0) {
            extxip_cbor_enc_tstr_z(&e, "len");
            extxip_cbor_enc_uint(&e, (uint64_t)len);
        }
        extxip_cbor_enc_tstr_z(&e, "data");
        extxip_cbor_enc_bstr(&e, data, strlen(data));
    }
    extxip_cbor_enc_tstr_z(&e, "name");
    extxip_cbor_enc_tstr_z(&e, name);
    extxip_smp_hdr_t h = {.op = op, .version = SMP_VERSION_2, .len = (uint16_t)e.len, .group = 8,
                   .seq = ++seq, .id = id};
    extxip_smp_hdr_encode(&h, pkt);
    RSPLEN = 0;
    extxip_smp_process(&S, pkt, 8 + e.len, (uint8_t[SMP_BUF_SIZE]){0}, SMP_BUF_SIZE, 1, out, NULL);
    /* find "err": {"group": 8, "rc": N} */
    extxip_cbor_decoder_t d;
    extxip_cbor_dec_init(&d, RSP + 8, RSPLEN > 8 ? RSPLEN - 8 : 0);
    if (extxip_cbor_dec_map_enter(&d, NULL) != 0)
        return -1;
    while (!extxip_cbor_dec_at_end(&d)) {
        extxip_cbor_str_t k;
        if (extxip_cbor_dec_tstr(&d, &k) != 0)
            return -1;
        if (extxip_cbor_str_eq(&k, "err")) {
            uint32_t g = 0, rc = 0;
            extxip_cbor_kv_t kv[] = {CBOR_KV("group", CBOR_KV_UINT32, &g), CBOR_KV("rc", CBOR_KV_UINT32, &rc)};
            return extxip_cbor_map_decode_keys(&d, kv, 2, NULL) == 0 && g == 8 ? (int)rc : -1;
        }
        if (extxip_cbor_str_eq(&k, "rc"))
            return -100; /* an SMP-level error */
        extxip_cbor_dec_skip(&d);
    }
    return 0;
}

static int send(uint8_t op, uint8_t id, const char *name, const char *data)
{
    return send_at(op, id, name, data, 0, data ? (long long)strlen(data) : -1);
}

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static int file_is(const char *path, const char *text)
{
    char buf[256] = {0};
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n == strlen(text) && memcmp(buf, text, n) == 0;
}

static void setup(void)
{
    snprintf(base, sizeof base, "%s/extxip-simfs.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(base))
        exit(2);
    snprintf(root, sizeof root, "%s/fs", base);
    snprintf(secret, sizeof secret, "%s/secret", base);
    snprintf(outdir, sizeof outdir, "%s/outside", base);
    put_file(secret, "top secret");
    mkdir(outdir, 0700);
    CHECK_EQ(sim_fs_open(&F, root, 1u << 20), 0);
    char p[400];
    snprintf(p, sizeof p, "%s/link", root);
    CHECK_EQ(symlink("../secret", p), 0);
    snprintf(p, sizeof p, "%s/abslink", root);
    CHECK_EQ(symlink(secret, p), 0);
    snprintf(p, sizeof p, "%s/ldir", root);
    CHECK_EQ(symlink(outdir, p), 0);
    snprintf(p, sizeof p, "%s/fifo", root);
    CHECK_EQ(mkfifo(p, 0600), 0);
    snprintf(p, sizeof p, "%s/sub", root);
    CHECK_EQ(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/sub/inner.txt", root);
    put_file(p, "inside");
    extxip_smp_server_init(&S);
    extxip_fs_mgmt_init(&FS, &F.port);
    CHECK_EQ(extxip_fs_mgmt_register(&FS, &S), 0);
}

static void teardown(void)
{
    sim_fs_close(&F);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    CHECK_EQ(system(cmd), 0);
}

static void escapes(void)
{
    setup();
    /* a file inside works, through a real subdirectory */
    CHECK_EQ(send(SMP_OP_READ, 1, "/sub/inner.txt", NULL), 0);
    CHECK_EQ(send(SMP_OP_READ, 0, "/sub/inner.txt", NULL), 0);
    CHECK_EQ(send(SMP_OP_WRITE, 0, "/sub/new.txt", "fresh"), 0);
    char p[400];
    snprintf(p, sizeof p, "%s/sub/new.txt", root);
    CHECK(file_is(p, "fresh"));
    CHECK_EQ(send(SMP_OP_READ, 1, "/sub", NULL), FS_MGMT_ERR_FILE_IS_DIRECTORY);
    CHECK_EQ(send(SMP_OP_WRITE, 0, "/sub", "x"), FS_MGMT_ERR_FILE_IS_DIRECTORY);
    /* "..": refused by name, whatever follows */
    CHECK_EQ(send(SMP_OP_READ, 1, "/../secret", NULL), FS_MGMT_ERR_FILE_INVALID_NAME);
    CHECK_EQ(send(SMP_OP_READ, 0, "../secret", NULL), FS_MGMT_ERR_FILE_INVALID_NAME);
    CHECK_EQ(send(SMP_OP_WRITE, 0, "/sub/../../secret", "pwned"), FS_MGMT_ERR_FILE_INVALID_NAME);
    /* a symlink inside pointing out (relative or absolute): never followed */
    CHECK_EQ(send(SMP_OP_READ, 1, "/link", NULL), FS_MGMT_ERR_FILE_INVALID_NAME);
    CHECK_EQ(send(SMP_OP_READ, 0, "/link", NULL), FS_MGMT_ERR_FILE_INVALID_NAME);
    CHECK_EQ(send(SMP_OP_READ, 2, "/abslink", NULL), FS_MGMT_ERR_FILE_INVALID_NAME);
    CHECK_EQ(send(SMP_OP_WRITE, 0, "/link", "pwned"), FS_MGMT_ERR_FILE_INVALID_NAME);
    CHECK_EQ(send(SMP_OP_WRITE, 0, "/abslink", "pwned"), FS_MGMT_ERR_FILE_INVALID_NAME);
    /* a symlinked directory: not entered, nothing created beyond it */
    CHECK_EQ(send(SMP_OP_WRITE, 0, "/ldir/planted", "pwned"), FS_MGMT_ERR_FILE_INVALID_NAME);
    CHECK_EQ(send(SMP_OP_READ, 1, "/ldir/planted", NULL), FS_MGMT_ERR_FILE_INVALID_NAME);
    snprintf(p, sizeof p, "%s/planted", outdir);
    CHECK(access(p, F_OK) != 0);
    /* a host absolute path is a device path inside the directory */
    CHECK_EQ(send(SMP_OP_READ, 0, "/etc/passwd", NULL), FS_MGMT_ERR_FILE_NOT_FOUND);
    CHECK_EQ(send(SMP_OP_WRITE, 0, "/etc/passwd", "x"), FS_MGMT_ERR_MOUNT_POINT_NOT_FOUND);
    CHECK_EQ(send(SMP_OP_READ, 1, secret, NULL), FS_MGMT_ERR_FILE_NOT_FOUND);
    /* a FIFO is not a file (and opening it must not block) */
    CHECK_EQ(send(SMP_OP_READ, 1, "/fifo", NULL), FS_MGMT_ERR_FILE_INVALID_NAME);
    CHECK_EQ(send(SMP_OP_READ, 0, "/fifo", NULL), FS_MGMT_ERR_FILE_INVALID_NAME);
    CHECK_EQ(send(SMP_OP_WRITE, 0, "/fifo", "x"), FS_MGMT_ERR_FILE_INVALID_NAME);
    /* other names refused before the host sees them */
    CHECK_EQ(send(SMP_OP_WRITE, 0, "/a//b", "x"), FS_MGMT_ERR_FILE_INVALID_NAME);
    CHECK_EQ(send(SMP_OP_WRITE, 0, "/./x", "x"), FS_MGMT_ERR_FILE_INVALID_NAME);
    CHECK_EQ(send(SMP_OP_WRITE, 0, "/x\\\\y", "x"), FS_MGMT_ERR_FILE_INVALID_NAME);
    /* the secret and the outside directory are as they were */
    CHECK(file_is(secret, "top secret"));
    snprintf(p, sizeof p, "%s/link", root);
    struct stat st;
    CHECK(lstat(p, &st) == 0 && S_ISLNK(st.st_mode)); /* the link itself was not replaced */
    teardown();
}

/* Refused uploads write nothing (found by the adversarial check): more data
 * than the announced length, a continuation at a wrong offset (no empty file
 * left behind), and a hard link to a file outside (reachable by openat with
 * O_NOFOLLOW, so refused by its link count). */
static void upload_truth(void)
{
    setup();
    char p[400];
    struct stat st;
    CHECK_EQ(send_at(SMP_OP_WRITE, 0, "/over", "hello world", 0, 3), FS_MGMT_ERR_FILE_WRITE_FAILED);
    snprintf(p, sizeof p, "%s/over", root);
    CHECK(access(p, F_OK) != 0);
    CHECK_EQ(send_at(SMP_OP_WRITE, 0, "/newfile", "zz", 100, -1), FS_MGMT_ERR_FILE_OFFSET_NOT_VALID);
    snprintf(p, sizeof p, "%s/newfile", root);
    CHECK(access(p, F_OK) != 0);
    /* a two-chunk upload whose second chunk runs past "len" */
    CHECK_EQ(send_at(SMP_OP_WRITE, 0, "/two", "abc", 0, 5), 0);
    CHECK_EQ(send_at(SMP_OP_WRITE, 0, "/two", "defg", 3, -1), FS_MGMT_ERR_FILE_WRITE_FAILED);
    snprintf(p, sizeof p, "%s/two", root);
    CHECK(stat(p, &st) == 0 && st.st_size == 3);
    snprintf(p, sizeof p, "%s/hard", root);
    CHECK_EQ(link(secret, p), 0);
    CHECK_EQ(send(SMP_OP_READ, 0, "/hard", NULL), FS_MGMT_ERR_FILE_INVALID_NAME);
    CHECK_EQ(send(SMP_OP_READ, 1, "/hard", NULL), FS_MGMT_ERR_FILE_INVALID_NAME);
    CHECK_EQ(send(SMP_OP_WRITE, 0, "/hard", "OVERWRITTEN"), FS_MGMT_ERR_FILE_INVALID_NAME);
    CHECK(file_is(secret, "top secret"));
    teardown();
}

int main(int argc, char **argv)
{
    static const tu_case_t cases[] = {{"escapes", escapes}, {"upload_truth", upload_truth}};
    return TU_RUN("sim_fs", cases, argc, argv);
}
