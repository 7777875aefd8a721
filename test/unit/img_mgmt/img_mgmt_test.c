/*
 * Image management group through the real SMP server, on a RAM-backed
 * nRF5340 DK (simflash) laid out by boards/nrf5340dk/pm_static.yml, with
 * imgtool's signed vectors. Requests are real SMP packets (CBOR built with
 * lib/cbor, docs/protocol.md §15.4 as literal bytes); responses are decoded and checked.
 * Every refusal also checks the target slot's bytes are unchanged.
 * Run as `img_mgmt_test <case>` or with no argument for all.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/boot.h"
#include "cbor/cbor.h"
#include "crypto/crypto.h"
#include "keys_dev.h"
#include "mgmt/img_mgmt.h"
#include "storage/kvstore.h"
#include "rig.h"
#include "smp/smp.h"
#include "../testutil.h"
#include "sim_app.h"

/* ------------------------------------------------------------- vectors */

typedef tu_blob_t blob_t;

static blob_t load(const char *name)
{
    return tu_load_in(EXTXIP_VECTORS "/images", name);
}

/* "Image digest" printed by `imgtool verify` for vector `name`. */
static void digest_of(const char *name, uint8_t out[32])
{
    tu_vector_digest(EXTXIP_VECTORS, name, out);
}

/* ----------------------------------------------------------------- rig */

/* The simulated device of test/support/rig.h (the OS group is registered
 * too, as on the device; these cases only send image-group requests). */
static rig_t R;
static extxip_boot_result_t g_boot;

/* Fresh board: v1 of every image in its primary, secondaries erased. */
static void open_rig(void)
{
    CHECK_EQ(rig_open(&R, EXTXIP_BOARD_PM, EXTXIP_VECTORS), 0);
}

/* (Re)start the services over the current flash, as after a device reset. */
static void rig_boot(void)
{
    CHECK_EQ(rig_restart(&R), 0);
}

/* Send one image-group request; the response is R.rsp[0], its body at + 8. */
static void req(uint8_t op, uint8_t ver, uint8_t cmd, const uint8_t *body, size_t blen,
                uint64_t peer)
{
    uint8_t pkt[SMP_BUF_SIZE + 64];
    size_t n = rig_pkt(pkt, sizeof pkt, op, ver, MGMT_GROUP_ID_IMAGE, ++R.seq, cmd, body, blen);
    R.rsp[0].len = 0;
    CHECK_EQ(rig_process(&R, pkt, n, peer), 1);
    CHECK(R.rsp[0].len >= 8);
    CHECK_EQ(R.rsp[0].pkt[6], R.seq);
}

/* ---- response decoding ---- */

typedef rig_fields_t resp_t;

/* Fields of the response (test/support/rig.h); the body must decode, and an
 * "rc" must be a uint32 as the image group sends it. */
static resp_t parse(void)
{
    resp_t r;
    CHECK_EQ(rig_fields(R.rsp[0].pkt, R.rsp[0].len, &r), 0);
    CHECK(!r.has_rc || (r.rc >= 0 && r.rc <= (int64_t)UINT32_MAX));
    return r;
}

/* Response is a v2 image-group error with code `code`. */
#define CHECK_IMG_ERR(code)                                                     \
    do {                                                                        \
        resp_t e_ = parse();                                                    \
        CHECK(e_.has_err);                                                      \
        CHECK_EQ(e_.err_group, MGMT_GROUP_ID_IMAGE);                            \
        CHECK_EQ(e_.err_rc, (code));                                            \
    } while (0)

#define CHECK_RC(code)                                                          \
    do {                                                                        \
        resp_t e_ = parse();                                                    \
        CHECK(e_.has_rc);                                                       \
        CHECK_EQ(e_.rc, (code));                                                \
    } while (0)

typedef struct entry {
    uint32_t image, slot;
    char version[32];
    uint8_t hash[32];
    size_t hash_len;
    bool bootable, pending, confirmed, active, permanent;
} entry_t;

typedef struct state {
    entry_t e[8];
    size_t n;
    bool has_split;
    uint32_t split;
    char first_keys[200]; /* keys of the first entry, comma-separated */
    char top_keys[100];
} state_t;

static state_t parse_state(void)
{
    state_t s;
    memset(&s, 0, sizeof(s));
    extxip_cbor_decoder_t d;
    extxip_cbor_dec_init(&d, R.rsp[0].pkt + 8, R.rsp[0].len - 8);
    CHECK_EQ(extxip_cbor_dec_map_enter(&d, NULL), 0);
    while (!extxip_cbor_dec_at_end(&d)) {
        extxip_cbor_str_t k;
        CHECK_EQ(extxip_cbor_dec_tstr(&d, &k), 0);
        strncat(s.top_keys, (const char *)k.ptr, k.len);
        strcat(s.top_keys, ",");
        if (extxip_cbor_str_eq(&k, "images")) {
            CHECK_EQ(extxip_cbor_dec_array_enter(&d, NULL), 0);
            while (!extxip_cbor_dec_at_end(&d) && s.n < 8) {
                entry_t *e = &s.e[s.n];
                CHECK_EQ(extxip_cbor_dec_map_enter(&d, NULL), 0);
                while (!extxip_cbor_dec_at_end(&d)) {
                    extxip_cbor_str_t kk, v;
                    CHECK_EQ(extxip_cbor_dec_tstr(&d, &kk), 0);
                    if (s.n == 0) {
                        strncat(s.first_keys, (const char *)kk.ptr, kk.len);
                        strcat(s.first_keys, ",");
                    }
                    if (extxip_cbor_str_eq(&kk, "image")) {
                        extxip_cbor_dec_uint32(&d, &e->image);
                    } else if (extxip_cbor_str_eq(&kk, "slot")) {
                        extxip_cbor_dec_uint32(&d, &e->slot);
                    } else if (extxip_cbor_str_eq(&kk, "version")) {
                        CHECK_EQ(extxip_cbor_dec_tstr(&d, &v), 0);
                        memcpy(e->version, v.ptr, v.len < 31 ? v.len : 31);
                    } else if (extxip_cbor_str_eq(&kk, "hash")) {
                        CHECK_EQ(extxip_cbor_dec_bstr(&d, &v), 0);
                        e->hash_len = v.len;
                        memcpy(e->hash, v.ptr, v.len < 32 ? v.len : 32);
                    } else if (extxip_cbor_str_eq(&kk, "bootable")) {
                        CHECK_EQ(extxip_cbor_dec_bool(&d, &e->bootable), 0);
                    } else if (extxip_cbor_str_eq(&kk, "pending")) {
                        CHECK_EQ(extxip_cbor_dec_bool(&d, &e->pending), 0);
                    } else if (extxip_cbor_str_eq(&kk, "confirmed")) {
                        CHECK_EQ(extxip_cbor_dec_bool(&d, &e->confirmed), 0);
                    } else if (extxip_cbor_str_eq(&kk, "active")) {
                        CHECK_EQ(extxip_cbor_dec_bool(&d, &e->active), 0);
                    } else if (extxip_cbor_str_eq(&kk, "permanent")) {
                        CHECK_EQ(extxip_cbor_dec_bool(&d, &e->permanent), 0);
                    } else {
                        CHECK_EQ(extxip_cbor_dec_skip(&d), 0);
                    }
                }
                CHECK_EQ(extxip_cbor_dec_leave(&d), 0);
                s.n++;
            }
            CHECK_EQ(extxip_cbor_dec_leave(&d), 0);
        } else if (extxip_cbor_str_eq(&k, "splitStatus")) {
            s.has_split = extxip_cbor_dec_uint32(&d, &s.split) == 0;
        } else {
            CHECK_EQ(extxip_cbor_dec_skip(&d), 0);
        }
        if (cbor_dec_err(&d)) {
            break;
        }
    }
    CHECK_EQ(cbor_dec_err(&d), 0);
    return s;
}

static const entry_t *find_entry(const state_t *s, uint32_t image, uint32_t slot)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->e[i].image == image && s->e[i].slot == slot) {
            return &s->e[i];
        }
    }
    return NULL;
}

static state_t state_read(void)
{
    static const uint8_t empty[] = {0xa0};
    req(SMP_OP_READ, SMP_VERSION_2, 0, empty, 1, 1);
    return parse_state();
}

/* ---- request builders ---- */

typedef struct up {
    uint32_t off;
    const uint8_t *data;
    size_t dlen;
    bool with_len;
    uint32_t len;
    int image;       /* -1: absent */
    const uint8_t *sha;
    size_t sha_len;  /* 0: absent */
    int upgrade;     /* -1: absent */
} up_t;

static void send_upload(const up_t *u, uint8_t ver, uint64_t peer)
{
    uint8_t body[SMP_BUF_SIZE];
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, body, sizeof body);
    uint64_t n = 2 + (u->with_len ? 1 : 0) + (u->image >= 0) + (u->sha_len > 0) + (u->upgrade >= 0);
    extxip_cbor_enc_map(&e, n);
    extxip_cbor_enc_tstr_z(&e, "off");
    extxip_cbor_enc_uint(&e, u->off);
    extxip_cbor_enc_tstr_z(&e, "data");
    extxip_cbor_enc_bstr(&e, u->data, u->dlen);
    if (u->with_len) {
        extxip_cbor_enc_tstr_z(&e, "len");
        extxip_cbor_enc_uint(&e, u->len);
    }
    if (u->image >= 0) {
        extxip_cbor_enc_tstr_z(&e, "image");
        extxip_cbor_enc_uint(&e, (uint64_t)u->image);
    }
    if (u->sha_len) {
        extxip_cbor_enc_tstr_z(&e, "sha");
        extxip_cbor_enc_bstr(&e, u->sha, u->sha_len);
    }
    if (u->upgrade >= 0) {
        extxip_cbor_enc_tstr_z(&e, "upgrade");
        extxip_cbor_enc_bool(&e, u->upgrade != 0);
    }
    CHECK_EQ(e.err, 0);
    req(SMP_OP_WRITE, ver, 1, body, e.len, peer);
}

/* Send one chunk at off (first chunk carries len/image/sha). Returns the
 * response. */
static resp_t chunk(const blob_t *f, int image, const uint8_t *sha, uint32_t off, size_t n,
                    uint64_t peer)
{
    up_t u;
    memset(&u, 0, sizeof(u));
    u.off = off;
    u.data = f->p + off;
    u.dlen = off + n > f->n ? f->n - off : n;
    u.image = -1;
    u.upgrade = -1;
    if (off == 0) {
        u.with_len = true;
        u.len = (uint32_t)f->n;
        u.image = image;
        u.sha = sha;
        u.sha_len = sha ? 32 : 0;
    }
    send_upload(&u, SMP_VERSION_2, peer);
    return parse();
}

/* Upload a whole file from `from` with chunks of `csz`, following the
 * server's "off". Returns the last response. */
static resp_t upload_from(const blob_t *f, int image, const uint8_t *sha, uint32_t from,
                          size_t csz, uint64_t peer)
{
    resp_t r;
    uint32_t off = from;
    int guard = 0;
    do {
        r = chunk(f, image, sha, off, csz, peer);
        if (r.has_err || r.has_rc || !r.has_off) {
            return r;
        }
        off = r.off;
        R.now_ms += 10;
    } while (off < f->n && ++guard < 100000);
    return r;
}

/* Send chunks from `from` until the server's offset reaches `until`; a
 * refusal fails the check and stops. Returns the server's offset. */
static uint32_t advance(const blob_t *f, int image, const uint8_t *sha, uint32_t from,
                        uint32_t until, size_t csz, uint64_t peer)
{
    uint32_t off = from;
    for (int g = 0; off < until && g < 100000; g++) {
        resp_t r = chunk(f, image, sha, off, csz, peer);
        CHECK(r.has_off && !r.has_err && !r.has_rc);
        if (!r.has_off || r.has_err || r.has_rc) {
            break;
        }
        off = r.off;
        R.now_ms += 10;
    }
    return off;
}

static resp_t upload(const blob_t *f, int image, bool with_sha, size_t csz, uint64_t peer)
{
    uint8_t sha[32];
    extxip_crypto_sha256(f->p, f->n, sha);
    return upload_from(f, image, with_sha ? sha : NULL, 0, csz, peer);
}

static void state_write_from(const uint8_t *hash, size_t hlen, int confirm, uint8_t ver,
                             uint64_t peer)
{
    uint8_t body[128];
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, body, sizeof body);
    extxip_cbor_enc_map(&e, (hash ? 1 : 0) + (confirm >= 0 ? 1 : 0));
    if (hash) {
        extxip_cbor_enc_tstr_z(&e, "hash");
        extxip_cbor_enc_bstr(&e, hash, hlen);
    }
    if (confirm >= 0) {
        extxip_cbor_enc_tstr_z(&e, "confirm");
        extxip_cbor_enc_bool(&e, confirm != 0);
    }
    req(SMP_OP_WRITE, ver, 0, body, e.len, peer);
}

static void state_write(const uint8_t *hash, size_t hlen, int confirm, uint8_t ver)
{
    state_write_from(hash, hlen, confirm, ver, 1);
}

static void erase_from(int slot, uint8_t ver, uint64_t peer)
{
    uint8_t body[16];
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, body, sizeof body);
    extxip_cbor_enc_map(&e, slot >= 0 ? 1 : 0);
    if (slot >= 0) {
        extxip_cbor_enc_tstr_z(&e, "slot");
        extxip_cbor_enc_uint(&e, (uint64_t)slot);
    }
    req(SMP_OP_WRITE, ver, 5, body, e.len, peer);
}

static void erase_req(int slot, uint8_t ver)
{
    erase_from(slot, ver, 1);
}

/* Zephyr basic group's storage erase ({} -> {}) from `peer`. */
static void storage_erase_from(uint64_t peer)
{
    static const uint8_t empty[] = {0xa0};
    uint8_t pkt[64];
    size_t n = rig_pkt(pkt, sizeof pkt, SMP_OP_WRITE, SMP_VERSION_2, MGMT_GROUP_ID_ZBASIC,
                       ++R.seq, 0, empty, 1);
    R.rsp[0].len = 0;
    CHECK_EQ(rig_process(&R, pkt, n, peer), 1);
    CHECK(R.rsp[0].len >= 8);
}

/* Snapshot of one slot's bytes, to prove a refusal changed nothing. */
static uint8_t *snap(uint32_t slot)
{
    const extxip_flash_area_t *fa = rig_area(&R, slot);
    uint8_t *p = malloc(fa->size);
    CHECK_EQ(extxip_flash_area_read(fa, 0, p, fa->size), 0);
    return p;
}

static bool same(uint32_t slot, uint8_t *before)
{
    uint8_t *now = snap(slot);
    bool eq = memcmp(now, before, rig_area(&R, slot)->size) == 0;
    free(now);
    free(before);
    return eq;
}

static bool slot_holds(uint32_t slot, const blob_t *f)
{
    uint8_t *p = snap(slot);
    bool eq = memcmp(p, f->p, f->n) == 0;
    free(p);
    return eq;
}

static int swap_type(uint8_t image)
{
    return extxip_boot_swap_type_areas(rig_area(&R, 2u * image), rig_area(&R, 2u * image + 1u));
}

/* ---------------------------------------------------------------- cases */

/* docs/protocol.md §15.4 literal request bytes; the replies must be Zephyr's bytes. */
static void t_spec_first_chunk(void)
{
    open_rig();
    uint8_t file[232];
    memset(file, 0, sizeof file);
    for (size_t i = 32; i < sizeof file; i++) {
        file[i] = (uint8_t)(i * 7u);
    }
    /* Header: magic, hdr_size 32, img_size 0x60 (fits in 232 with the TLV info). */
    const uint8_t hdr[16] = {0x3d, 0xb8, 0xf3, 0x96, 0, 0, 0, 0, 0x20, 0, 0, 0, 0x60, 0, 0, 0};
    memcpy(file, hdr, sizeof hdr);
    uint8_t sha[32];
    extxip_crypto_sha256(file, sizeof file, sha);
    uint8_t pkt[8 + 105];
    size_t o = 0;
    const uint8_t h[8] = {0x02, 0x00, 0x00, 0x69, 0x00, 0x01, 0x01, 0x01};
    memcpy(pkt, h, 8);
    o = 8;
    const uint8_t a[] = {0xa6, 0x63, 'l', 'e', 'n', 0x18, 0xe8, 0x63, 'o', 'f', 'f', 0x00,
                         0x63, 's', 'h', 'a', 0x58, 0x20};
    memcpy(pkt + o, a, sizeof a);
    o += sizeof a;
    memcpy(pkt + o, sha, 32);
    o += 32;
    const uint8_t b[] = {0x64, 'd', 'a', 't', 'a', 0x58, 0x20};
    memcpy(pkt + o, b, sizeof b);
    o += sizeof b;
    memcpy(pkt + o, file, 32);
    o += 32;
    const uint8_t c[] = {0x65, 'i', 'm', 'a', 'g', 'e', 0x02, 0x67, 'u', 'p', 'g', 'r', 'a',
                         'd', 'e', 0xf4};
    memcpy(pkt + o, c, sizeof c);
    o += sizeof c;
    CHECK_EQ(o, sizeof pkt);
    CHECK_EQ(rig_process(&R, pkt, o, 7), 1);
    const uint8_t want1[] = {0x03, 0x00, 0x00, 0x08, 0x00, 0x01, 0x01, 0x01,
                             0xbf, 0x63, 0x6f, 0x66, 0x66, 0x18, 0x20, 0xff};
    CHECK_EQ(R.rsp[0].len, sizeof want1);
    CHECK_MEM(R.rsp[0].pkt, want1, sizeof want1);
    /* The remaining 200 bytes in one chunk (v1, as the same client). */
    up_t u;
    memset(&u, 0, sizeof u);
    u.off = 32;
    u.data = file + 32;
    u.dlen = 200;
    u.image = -1;
    u.upgrade = -1;
    R.seq = 1;
    send_upload(&u, SMP_VERSION_1, 7);
    const uint8_t want2[] = {0xbf, 0x63, 0x6f, 0x66, 0x66, 0x18, 0xe8, 0x65,
                             0x6d, 0x61, 0x74, 0x63, 0x68, 0xf5, 0xff};
    CHECK_EQ(R.rsp[0].len, 8 + sizeof want2);
    CHECK_MEM(R.rsp[0].pkt + 8, want2, sizeof want2);
    blob_t fb = {file, sizeof file};
    CHECK(slot_holds(5, &fb));
    CHECK(!extxip_img_mgmt_session_get(&R.im, NULL, NULL, NULL));
    rig_close(&R);
}

/* Initial state: the three v1 primaries, Zephyr's keys/types/order, hashes
 * equal to imgtool's digests, netcore primary listed. */
static void t_state_read(void)
{
    open_rig();
    state_t s = state_read();
    CHECK_EQ(s.n, 3);
    CHECK_EQ(strcmp(s.first_keys,
                    "image,slot,version,hash,bootable,pending,confirmed,active,permanent,"),
             0);
    CHECK_EQ(strcmp(s.top_keys, "images,splitStatus,"), 0);
    CHECK(s.has_split);
    CHECK_EQ(s.split, 0);
    const char *names[3] = {"img0-v1.0.0.signed.bin", "img1-v1.0.0.signed.bin",
                            "img2-v1.0.0.signed.bin"};
    for (uint32_t i = 0; i < 3; i++) {
        const entry_t *e = find_entry(&s, i, 0);
        CHECK(e != NULL);
        if (!e) {
            continue;
        }
        uint8_t dg[32];
        digest_of(names[i], dg);
        CHECK_EQ(e->hash_len, 32);
        CHECK_MEM(e->hash, dg, 32);
        CHECK_EQ(strcmp(e->version, "1.0.0"), 0);
        CHECK(e->bootable && e->active && e->confirmed && !e->pending && !e->permanent);
    }
    /* ".build" only when non-zero; v1 request gets the same body. */
    char v[IMG_MGMT_VER_STR_MAX];
    extxip_image_version_t ver = {3, 1, 4, 159};
    extxip_img_mgmt_ver_str(&ver, v, sizeof v);
    CHECK_EQ(strcmp(v, "3.1.4.159"), 0);
    ver = (extxip_image_version_t){255, 255, 65535, 4294967295u};
    extxip_img_mgmt_ver_str(&ver, v, sizeof v);
    CHECK_EQ(strcmp(v, "255.255.65535.4294967295"), 0);
    rig_close(&R);
}

/* Upload each image's v2, test it: state shows it pending with imgtool's digest. */
static void t_upload_all_test(void)
{
    open_rig();
    const char *names[3] = {"img0-v2.0.0.signed.bin", "img1-v2.0.0.signed.bin",
                            "img2-v2.0.0.signed.bin"};
    size_t csz[3] = {512, 333, 1777}; /* odd sizes: no alignment needed */
    for (int i = 0; i < 3; i++) {
        blob_t f = load(names[i]);
        resp_t r = upload(&f, i, true, csz[i], 1);
        CHECK(r.has_off && !r.has_err);
        CHECK_EQ(r.off, f.n);
        CHECK(r.has_match && r.match);
        CHECK(slot_holds(2u * i + 1u, &f));
        free(f.p);
    }
    state_t s = state_read();
    CHECK_EQ(s.n, 6);
    for (uint32_t i = 0; i < 3; i++) {
        const entry_t *e = find_entry(&s, i, 1);
        CHECK(e != NULL);
        if (!e) {
            continue;
        }
        uint8_t dg[32];
        digest_of(names[i], dg);
        CHECK_MEM(e->hash, dg, 32);
        CHECK_EQ(strcmp(e->version, "2.0.0"), 0);
        CHECK(!e->pending && !e->active && !e->confirmed);
        state_write(dg, 32, 0, SMP_VERSION_2);
        state_t t = parse_state();
        const entry_t *p = find_entry(&t, i, 1);
        CHECK(p && p->pending && !p->permanent && !p->confirmed);
        CHECK_EQ(swap_type((uint8_t)i), BOOT_SWAP_TYPE_TEST);
        /* Testing it again is a no-op success. */
        state_write(dg, 32, 0, SMP_VERSION_2);
        CHECK(!parse().has_err);
    }
    rig_close(&R);
}

/* A lost chunk: the next one is answered with the expected offset, nothing written. */
static void t_resume_lost_chunk(void)
{
    open_rig();
    blob_t f = load("img2-v2.0.0.signed.bin");
    uint8_t sha[32];
    extxip_crypto_sha256(f.p, f.n, sha);
    resp_t r = chunk(&f, 2, sha, 0, 1000, 1);
    CHECK_EQ(r.off, 1000);
    uint8_t *before = snap(5);
    r = chunk(&f, 2, sha, 2000, 1000, 1); /* chunk at 1000 "lost" */
    CHECK(r.has_off && !r.has_err && !r.has_rc);
    CHECK_EQ(r.off, 1000);
    CHECK(same(5, before));
    /* Duplicate of the first chunk with the same sha: resume, nothing written. */
    before = snap(5);
    r = chunk(&f, 2, sha, 0, 1000, 1);
    CHECK_EQ(r.off, 1000);
    CHECK(same(5, before));
    r = upload_from(&f, 2, sha, 1000, 1000, 1);
    CHECK_EQ(r.off, f.n);
    CHECK(slot_holds(5, &f));
    free(f.p);
    rig_close(&R);
}

/* Reset mid-upload: a new img_mgmt over the same flash resumes from the last
 * checkpoint when the client re-sends the first chunk with the same sha. */
static void t_resume_after_reset(void)
{
    open_rig();
    blob_t f = load("img2-v1.0.0.signed.bin");
    uint8_t sha[32];
    extxip_crypto_sha256(f.p, f.n, sha);
    CHECK(advance(&f, 2, sha, 0, 70000, 777, 1) >= 70000);
    uint32_t writes = R.im.log_writes;
    CHECK_EQ(writes, 3); /* start + checkpoints at 32 KiB and 64 KiB */
    rig_boot(); /* reset */
    uint32_t soff = 0, slen = 0;
    CHECK(extxip_img_mgmt_session_get(&R.im, NULL, &soff, &slen));
    CHECK_EQ(soff, 65536);
    CHECK_EQ(slen, f.n);
    /* Another client (new peer id after reconnect) resumes the same file. */
    resp_t r = chunk(&f, 2, sha, 0, 777, 99);
    CHECK_EQ(r.off, 65536);
    r = upload_from(&f, 2, sha, r.off, 1024, 99);
    CHECK_EQ(r.off, f.n);
    CHECK(r.match);
    CHECK(slot_holds(5, &f));
    extxip_image_info_t info;
    CHECK_EQ(extxip_image_validate(rig_area(&R, 5), &image_dev_keyring, &info), 0);
    /* Finished: a reset now has nothing to resume. */
    rig_boot();
    CHECK(!extxip_img_mgmt_session_get(&R.im, NULL, NULL, NULL));
    free(f.p);
    rig_close(&R);
}

/* A torn (half-written) newest record is ignored: the previous one wins. */
static void t_resume_torn_record(void)
{
    open_rig();
    blob_t f = load("img2-v1.0.0.signed.bin");
    uint8_t sha[32];
    extxip_crypto_sha256(f.p, f.n, sha);
    CHECK(advance(&f, 2, sha, 0, 70000, 1500, 1) >= 70000);
    /* Find the newest record (the 64 KiB checkpoint) and tear it. */
    const extxip_flash_area_t *lfa = rig_area(&R, FLASH_AREA_SETTINGS);
    uint8_t *mem = simflash_mem(R.b.dev[SIMFLASH_DEV_APP]);
    uint32_t base = lfa->off + R.im.cfg.log_off;
    uint32_t last = R.im.log.next - IMG_MGMT_REC_SIZE;
    mem[base + last + 17] ^= 0x01; /* a bit of "off" never landed */
    rig_boot();
    uint32_t soff = 0;
    CHECK(extxip_img_mgmt_session_get(&R.im, NULL, &soff, NULL));
    CHECK_EQ(soff, 32768);
    /* The next record goes past the torn one and the upload still finishes. */
    resp_t r = chunk(&f, 2, sha, 0, 100, 1);
    CHECK_EQ(r.off, 32768);
    r = upload_from(&f, 2, sha, 32768, 1800, 1);
    CHECK_EQ(r.off, f.n);
    CHECK(r.match);
    CHECK(slot_holds(5, &f));
    free(f.p);
    rig_close(&R);
}

/* Power cut at every flash operation of a chunk that crosses a checkpoint:
 * after power-on the session resumes at a checkpoint whose data is intact,
 * and the finished slot is exactly the file. */
static void t_resume_power_cut(void)
{
    blob_t f = load("img2-v1.0.0.signed.bin");
    uint8_t sha[32];
    extxip_crypto_sha256(f.p, f.n, sha);
    int resumed = 0;
    for (uint64_t cut = 1; cut <= 12; cut++) {
        open_rig();
        uint32_t off = 0;
        off = advance(&f, 2, sha, 0, 30000, 1800, 1);
        simflash_power_cut_after(&R.b.power, cut);
        for (int i = 0; i < 4 && !simflash_power_is_cut(&R.b.power); i++) {
            resp_t r = chunk(&f, 2, sha, off, 1800, 1);
            off = r.has_off ? r.off : off;
        }
        simflash_power_on(&R.b.power);
        rig_boot();
        resp_t r = chunk(&f, 2, sha, 0, 64, 1);
        CHECK(r.has_off);
        /* Either the checkpoint landed (resume there) or it did not and the
         * chunk started a new session (which took its 64 bytes). */
        CHECK(r.off == 64 || r.off == 32768);
        resumed += r.off == 32768;
        r = upload_from(&f, 2, sha, r.off, 1800, 1);
        CHECK_EQ(r.off, f.n);
        CHECK(r.match);
        CHECK(slot_holds(5, &f));
        rig_close(&R);
    }
    CHECK(resumed > 0 && resumed < 12); /* both sides of the checkpoint were cut */
    free(f.p);
}

/* Erase, then the same file again: starts at 0, never at the stale offset
 * (zephyr #51798); also across a reset. */
static void t_erase_resets_session(void)
{
    open_rig();
    blob_t f = load("img0-v2.0.0.signed.bin");
    uint8_t sha[32];
    extxip_crypto_sha256(f.p, f.n, sha);
    CHECK(advance(&f, 0, sha, 0, 40000, 1000, 1) >= 40000);
    erase_req(-1, SMP_VERSION_2); /* default slot 1 */
    CHECK(!parse().has_err);
    CHECK(!extxip_img_mgmt_session_get(&R.im, NULL, NULL, NULL));
    CHECK_EQ(extxip_flash_area_is_erased(rig_area(&R, 1), 0, rig_area(&R, 1)->size), 1);
    resp_t r = chunk(&f, 0, sha, 0, 1000, 1);
    CHECK_EQ(r.off, 1000); /* a new session that took this chunk */
    r.off = advance(&f, 0, sha, r.off, 40000, 1000, 1);
    erase_req(1, SMP_VERSION_2);
    rig_boot(); /* the persisted session was cleared before the erase */
    CHECK(!extxip_img_mgmt_session_get(&R.im, NULL, NULL, NULL));
    r = chunk(&f, 0, sha, 0, 1000, 1);
    CHECK_EQ(r.off, 1000);
    r = upload_from(&f, 0, sha, 1000, 1000, 1);
    CHECK_EQ(r.off, f.n);
    CHECK(slot_holds(1, &f));
    free(f.p);
    rig_close(&R);
}

/* A second client is busy while the first is active; allowed once stale. */
static void t_busy_second_client(void)
{
    open_rig();
    blob_t a = load("img0-v2.0.0.signed.bin"), b = load("img2-v2.0.0.signed.bin");
    uint8_t sa[32], sb[32];
    extxip_crypto_sha256(a.p, a.n, sa);
    extxip_crypto_sha256(b.p, b.n, sb);
    resp_t r = chunk(&a, 0, sa, 0, 1000, 1);
    CHECK_EQ(r.off, 1000);
    uint8_t *s5 = snap(5), *s1 = snap(1);
    R.now_ms += 1000;
    chunk(&b, 2, sb, 0, 1000, 2);
    CHECK_RC(MGMT_ERR_EBUSY);
    chunk(&b, 2, sb, 1000, 1000, 2); /* continuation from the intruder */
    CHECK_RC(MGMT_ERR_EBUSY);
    chunk(&a, 0, sa, 0, 1000, 2); /* same file from a new peer id: a resume */
    CHECK_EQ(parse().off, 1000);
    CHECK(same(5, s5));
    CHECK(same(1, s1));
    /* Owner continues (now peer 2 owns it, peer 1 is the other one). */
    r = chunk(&a, 0, sa, 1000, 1000, 2);
    CHECK_EQ(r.off, 2000);
    /* Same peer restarting with another file is allowed. */
    r = chunk(&b, 2, sb, 0, 1000, 2);
    CHECK_EQ(r.off, 1000);
    /* Stale (> 5 s): another client may take over. */
    R.now_ms += 6000;
    r = chunk(&a, 0, sa, 0, 1000, 3);
    CHECK_EQ(r.off, 1000);
    free(a.p);
    free(b.p);
    rig_close(&R);
}

/* Peer ids are 64-bit (the sim hashes the UDP address into all 64): two
 * clients whose ids differ only in the high half are still two clients. */
static void t_busy_peer_high_bits(void)
{
    open_rig();
    blob_t a = load("img0-v2.0.0.signed.bin"), b = load("img2-v2.0.0.signed.bin");
    uint8_t sa[32], sb[32];
    extxip_crypto_sha256(a.p, a.n, sa);
    extxip_crypto_sha256(b.p, b.n, sb);
    const uint64_t p1 = (1ull << 63) | 0x1234u, p2 = (1ull << 62) | 0x1234u;
    resp_t r = chunk(&a, 0, sa, 0, 1000, p1);
    CHECK_EQ(r.off, 1000);
    uint8_t *s5 = snap(5);
    R.now_ms += 1000;
    chunk(&b, 2, sb, 0, 1000, p2);
    CHECK_RC(MGMT_ERR_EBUSY);
    chunk(&a, 0, sa, 1000, 1000, p2); /* nor may it continue the owner's session */
    CHECK_RC(MGMT_ERR_EBUSY);
    CHECK(same(5, s5));
    r = chunk(&a, 0, sa, 1000, 1000, p1);
    CHECK_EQ(r.off, 2000);
    free(a.p);
    free(b.p);
    rig_close(&R);
}

/* Wrong full-file sha: error on the last chunk, header sector erased. */
static void t_wrong_sha(void)
{
    open_rig();
    blob_t f = load("img2-v2.0.0.signed.bin");
    uint8_t bad[32];
    extxip_crypto_sha256(f.p, f.n, bad);
    bad[5] ^= 0x40;
    resp_t r = upload_from(&f, 2, bad, 0, 1800, 1);
    CHECK(r.has_err);
    CHECK_EQ(r.err_rc, IMG_MGMT_ERR_INVALID_HASH);
    CHECK(!extxip_img_mgmt_session_get(&R.im, NULL, NULL, NULL));
    state_t s = state_read();
    CHECK(find_entry(&s, 2, 1) == NULL); /* not testable */
    uint8_t dg[32];
    digest_of("img2-v2.0.0.signed.bin", dg);
    state_write(dg, 32, 0, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_HASH_NOT_FOUND);
    free(f.p);
    rig_close(&R);
}

static void first_chunk_refused(const up_t *u, uint32_t slot, int code)
{
    uint8_t *before = snap(slot);
    send_upload(u, SMP_VERSION_2, 1);
    CHECK_IMG_ERR(code);
    CHECK(same(slot, before));
    CHECK(!extxip_img_mgmt_session_get(&R.im, NULL, NULL, NULL));
}

static up_t first(const blob_t *f, int image, size_t dlen)
{
    up_t u;
    memset(&u, 0, sizeof u);
    u.data = f->p;
    u.dlen = dlen;
    u.with_len = true;
    u.len = (uint32_t)f->n;
    u.image = image;
    u.upgrade = -1;
    return u;
}

/* A key seen twice is EINVAL (rc 3, docs/protocol.md §3.2, as Zephyr's zcbor map
 * decode): with a real image header in the first chunk as with a short one, v1 and v2,
 * and nothing is written or started. (Issue 32 §5 saw rc 9 with a real header: its
 * request was larger than the 2048-byte receive buffer, which Zephyr answers 9, ECORRUPT.) */
static void dup_data_first_chunk(const blob_t *f, size_t dlen, uint8_t ver)
{
    uint8_t sha[32];
    extxip_crypto_sha256(f->p, f->n, sha);
    static uint8_t body[SMP_BUF_SIZE];
    extxip_cbor_encoder_t e;
    extxip_cbor_enc_init(&e, body, sizeof body);
    extxip_cbor_enc_map(&e, 6);
    extxip_cbor_enc_tstr_z(&e, "image");
    extxip_cbor_enc_uint(&e, 2);
    extxip_cbor_enc_tstr_z(&e, "len");
    extxip_cbor_enc_uint(&e, f->n);
    extxip_cbor_enc_tstr_z(&e, "off");
    extxip_cbor_enc_uint(&e, 0);
    extxip_cbor_enc_tstr_z(&e, "data");
    extxip_cbor_enc_bstr(&e, f->p, dlen);
    extxip_cbor_enc_tstr_z(&e, "sha");
    extxip_cbor_enc_bstr(&e, sha, sizeof sha);
    extxip_cbor_enc_tstr_z(&e, "data");
    extxip_cbor_enc_bstr(&e, f->p, dlen);
    CHECK_EQ(e.err, 0);
    uint8_t *before = snap(5);
    req(SMP_OP_WRITE, ver, 1, body, e.len, 1);
    CHECK_RC(MGMT_ERR_EINVAL);
    CHECK(same(5, before));
    CHECK(!extxip_img_mgmt_session_get(&R.im, NULL, NULL, NULL));
}

static void t_duplicate_data_key(void)
{
    open_rig();
    blob_t f = load("img2-v2.0.0.signed.bin");
    static const size_t lens[] = {8, 32, 512, (SMP_BUF_SIZE - 8 - 80) / 2}; /* the last: as big as fits */
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        dup_data_first_chunk(&f, lens[i], SMP_VERSION_2);
        dup_data_first_chunk(&f, lens[i], SMP_VERSION_1);
    }
    /* The same first chunk once, without the duplicate, is taken. */
    up_t u = first(&f, 2, 512);
    send_upload(&u, SMP_VERSION_2, 1);
    resp_t r = parse();
    CHECK(!r.has_rc && !r.has_err);
    free(f.p);
    rig_close(&R);
}

static void t_len_too_large(void)
{
    open_rig();
    blob_t f = load("img1-v2.0.0.signed.bin");
    up_t u = first(&f, 1, 512);
    u.len = 0x40000 + 1;
    first_chunk_refused(&u, 3, IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE);
    u.len = 0xffffffffu;
    first_chunk_refused(&u, 3, IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE);
    /* v1: translated rc (30 → EUNKNOWN). */
    u.len = 0x40000 + 1;
    send_upload(&u, SMP_VERSION_1, 1);
    CHECK_RC(MGMT_ERR_EUNKNOWN);
    free(f.p);
    rig_close(&R);
}

/* Data past the announced length: refused, nothing of it written. */
static void t_data_past_len(void)
{
    open_rig();
    blob_t f = load("img1-v2.0.0.signed.bin");
    uint8_t sha[32];
    extxip_crypto_sha256(f.p, f.n, sha);
    uint8_t *ext = malloc(f.n + 1);
    memcpy(ext, f.p, f.n);
    ext[f.n] = 0x5a;
    uint32_t at = 0;
    at = advance(&f, 1, sha, 0, (uint32_t)f.n - 1500, 1400, 1);
    uint8_t *before = snap(3);
    up_t c;
    memset(&c, 0, sizeof c);
    c.off = at;
    c.image = -1;
    c.upgrade = -1;
    c.data = ext + at;
    c.dlen = f.n - at + 1; /* one byte too many */
    send_upload(&c, SMP_VERSION_2, 1);
    CHECK_IMG_ERR(IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN);
    CHECK(same(3, before));
    CHECK(!extxip_img_mgmt_session_get(&R.im, NULL, NULL, NULL));
    /* First chunk longer than len (the header itself fits len). */
    uint8_t mini[128];
    memset(mini, 0, sizeof mini);
    memcpy(mini, f.p, 32);
    mini[8] = 0x20; /* hdr_size 32 */
    mini[9] = 0;
    mini[10] = mini[11] = 0; /* no protected TLVs */
    mini[12] = 0x10;         /* img_size 16 */
    mini[13] = mini[14] = mini[15] = 0;
    up_t u = first(&f, 1, 0);
    u.data = mini;
    u.len = 100;
    u.dlen = 101;
    first_chunk_refused(&u, 3, IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN);
    free(ext);
    free(f.p);
    rig_close(&R);
}

/* Continuation at an offset beyond len (or just not the expected one):
 * success with the expected offset, nothing written. */
static void t_off_beyond_len(void)
{
    open_rig();
    blob_t f = load("img1-v2.0.0.signed.bin");
    uint8_t sha[32];
    extxip_crypto_sha256(f.p, f.n, sha);
    chunk(&f, 1, sha, 0, 1000, 1);
    uint8_t *before = snap(3);
    up_t c;
    memset(&c, 0, sizeof c);
    c.off = (uint32_t)f.n + 5000;
    c.data = f.p;
    c.dlen = 100;
    c.image = -1;
    c.upgrade = -1;
    send_upload(&c, SMP_VERSION_2, 1);
    resp_t r = parse();
    CHECK(!r.has_err && !r.has_rc);
    CHECK_EQ(r.off, 1000);
    c.off = 0xffffff00u; /* off + len would overflow 32 bits */
    send_upload(&c, SMP_VERSION_2, 1);
    CHECK_EQ(parse().off, 1000);
    CHECK(same(3, before));
    /* No session at all: off 0 tells the client to start over. */
    CHECK_EQ(extxip_img_mgmt_session_reset(&R.im), 0);
    c.off = 1000;
    send_upload(&c, SMP_VERSION_2, 1);
    r = parse();
    CHECK(r.has_off && !r.has_err);
    CHECK_EQ(r.off, 0);
    free(f.p);
    rig_close(&R);
}

static void t_image_out_of_range(void)
{
    open_rig();
    blob_t f = load("img1-v2.0.0.signed.bin");
    up_t u = first(&f, 3, 512);
    uint8_t *b1 = snap(1), *b3 = snap(3), *b5 = snap(5);
    send_upload(&u, SMP_VERSION_2, 1);
    CHECK_IMG_ERR(IMG_MGMT_ERR_NO_FREE_SLOT);
    u.image = 1000;
    send_upload(&u, SMP_VERSION_1, 1);
    CHECK_RC(MGMT_ERR_EBADSTATE); /* v1 translation of 9 */
    CHECK(same(1, b1));
    CHECK(same(3, b3));
    CHECK(same(5, b5));
    free(f.p);
    rig_close(&R);
}

/* Malformed first chunks, each with its own code; nothing written. */
static void t_bad_first_chunk(void)
{
    open_rig();
    blob_t f = load("img2-v2.0.0.signed.bin");
    blob_t raw = load("app-qspi-v2.raw");
    up_t u = first(&raw, 2, 512); /* not an MCUboot image */
    u.len = 50000;
    first_chunk_refused(&u, 5, IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC);
    u = first(&f, 2, 31); /* shorter than a header */
    first_chunk_refused(&u, 5, IMG_MGMT_ERR_INVALID_IMAGE_HEADER);
    u = first(&f, 2, 512);
    u.with_len = false;
    first_chunk_refused(&u, 5, IMG_MGMT_ERR_INVALID_LENGTH);
    u = first(&f, 2, 512);
    u.len = 1000; /* header says img_size ~92 KB: does not fit the file */
    first_chunk_refused(&u, 5, IMG_MGMT_ERR_INVALID_IMAGE_HEADER);
    uint8_t sha33[33] = {0};
    u = first(&f, 2, 512);
    u.sha = sha33;
    u.sha_len = 33;
    first_chunk_refused(&u, 5, IMG_MGMT_ERR_INVALID_HASH);
    /* hdr_size smaller than a header. */
    uint8_t hdr[512];
    memcpy(hdr, f.p, sizeof hdr);
    hdr[8] = 0x10;
    hdr[9] = 0;
    u = first(&f, 2, 512);
    u.data = hdr;
    first_chunk_refused(&u, 5, IMG_MGMT_ERR_INVALID_IMAGE_HEADER);
    /* Missing "off", wrong types, empty body: SMP-level. */
    uint8_t *before = snap(5);
    const uint8_t no_off[] = {0xa1, 0x64, 'd', 'a', 't', 'a', 0x41, 0x00};
    req(SMP_OP_WRITE, SMP_VERSION_2, 1, no_off, sizeof no_off, 1);
    CHECK_IMG_ERR(IMG_MGMT_ERR_INVALID_OFFSET);
    const uint8_t text_data[] = {0xa2, 0x63, 'o', 'f', 'f', 0x00, 0x64, 'd', 'a', 't', 'a', 0x61, 'x'};
    req(SMP_OP_WRITE, SMP_VERSION_2, 1, text_data, sizeof text_data, 1);
    CHECK_RC(MGMT_ERR_EINVAL);
    req(SMP_OP_WRITE, SMP_VERSION_2, 1, NULL, 0, 1);
    CHECK_RC(MGMT_ERR_EINVAL);
    CHECK(same(5, before));
    free(raw.p);
    free(f.p);
    rig_close(&R);
}

/* upgrade=true compares with image 0's running version (1.0.0). */
static void t_upgrade_flag(void)
{
    open_rig();
    blob_t v1 = load("img2-v1.0.0.signed.bin"), v2 = load("img2-v2.0.0.signed.bin");
    up_t u = first(&v1, 2, 512);
    u.upgrade = 1;
    first_chunk_refused(&u, 5, IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER);
    u = first(&v2, 2, 512);
    u.upgrade = 1;
    send_upload(&u, SMP_VERSION_2, 1);
    CHECK_EQ(parse().off, 512);
    free(v1.p);
    free(v2.p);
    rig_close(&R);
}

/* test/confirm refusals of docs/protocol.md §7.4, each leaving every trailer untouched. */
static void t_state_write_refusals(void)
{
    open_rig();
    uint8_t *s1 = snap(1), *s0 = snap(0), *s4 = snap(4);
    uint8_t h[32];
    memset(h, 0xab, sizeof h);
    state_write(h, 32, 0, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_HASH_NOT_FOUND);
    state_write(h, 32, 0, SMP_VERSION_1);
    CHECK_RC(MGMT_ERR_EUNKNOWN);
    state_write(h, 31, 0, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_INVALID_HASH);
    state_write(NULL, 0, 0, SMP_VERSION_2); /* test without hash */
    CHECK_IMG_ERR(IMG_MGMT_ERR_INVALID_HASH);
    state_write(NULL, 0, -1, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_INVALID_HASH);
    uint8_t dg0[32], dg2[32];
    digest_of("img0-v1.0.0.signed.bin", dg0);
    digest_of("img2-v1.0.0.signed.bin", dg2);
    state_write(dg0, 32, 0, SMP_VERSION_2); /* test the running image */
    CHECK_IMG_ERR(IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED);
    state_write(dg2, 32, 1, SMP_VERSION_2); /* confirm another image's primary */
    CHECK_IMG_ERR(IMG_MGMT_ERR_IMAGE_CONFIRMATION_DENIED);
    /* Confirm with nothing pending: success (no-op), answer is the state. */
    state_write(NULL, 0, 1, SMP_VERSION_2);
    state_t s = parse_state();
    CHECK_EQ(s.n, 3);
    state_write(dg0, 32, 1, SMP_VERSION_2); /* confirm running by hash: no-op */
    CHECK_EQ(parse_state().n, 3);
    CHECK(same(1, s1));
    CHECK(same(0, s0));
    CHECK(same(4, s4));
    /* Pending test: another test or a confirm of the running image is refused. */
    blob_t f = load("img0-v2.0.0.signed.bin");
    upload(&f, 0, true, 1024, 1);
    uint8_t dgv2[32];
    digest_of("img0-v2.0.0.signed.bin", dgv2);
    state_write(dgv2, 32, 0, SMP_VERSION_2);
    CHECK(find_entry((state_t[]){parse_state()}, 0, 1)->pending);
    s1 = snap(1);
    state_write(NULL, 0, 1, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_IMAGE_ALREADY_PENDING);
    state_write(dgv2, 32, 1, SMP_VERSION_2); /* test -> confirm */
    CHECK_IMG_ERR(IMG_MGMT_ERR_IMAGE_ALREADY_PENDING);
    CHECK(same(1, s1));
    free(f.p);
    rig_close(&R);
}

/* Confirm of a secondary sets it pending + permanent. */
static void t_confirm_secondary(void)
{
    open_rig();
    blob_t f = load("img1-v2.0.0.signed.bin");
    upload(&f, 1, true, 700, 1);
    uint8_t dg[32];
    digest_of("img1-v2.0.0.signed.bin", dg);
    state_write(dg, 32, 1, SMP_VERSION_2);
    state_t s = parse_state();
    const entry_t *e = find_entry(&s, 1, 1);
    CHECK(e && e->pending && e->permanent);
    CHECK_EQ(swap_type(1), BOOT_SWAP_TYPE_PERM);
    /* Testing the slot already set permanent: 28. */
    state_write(dg, 32, 0, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_IMAGE_ALREADY_PENDING);
    /* Confirm again: boots next anyway, no-op. */
    state_write(dg, 32, 1, SMP_VERSION_2);
    CHECK(!parse().has_err);
    free(f.p);
    rig_close(&R);
}

/* An image with a bad signature (or hash) can't be tested; trailer untouched. */
static void t_test_bad_signature(void)
{
    open_rig();
    blob_t f = load("img0-v2.0.0.signed.bin");
    /* Flip a byte of the ECDSA signature (last TLV bytes). */
    f.p[f.n - 10] ^= 0x01;
    resp_t r = upload(&f, 0, true, 1800, 1);
    CHECK_EQ(r.off, f.n);
    uint8_t dg[32];
    digest_of("img0-v2.0.0.signed.bin", dg); /* TLV hash unchanged */
    uint8_t *before = snap(1);
    /* A signature that does not verify: 5 INVALID_TLV (its signature TLV), not 23,
     * which claims a bad header magic (issue 26 #4). */
    state_write(dg, 32, 0, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_INVALID_TLV);
    state_write(dg, 32, 1, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_INVALID_TLV);
    CHECK(same(1, before));
    CHECK_EQ(swap_type(0), BOOT_SWAP_TYPE_NONE);
    /* A body byte flipped: hash mismatch, 24 INVALID_HASH. */
    blob_t g = load("img2-v2.0.0.signed.bin");
    g.p[0x300] ^= 0x80;
    upload(&g, 2, true, 1800, 1);
    digest_of("img2-v2.0.0.signed.bin", dg);
    before = snap(5);
    state_write(dg, 32, 0, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_INVALID_HASH);
    CHECK(same(5, before));
    free(g.p);
    free(f.p);
    rig_close(&R);
}

static void t_erase_refusals(void)
{
    open_rig();
    uint8_t *b0 = snap(0), *b2 = snap(2), *b4 = snap(4);
    for (int slot = 0; slot < 6; slot += 2) {
        erase_req(slot, SMP_VERSION_2);
        CHECK_IMG_ERR(IMG_MGMT_ERR_NO_FREE_SLOT);
    }
    erase_req(0, SMP_VERSION_1);
    CHECK_RC(MGMT_ERR_EBADSTATE);
    erase_req(6, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_INVALID_SLOT);
    erase_req(1000, SMP_VERSION_1);
    CHECK_RC(MGMT_ERR_EINVAL);
    CHECK(same(0, b0));
    CHECK(same(2, b2));
    CHECK(same(4, b4));
    /* A pending secondary is in use (ALLOW_ERASE_PENDING=n). */
    blob_t f = load("img2-v2.0.0.signed.bin");
    upload(&f, 2, true, 1800, 1);
    uint8_t dg[32];
    digest_of("img2-v2.0.0.signed.bin", dg);
    state_write(dg, 32, 0, SMP_VERSION_2);
    uint8_t *b5 = snap(5);
    erase_req(5, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_NO_FREE_SLOT);
    CHECK(same(5, b5));
    /* ...and so is uploading over it. */
    up_t u = first(&f, 2, 512);
    first_chunk_refused(&u, 5, IMG_MGMT_ERR_NO_FREE_SLOT);
    /* Blank slot: success, nothing erased. */
    simflash_stats_t st0, st1;
    simflash_stats(R.b.dev[SIMFLASH_DEV_QSPI], &st0);
    erase_req(3, SMP_VERSION_2);
    CHECK(!parse().has_err);
    simflash_stats(R.b.dev[SIMFLASH_DEV_QSPI], &st1);
    CHECK_EQ(st1.erases, st0.erases);
    free(f.p);
    rig_close(&R);
}

/* Slot info: docs/protocol.md §7.7 with this board's partition sizes. */
static void t_slot_info(void)
{
    open_rig();
    static const uint8_t empty[] = {0xa0};
    req(SMP_OP_READ, SMP_VERSION_2, 6, empty, 1, 1);
    extxip_cbor_decoder_t d;
    extxip_cbor_dec_init(&d, R.rsp[0].pkt + 8, R.rsp[0].len - 8);
    const uint32_t sizes[3][2] = {{0xd4000, 0xd4000}, {0x40000, 0x40000}, {0x40000, 0x40000}};
    extxip_cbor_str_t k;
    CHECK_EQ(extxip_cbor_dec_map_enter(&d, NULL), 0);
    CHECK_EQ(extxip_cbor_dec_tstr(&d, &k), 0);
    CHECK(extxip_cbor_str_eq(&k, "images"));
    CHECK_EQ(extxip_cbor_dec_array_enter(&d, NULL), 0);
    for (uint32_t i = 0; i < 3; i++) {
        uint32_t v = 99;
        CHECK_EQ(extxip_cbor_dec_map_enter(&d, NULL), 0);
        extxip_cbor_dec_tstr(&d, &k);
        CHECK(extxip_cbor_str_eq(&k, "image"));
        extxip_cbor_dec_uint32(&d, &v);
        CHECK_EQ(v, i);
        extxip_cbor_dec_tstr(&d, &k);
        CHECK(extxip_cbor_str_eq(&k, "slots"));
        CHECK_EQ(extxip_cbor_dec_array_enter(&d, NULL), 0);
        for (uint32_t s = 0; s < 2; s++) {
            CHECK_EQ(extxip_cbor_dec_map_enter(&d, NULL), 0);
            extxip_cbor_dec_tstr(&d, &k);
            CHECK(extxip_cbor_str_eq(&k, "slot"));
            extxip_cbor_dec_uint32(&d, &v);
            CHECK_EQ(v, s);
            extxip_cbor_dec_tstr(&d, &k);
            CHECK(extxip_cbor_str_eq(&k, "size"));
            extxip_cbor_dec_uint32(&d, &v);
            CHECK_EQ(v, sizes[i][s]);
            if (s == 1) {
                extxip_cbor_dec_tstr(&d, &k);
                CHECK(extxip_cbor_str_eq(&k, "upload_image_id"));
                extxip_cbor_dec_uint32(&d, &v);
                CHECK_EQ(v, i);
            }
            CHECK(extxip_cbor_dec_at_end(&d));
            extxip_cbor_dec_leave(&d);
        }
        extxip_cbor_dec_leave(&d);
        CHECK(extxip_cbor_dec_at_end(&d));
        extxip_cbor_dec_leave(&d);
    }
    CHECK(extxip_cbor_dec_at_end(&d));
    extxip_cbor_dec_leave(&d);
    CHECK(extxip_cbor_dec_at_end(&d));
    CHECK_EQ(cbor_dec_err(&d), 0);
    /* Upload READ / slot info WRITE: not supported. */
    req(SMP_OP_READ, SMP_VERSION_2, 1, empty, 1, 1);
    CHECK_RC(MGMT_ERR_ENOTSUP);
    req(SMP_OP_WRITE, SMP_VERSION_2, 6, empty, 1, 1);
    CHECK_RC(MGMT_ERR_ENOTSUP);
    rig_close(&R);
}

/* Re-uploading a file the slot already holds: answered at once (image check). */
static void t_image_check_shortcut(void)
{
    open_rig();
    blob_t f = load("img1-v2.0.0.signed.bin");
    upload(&f, 1, true, 1000, 1);
    simflash_stats_t a, b;
    simflash_stats(R.b.dev[SIMFLASH_DEV_QSPI], &a);
    resp_t r = upload(&f, 1, true, 1000, 1);
    simflash_stats(R.b.dev[SIMFLASH_DEV_QSPI], &b);
    CHECK_EQ(r.off, f.n);
    CHECK(r.has_match && r.match);
    CHECK_EQ(b.erases, a.erases);
    CHECK_EQ(b.programs, a.programs);
    free(f.p);
    rig_close(&R);
}

/* Many sessions wrap the log over its sectors; resume still exact. */
static void t_log_wraps(void)
{
    open_rig();
    R.cfg.checkpoint_bytes = 4096;
    rig_boot();
    blob_t f = load("img2-v1.0.0.signed.bin");
    uint8_t sha[32];
    extxip_crypto_sha256(f.p, f.n, sha);
    for (int round = 0; round < 6; round++) {
        erase_req(5, SMP_VERSION_2);
        upload(&f, 2, true, 1700, 1);
    }
    CHECK(R.im.log_writes > 128); /* more records than the 8 KiB window holds */
    erase_req(5, SMP_VERSION_2);
    uint32_t off = 0;
    off = advance(&f, 2, sha, 0, 50000, 1700, 1);
    rig_boot();
    uint32_t soff = 0;
    CHECK(extxip_img_mgmt_session_get(&R.im, NULL, &soff, NULL));
    CHECK_EQ(soff, (off / 4096) * 4096);
    resp_t r = upload_from(&f, 2, sha, chunk(&f, 2, sha, 0, 64, 1).off, 1700, 1);
    CHECK(r.match);
    CHECK(slot_holds(5, &f));
    free(f.p);
    rig_close(&R);
}

/* Last-boot report accessor and its optional state-read key. */
static void t_boot_report(void)
{
    open_rig();
    char line[96];
    CHECK_EQ(extxip_img_mgmt_last_boot(&R.im), NULL);
    CHECK_EQ(strcmp(extxip_img_mgmt_boot_report(&R.im, 0, line, sizeof line), ""), 0);
    memset(&g_boot, 0, sizeof g_boot);
    g_boot.image_count = 3;
    g_boot.img[0].bootable = true;
    g_boot.img[2].bootable = true;
    g_boot.img[2].upgrade = BOOT_UPGRADE_REFUSED;
    g_boot.img[2].reason = BOOT_REASON_DOWNGRADE;
    g_boot.img[2].from = (extxip_image_version_t){2, 0, 0, 0};
    g_boot.img[2].to = (extxip_image_version_t){1, 0, 0, 0};
    R.cfg.last_boot = &g_boot;
    rig_boot();
    CHECK(extxip_img_mgmt_last_boot(&R.im) == &g_boot);
    extxip_img_mgmt_boot_report(&R.im, 2, line, sizeof line);
    CHECK(strstr(line, "image 2: upgrade refused (") == line);
    CHECK(strstr(line, "2.0.0 -> 1.0.0") != NULL);
    state_t s = state_read();
    CHECK_EQ(strcmp(s.top_keys, "images,splitStatus,"), 0); /* off by default */
    R.cfg.boot_report_key = true;
    rig_boot();
    s = state_read();
    CHECK_EQ(strcmp(s.top_keys, "images,splitStatus,bootReport,"), 0);
    rig_close(&R);
}

/* Netcore primary can be hidden (Zephyr's usual list). */
static void t_netcore_hidden(void)
{
    open_rig();
    R.cfg.list_netcore_primary = false;
    rig_boot();
    state_t s = state_read();
    CHECK_EQ(s.n, 2);
    CHECK(find_entry(&s, 1, 0) == NULL);
    rig_close(&R);
}

/* Progressive erase: on a dirty slot the first chunk erases only the header
 * sector and the trailer sector, not the whole image length. Prints the
 * modelled flash time (MX25R64 typical figures). */
static void t_progressive_erase(void)
{
    open_rig();
    const extxip_flash_area_t *fa = rig_area(&R, 1);
    uint8_t zeros[4096];
    memset(zeros, 0, sizeof zeros);
    for (uint32_t o = 0; o < fa->size; o += sizeof zeros) {
        CHECK_EQ(extxip_flash_area_write(fa, o, zeros, sizeof zeros), 0);
    }
    blob_t f = load("img0-v2.0.0.signed.bin");
    simflash_t *q = R.b.dev[SIMFLASH_DEV_QSPI];
    simflash_board_set_timing(&R.b, SIMFLASH_TIMING_TYPICAL, 0);
    simflash_stats_reset(q);
    uint8_t sha[32];
    extxip_crypto_sha256(f.p, f.n, sha);
    resp_t r = chunk(&f, 0, sha, 0, 1024, 1);
    CHECK_EQ(r.off, 1024);
    simflash_stats_t a, b;
    simflash_stats(q, &a);
    CHECK_EQ(a.erases, 2);
    r = upload_from(&f, 0, sha, 1024, 1024, 1);
    CHECK(r.match);
    simflash_stats(q, &b);
    uint32_t sectors = (uint32_t)((f.n + 4095) / 4096);
    CHECK_EQ(b.erases, sectors + 1u); /* image sectors + trailer sector, each once */
    CHECK(slot_holds(1, &f));
    printf("progressive erase: first chunk %llu sectors %.1f ms; whole upload %llu sectors "
           "%.1f ms (%u-byte file); log records %u\n",
           (unsigned long long)a.erases, a.time_ns / 1e6, (unsigned long long)b.erases,
           b.time_ns / 1e6, (unsigned)f.n, (unsigned)R.im.log_writes);
    free(f.p);
    rig_close(&R);
}

/* ------------------------------------------------------------------ main */


/* ---- issue 13: states a sequence of valid requests could reach ---------- */

/* What the bootloader would do on reset, then the services restart. */
static void rig_reset_through_boot(void)
{
    static extxip_boot_state_t bst;
    extxip_boot_go(&bst, &R.lay.map, &image_dev_keyring, NULL, &g_boot);
    R.cfg.last_boot = &g_boot;
    rig_boot();
}

/* A pending image the bootloader refused (here: image 0 v2 without its
 * partner) no longer blocks its slot: erase and upload work again. */
static void t_refused_slot_reusable(void)
{
    open_rig();
    blob_t f = load("img0-v2.0.0.signed.bin");
    uint8_t dg[32];
    digest_of("img0-v2.0.0.signed.bin", dg);
    CHECK_EQ(upload(&f, 0, true, 1800, 1).off, f.n);
    state_write(dg, 32, 0, SMP_VERSION_2);
    CHECK_EQ(parse().has_err, false);
    /* Before any boot, a pending slot is in use (Zephyr's rule). */
    erase_req(1, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_NO_FREE_SLOT);
    rig_reset_through_boot();
    CHECK_EQ(g_boot.img[0].upgrade, BOOT_UPGRADE_REFUSED);
    CHECK_EQ(swap_type(0), BOOT_SWAP_TYPE_TEST); /* still pending for its partner */
    erase_req(1, SMP_VERSION_2);
    resp_t r = parse();
    CHECK(!r.has_err && (!r.has_rc || r.rc == 0));
    CHECK_EQ(swap_type(0), BOOT_SWAP_TYPE_NONE);
    /* ... and a new upload over a refused pending image works too. */
    CHECK_EQ(upload(&f, 0, true, 1800, 1).off, f.n);
    state_write(dg, 32, 0, SMP_VERSION_2);
    rig_reset_through_boot();
    r = upload(&f, 0, true, 1800, 2);
    CHECK(!r.has_err);
    CHECK_EQ(r.off, f.n);
    free(f.p);
    rig_close(&R);
}

/* imgtool --pad's shape for img1-v2: the signed file, then erased bytes up
 * to the whole slot `fa`, so the file carries its own trailer area (which
 * each case then marks as it needs). */
static blob_t padded_img1(const extxip_flash_area_t *fa)
{
    blob_t v = load("img1-v2.0.0.signed.bin");
    blob_t f = {malloc(fa->size), fa->size};
    memset(f.p, 0xff, f.n);
    memcpy(f.p, v.p, v.n);
    free(v.p);
    return f;
}

/* A padded file whose trailer carries image_ok 0x01 and swap_info 0x00 but
 * no magic: `test` cannot write its marks, so it answers an error and
 * schedules nothing (it used to answer FLASH_WRITE_FAILED with the magic
 * already written: pending and permanent). */
static void t_test_dirty_trailer(void)
{
    open_rig();
    const extxip_flash_area_t *fa = rig_area(&R, 3);
    blob_t f = padded_img1(fa);
    f.p[BOOT_IMAGE_OK_OFF(fa->size)] = 0x01;
    f.p[BOOT_SWAP_INFO_OFF(fa->size)] = 0x00;
    CHECK_EQ(upload(&f, 1, true, 1800, 1).off, f.n);
    uint8_t dg[32];
    digest_of("img1-v2.0.0.signed.bin", dg);
    uint8_t *before = snap(3);
    state_write(dg, 32, 0, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC);
    state_write(dg, 32, 1, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC);
    CHECK(same(3, before));
    CHECK_EQ(swap_type(1), BOOT_SWAP_TYPE_NONE);
    rig_reset_through_boot();
    CHECK_EQ(g_boot.img[1].upgrade, BOOT_UPGRADE_NONE);
    free(f.p);
    rig_close(&R);
}

/* Testing an image that is already pending validates it again. */
static void t_test_pending_invalid(void)
{
    open_rig();
    blob_t f = load("img1-v2.0.0.signed.bin");
    uint8_t dg[32];
    digest_of("img1-v2.0.0.signed.bin", dg);
    CHECK_EQ(upload(&f, 1, true, 1800, 1).off, f.n);
    state_write(dg, 32, 0, SMP_VERSION_2);
    CHECK(!parse().has_err);
    state_write(dg, 32, 0, SMP_VERSION_2); /* again: still fine */
    CHECK(!parse().has_err);
    /* The secondary's signature rots: clear one set bit of a signature byte
     * (a 1 -> 0 change, which NOR flash allows without an erase). */
    const extxip_flash_area_t *fa = rig_area(&R, 3);
    uint32_t at = (uint32_t)f.n - 10, wo = at & ~3u;
    uint8_t w[4];
    CHECK_EQ(extxip_flash_area_read(fa, wo, w, 4), 0);
    uint8_t *bp = &w[at - wo];
    CHECK(*bp != 0);
    *bp &= (uint8_t)(*bp - 1u); /* lowest set bit cleared */
    CHECK_EQ(extxip_flash_area_write(fa, wo, w, 4), 0);
    state_write(dg, 32, 0, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_INVALID_TLV); /* its signature no longer verifies */
    free(f.p);
    rig_close(&R);
}

/* Another client's first chunk that fails the checks leaves the owner's
 * session where it was. */
static void t_nonowner_keeps_session(void)
{
    open_rig();
    blob_t a = load("img2-v2.0.0.signed.bin");
    uint8_t sa[32];
    extxip_crypto_sha256(a.p, a.n, sa);
    uint32_t off = advance(&a, 2, sa, 0, 8500, 500, 1);
    CHECK(off >= 8500);
    blob_t junk = {calloc(1, a.n), a.n}; /* same len and sha, no image header */
    R.now_ms += 100;
    chunk(&junk, 2, sa, 0, 500, 2);
    CHECK(parse().has_err);
    up_t u;
    memset(&u, 0, sizeof u);
    u.data = a.p;
    u.dlen = 10; /* shorter than a header */
    u.with_len = true;
    u.len = (uint32_t)a.n;
    u.image = 2;
    u.sha = sa;
    u.sha_len = 32;
    u.upgrade = -1;
    send_upload(&u, SMP_VERSION_2, 2);
    CHECK(parse().has_err);
    resp_t r = chunk(&a, 2, sa, off, 500, 1);
    CHECK_EQ(r.off, off + 500);
    r = upload_from(&a, 2, sa, off + 500, 1800, 1);
    CHECK_EQ(r.off, a.n);
    CHECK(r.match);
    free(junk.p);
    free(a.p);
    rig_close(&R);
}

/* A primary trailer with copy_done set (what an older bootloader copied from
 * a crafted upload) is not a revert: the image reads confirmed and image 2
 * takes uploads and test as usual. */
static void t_primary_copy_done(void)
{
    open_rig();
    const extxip_flash_area_t *p2 = rig_area(&R, 4);
    CHECK_EQ(extxip_flash_area_write(p2, BOOT_MAGIC_OFF(p2->size), extxip_boot_trailer_magic, 16), 0);
    uint8_t one[4] = {0x01, 0xff, 0xff, 0xff};
    CHECK_EQ(extxip_flash_area_write(p2, BOOT_COPY_DONE_OFF(p2->size), one, 4), 0);
    rig_boot();
    state_t s = state_read();
    const entry_t *e = find_entry(&s, 2, 0);
    CHECK(e != NULL && e->confirmed && e->active && !e->pending);
    blob_t f = load("img2-v2.0.0.signed.bin");
    CHECK_EQ(upload(&f, 2, true, 1800, 1).off, f.n);
    uint8_t dg[32];
    digest_of("img2-v2.0.0.signed.bin", dg);
    state_write(dg, 32, 0, SMP_VERSION_2);
    CHECK(!parse().has_err);
    CHECK_EQ(swap_type(2), BOOT_SWAP_TYPE_TEST);
    free(f.p);
    rig_close(&R);
}

/* `test` refuses an image whose dependency names an image this device does
 * not have (it could never boot, and would hold its slot). */
static void t_test_missing_dependency(void)
{
    open_rig();
    blob_t f = tu_load_in(EXTXIP_BOOT_GEN_DIR, "img1-v2.0.0-dep7.bin");
    CHECK_EQ(upload(&f, 1, true, 1800, 1).off, f.n);
    extxip_image_info_t info;
    CHECK_EQ(extxip_image_parse(rig_area(&R, 3), &info), IMAGE_OK);
    uint8_t *before = snap(3);
    state_write(info.hash, 32, 0, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_INVALID_IMAGE_HEADER);
    CHECK(same(3, before));
    free(f.p);
    rig_close(&R);
}


/* A padded file whose trailer has the magic but an image_ok that is neither
 * set nor erased is not pending, and test/confirm cannot make it so: they
 * answer an error instead of success (found by the adversarial check). */
static void t_test_bad_image_ok(void)
{
    open_rig();
    const extxip_flash_area_t *fa = rig_area(&R, 3);
    blob_t f = padded_img1(fa);
    memcpy(f.p + BOOT_MAGIC_OFF(fa->size), extxip_boot_trailer_magic, BOOT_MAGIC_SIZE);
    f.p[BOOT_IMAGE_OK_OFF(fa->size)] = 0x02;
    CHECK_EQ(upload(&f, 1, true, 1800, 1).off, f.n);
    CHECK_EQ(swap_type(1), BOOT_SWAP_TYPE_NONE);
    uint8_t dg[32];
    digest_of("img1-v2.0.0.signed.bin", dg);
    state_write(dg, 32, 0, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC);
    state_write(dg, 32, 1, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC);
    free(f.p);
    rig_close(&R);
}

/* An upload refused for a wrong sha leaves nothing scheduled, even when the
 * padded file carried a pending trailer of its own. */
static void t_wrong_sha_padded(void)
{
    open_rig();
    const extxip_flash_area_t *fa = rig_area(&R, 3);
    blob_t f = padded_img1(fa);
    memcpy(f.p + BOOT_MAGIC_OFF(fa->size), extxip_boot_trailer_magic, BOOT_MAGIC_SIZE);
    f.p[BOOT_IMAGE_OK_OFF(fa->size)] = 0x01;
    uint8_t sha[32];
    extxip_crypto_sha256(f.p, f.n, sha);
    sha[0] ^= 1;
    resp_t r = upload_from(&f, 1, sha, 0, 1800, 1);
    CHECK(r.has_err);
    CHECK_EQ(r.err_rc, IMG_MGMT_ERR_INVALID_HASH);
    CHECK_EQ(swap_type(1), BOOT_SWAP_TYPE_NONE);
    /* and the slot takes the right file at once */
    CHECK_EQ(upload(&f, 1, true, 1800, 1).off, f.n);
    free(f.p);
    rig_close(&R);
}

/* A session restored from a checkpoint whose file was finished and then
 * tested must not resume over the scheduled image. */
static void t_no_resume_into_pending(void)
{
    open_rig();
    blob_t f = load("img2-v2.0.0.signed.bin");
    uint8_t sha[32];
    extxip_crypto_sha256(f.p, f.n, sha);
    uint32_t off = advance(&f, 2, sha, 0, 70000, 1500, 1);
    CHECK(off >= 70000 && off < f.n);
    /* The rest of the file lands by other means (what a power cut after
     * the last chunk, before the session's idle record, leaves). */
    const extxip_flash_area_t *fa = rig_area(&R, 5);
    uint32_t a = off & ~3u, n = ((uint32_t)f.n - a + 3u) & ~3u;
    uint8_t *tail = malloc(n);
    memset(tail, 0xff, n);
    memcpy(tail, f.p + a, f.n - a);
    uint8_t *cur = malloc(n);
    CHECK_EQ(extxip_flash_area_read(fa, a, cur, n), 0);
    for (uint32_t i = 0; i < n; i++)
        cur[i] &= tail[i];
    CHECK_EQ(extxip_flash_area_write(fa, a, cur, n), 0);
    free(cur);
    free(tail);
    uint8_t dg[32];
    digest_of("img2-v2.0.0.signed.bin", dg);
    state_write(dg, 32, 0, SMP_VERSION_2);
    CHECK(!parse().has_err);
    CHECK_EQ(swap_type(2), BOOT_SWAP_TYPE_TEST);
    CHECK(!extxip_img_mgmt_session_get(&R.im, NULL, NULL, NULL));
    /* The client that never saw its upload finish runs it again. */
    resp_t r = chunk(&f, 2, sha, 0, 1500, 1);
    CHECK(r.has_err);
    CHECK_EQ(r.err_rc, IMG_MGMT_ERR_NO_FREE_SLOT);
    CHECK_EQ(swap_type(2), BOOT_SWAP_TYPE_TEST);
    free(f.p);
    rig_close(&R);
}

/* ---- issue 32: every listing is true, and no other peer changes the slot
 * under a live upload ---- */

/* Image digest of a signed file: SHA-256 of header, body and protected TLVs. */
static void file_digest(const blob_t *f, uint8_t out[32])
{
    extxip_image_header_t h;
    CHECK_EQ(extxip_image_header_decode(f->p, f->n, &h), IMAGE_OK);
    size_t n = (size_t)h.hdr_size + h.img_size + h.protect_tlv_size;
    CHECK(n <= f->n);
    extxip_crypto_sha256(f->p, n <= f->n ? n : f->n, out);
}

/* Every listed slot holds what the listing says: its bytes validate (SHA-256
 * TLV over header + body, as `test` checks) to that hash and version. */
static bool listing_true(const state_t *s)
{
    bool ok = true;
    for (size_t i = 0; i < s->n; i++) {
        const entry_t *e = &s->e[i];
        extxip_image_info_t info;
        char v[IMG_MGMT_VER_STR_MAX];
        const extxip_flash_area_t *fa = rig_area(&R, 2u * e->image + e->slot);
        if (!fa || extxip_image_validate(fa, NULL, &info) != IMAGE_OK) {
            fprintf(stderr, "listed image %u slot %u does not validate\n", (unsigned)e->image,
                    (unsigned)e->slot);
            ok = false;
            continue;
        }
        extxip_img_mgmt_ver_str(&info.hdr.ver, v, sizeof v);
        if (e->hash_len != 32 || memcmp(e->hash, info.hash, 32) != 0 ||
            strcmp(e->version, v) != 0) {
            fprintf(stderr, "listed image %u slot %u: %s, slot holds %s\n", (unsigned)e->image,
                    (unsigned)e->slot, e->version, v);
            ok = false;
        }
    }
    return ok;
}

/* The slot really is torn: a v3 header over v2's body and TLVs parses as a
 * whole image, and does not validate. */
static void check_torn(uint32_t slot)
{
    extxip_image_info_t info;
    CHECK_EQ(extxip_image_parse(rig_area(&R, slot), &info), IMAGE_OK);
    CHECK_EQ(info.hdr.ver.major, 3);
    CHECK_EQ(extxip_image_validate(rig_area(&R, slot), NULL, &info), IMAGE_ERR_HASH);
}

/* An upload of v3 over a complete v2 of image 1, abandoned at 20 KB: the
 * secondary (v3's header over v2's body and TLVs) is not listed as 3.0.0
 * (nor as anything: it holds no image), `test` of the hash its TLV carries
 * schedules nothing, and the slot can be erased and uploaded again. */
static void t_torn_listing_abandoned(void)
{
    open_rig();
    blob_t v2 = load("img1-v2.0.0.signed.bin");
    blob_t v3 = tu_load_in(EXTXIP_BOOT_GEN_DIR, "img1-v3.0.0.bin");
    uint8_t s3[32], d2[32], d3[32];
    extxip_crypto_sha256(v3.p, v3.n, s3);
    digest_of("img1-v2.0.0.signed.bin", d2);
    file_digest(&v3, d3);
    CHECK_EQ(upload(&v2, 1, true, 1800, 1).off, v2.n);
    state_t s = state_read();
    const entry_t *e = find_entry(&s, 1, 1);
    CHECK(e != NULL && strcmp(e->version, "2.0.0") == 0);
    CHECK_EQ(advance(&v3, 1, s3, 0, 20480, 1024, 1), 20480);
    R.now_ms += 6000; /* the client is gone */
    check_torn(3);
    s = state_read();
    CHECK(listing_true(&s));
    CHECK(find_entry(&s, 1, 1) == NULL);
    CHECK_EQ(s.n, 3); /* the three primaries */
    state_write_from(d2, 32, 0, SMP_VERSION_2, 2);
    CHECK(parse().has_err);
    CHECK_EQ(swap_type(1), BOOT_SWAP_TYPE_NONE);
    /* Erased by another client, then uploaded again: listed as what it is. */
    erase_from(3, SMP_VERSION_2, 2);
    CHECK(!parse().has_err);
    CHECK_EQ(extxip_flash_area_is_erased(rig_area(&R, 3), 0, rig_area(&R, 3)->size), 1);
    resp_t r = upload(&v3, 1, true, 1500, 2);
    CHECK_EQ(r.off, v3.n);
    CHECK(r.match);
    s = state_read();
    CHECK(listing_true(&s));
    e = find_entry(&s, 1, 1);
    CHECK(e != NULL && strcmp(e->version, "3.0.0") == 0);
    CHECK(e != NULL && memcmp(e->hash, d3, 32) == 0);
    free(v2.p);
    free(v3.p);
    rig_close(&R);
}

/* The same upload cut by a power loss at each flash operation of a chunk
 * past 16 KB, then the device restarts: the torn secondary is not listed,
 * and the client's upload started again lands and is listed truly. */
static void t_torn_listing_cut(void)
{
    blob_t v2 = load("img1-v2.0.0.signed.bin");
    blob_t v3 = tu_load_in(EXTXIP_BOOT_GEN_DIR, "img1-v3.0.0.bin");
    uint8_t s3[32], d3[32];
    extxip_crypto_sha256(v3.p, v3.n, s3);
    file_digest(&v3, d3);
    for (uint64_t cut = 1; cut <= 6; cut++) {
        open_rig();
        CHECK_EQ(upload(&v2, 1, true, 1800, 1).off, v2.n);
        uint32_t off = advance(&v3, 1, s3, 0, 16000, 1800, 1);
        simflash_power_cut_after(&R.b.power, cut);
        for (int i = 0; i < 4 && !simflash_power_is_cut(&R.b.power); i++) {
            resp_t r = chunk(&v3, 1, s3, off, 1800, 1);
            off = r.has_off ? r.off : off;
        }
        CHECK(simflash_power_is_cut(&R.b.power));
        simflash_power_on(&R.b.power);
        rig_boot();
        check_torn(3);
        state_t s = state_read();
        CHECK(listing_true(&s));
        CHECK(find_entry(&s, 1, 1) == NULL);
        resp_t r = upload(&v3, 1, true, 1800, 1);
        CHECK_EQ(r.off, v3.n);
        CHECK(r.match);
        s = state_read();
        CHECK(listing_true(&s));
        const entry_t *e = find_entry(&s, 1, 1);
        CHECK(e != NULL && strcmp(e->version, "3.0.0") == 0);
        CHECK(e != NULL && memcmp(e->hash, d3, 32) == 0);
        rig_close(&R);
    }
    free(v2.p);
    free(v3.p);
}

/* While client A uploads image 1, client B's erase of that slot is refused
 * busy (rc 10) and changes nothing; B's erase of another slot leaves A's
 * session alone; once A has been silent for busy_ms, B's erase is allowed. */
static void t_erase_foreign_busy(void)
{
    open_rig();
    blob_t a = load("img1-v2.0.0.signed.bin");
    blob_t b = tu_load_in(EXTXIP_BOOT_GEN_DIR, "img1-v3.0.0.bin");
    uint8_t sa[32], sb[32];
    extxip_crypto_sha256(a.p, a.n, sa);
    extxip_crypto_sha256(b.p, b.n, sb);
    uint32_t off = advance(&a, 1, sa, 0, 8000, 1000, 1);
    uint8_t *s3 = snap(3);
    R.now_ms += 1000;
    erase_from(3, SMP_VERSION_2, 2);
    CHECK_RC(MGMT_ERR_EBUSY);
    erase_from(3, SMP_VERSION_1, 2);
    CHECK_RC(MGMT_ERR_EBUSY);
    CHECK(same(3, s3));
    erase_from(5, SMP_VERSION_2, 2); /* image 2's secondary: not A's */
    CHECK(!parse().has_err && !parse().has_rc);
    uint32_t soff = 0;
    uint8_t simg = 0xff;
    CHECK(extxip_img_mgmt_session_get(&R.im, &simg, &soff, NULL));
    CHECK_EQ(simg, 1);
    CHECK_EQ(soff, off);
    resp_t r = upload_from(&a, 1, sa, off, 1000, 1);
    CHECK_EQ(r.off, a.n);
    CHECK(r.match);
    CHECK(slot_holds(3, &a));
    /* A new session that goes quiet: busy within busy_ms, allowed after. */
    off = advance(&b, 1, sb, 0, 8000, 1000, 1);
    R.now_ms += 4000;
    erase_from(3, SMP_VERSION_2, 2);
    CHECK_RC(MGMT_ERR_EBUSY);
    CHECK(extxip_img_mgmt_session_get(&R.im, NULL, NULL, NULL));
    R.now_ms += 1000;
    erase_from(3, SMP_VERSION_2, 2);
    CHECK(!parse().has_err && !parse().has_rc);
    CHECK(!extxip_img_mgmt_session_get(&R.im, NULL, NULL, NULL));
    CHECK_EQ(extxip_flash_area_is_erased(rig_area(&R, 3), 0, rig_area(&R, 3)->size), 1);
    free(a.p);
    free(b.p);
    rig_close(&R);
}

/* While client A uploads v2 again over v2 (no sha, at a sector boundary the
 * slot still validates), client B's test or confirm of that slot is refused
 * busy and schedules nothing; A's upload finishes, then B may test it. */
static void t_test_foreign_busy(void)
{
    open_rig();
    blob_t f = load("img1-v2.0.0.signed.bin");
    uint8_t dg[32];
    digest_of("img1-v2.0.0.signed.bin", dg);
    CHECK_EQ(upload(&f, 1, true, 1800, 1).off, f.n);
    CHECK_EQ(advance(&f, 1, NULL, 0, 8192, 1024, 1), 8192);
    extxip_image_info_t info;
    CHECK_EQ(extxip_image_validate(rig_area(&R, 3), NULL, &info), IMAGE_OK);
    R.now_ms += 1000;
    state_write_from(dg, 32, 0, SMP_VERSION_2, 2);
    CHECK_RC(MGMT_ERR_EBUSY);
    state_write_from(dg, 32, 1, SMP_VERSION_2, 2);
    CHECK_RC(MGMT_ERR_EBUSY);
    CHECK_EQ(swap_type(1), BOOT_SWAP_TYPE_NONE);
    uint32_t soff = 0;
    CHECK(extxip_img_mgmt_session_get(&R.im, NULL, &soff, NULL));
    CHECK_EQ(soff, 8192);
    resp_t r = upload_from(&f, 1, NULL, 8192, 1024, 1);
    CHECK_EQ(r.off, f.n);
    CHECK(slot_holds(3, &f));
    state_write_from(dg, 32, 0, SMP_VERSION_2, 2);
    CHECK(!parse().has_err && !parse().has_rc);
    CHECK_EQ(swap_type(1), BOOT_SWAP_TYPE_TEST);
    free(f.p);
    rig_close(&R);
}

/* Storage erase, which ends the upload session (its record lives on the
 * settings partition), is refused busy for another client while the owner's
 * upload is live, and erases nothing; after busy_ms of silence it goes ahead
 * and the session is gone, as before. */
static void t_storage_erase_foreign_busy(void)
{
    open_rig();
    blob_t f = load("img2-v1.0.0.signed.bin");
    uint8_t sha[32];
    extxip_crypto_sha256(f.p, f.n, sha);
    uint32_t off = advance(&f, 2, sha, 0, 40000, 1000, 1);
    CHECK(off >= 40000 && off < 65536);
    CHECK_EQ(extxip_kvs_write(&R.kvs, "app/keep", 8, (const uint8_t *)"x", 1), KVS_OK);
    uint8_t *set = snap(FLASH_AREA_SETTINGS);
    R.now_ms += 100;
    storage_erase_from(2);
    CHECK_RC(MGMT_ERR_EBUSY);
    CHECK(same(FLASH_AREA_SETTINGS, set));
    CHECK_EQ(R.zbp.erases, 0);
    uint32_t soff = 0;
    CHECK(extxip_img_mgmt_session_get(&R.im, NULL, &soff, NULL));
    CHECK_EQ(soff, off);
    resp_t r = chunk(&f, 2, sha, off, 1000, 1);
    CHECK_EQ(r.off, off + 1000);
    /* the checkpoint is still on flash: a reset resumes there */
    rig_boot();
    CHECK(extxip_img_mgmt_session_get(&R.im, NULL, &soff, NULL));
    CHECK_EQ(soff, 32768);
    r = chunk(&f, 2, sha, 0, 1000, 1);
    CHECK_EQ(r.off, 32768);
    off = advance(&f, 2, sha, 32768, 50000, 1000, 1);
    R.now_ms += 5000; /* the owner has gone quiet */
    storage_erase_from(2);
    resp_t z = parse();
    CHECK(!z.has_err && !z.has_rc);
    CHECK_EQ(R.zbp.erases, 1);
    CHECK(!extxip_img_mgmt_session_get(&R.im, NULL, NULL, NULL));
    rig_boot();
    CHECK(!extxip_img_mgmt_session_get(&R.im, NULL, NULL, NULL));
    free(f.p);
    rig_close(&R);
}

/* ---- `test` refuses what the bootloader would not install (issue 32) ---- */

/* The answer carries this verbose reason ("rsn"). */
static bool rsp_says(const char *rsn)
{
    size_t n = strlen(rsn);
    for (size_t i = 8; i + n <= R.rsp[0].len; i++)
        if (memcmp(R.rsp[0].pkt + i, rsn, n) == 0)
            return true;
    return false;
}

/* Upload generated image `name` as `image`, then test and confirm it: both
 * refused with `code` (v2 "err"), and to a v1 client with a server whose
 * verbose errors are on, `rsn`; the slot byte for byte as uploaded (nothing
 * marked). */
static void refused_at_test(const char *name, int image, uint32_t code, const char *rsn)
{
    blob_t f = tu_load_in(EXTXIP_BOOT_GEN_DIR, name);
    uint32_t slot = FLASH_AREA_IMAGE_SECONDARY(image);
    CHECK_EQ(upload(&f, image, true, 1800, 1).off, f.n);
    extxip_image_info_t info;
    CHECK_EQ(extxip_image_parse(rig_area(&R, slot), &info), IMAGE_OK);
    uint8_t *before = snap(slot);
    for (int confirm = 0; confirm < 2; confirm++) {
        state_write(info.hash, 32, confirm, SMP_VERSION_2);
        CHECK_IMG_ERR(code);
        R.srv.verbose_err = true;
        state_write(info.hash, 32, confirm, SMP_VERSION_1);
        CHECK(parse().has_rc);
        CHECK(rsp_says(rsn));
        R.srv.verbose_err = false;
    }
    CHECK(same(slot, before));
    CHECK_EQ(swap_type((uint8_t)image), BOOT_SWAP_TYPE_NONE);
    free(f.p);
}

/* Header flags the build does not implement: encryption, compression, RAM
 * load, PIC, unknown bits. Answered INVALID_IMAGE_HEADER "unsupported
 * flags" (an encrypted image was refused as 23 "header magic" before: its
 * hash does not match the plaintext; a compressed one was scheduled). */
static void t_test_unsupported_flags(void)
{
    static const char *const names[] = {
        "img1-v2.0.0-flags0x4.bin",    "img1-v2.0.0-flags0x8.bin",   "img1-v2.0.0-flags0x200.bin",
        "img1-v2.0.0-flags0x400.bin",  "img1-v2.0.0-flags0x800.bin", "img1-v2.0.0-flags0xc00.bin",
        "img1-v2.0.0-flags0x20.bin",   "img1-v2.0.0-flags0x1.bin",   "img1-v2.0.0-flags0x1000.bin",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        open_rig();
        refused_at_test(names[i], 1, IMG_MGMT_ERR_INVALID_IMAGE_HEADER, "unsupported flags");
        rig_close(&R);
    }
}

/* A non-bootable image is never scheduled over a primary. */
static void t_test_non_bootable(void)
{
    open_rig();
    refused_at_test("img1-v2.0.0-nonbootable.bin", 1, IMG_MGMT_ERR_INVALID_IMAGE_HEADER,
                    "not bootable");
    rig_close(&R);
}

/* imgtool's compressed network-core image (issue 22): `image test` judges it
 * as the bootloader will. Built with EXTXIP_BOOT_COMPRESSION: scheduled, after
 * the outer and the decompressed image's checks and the slot check on the
 * plain image; one byte of its body changed: refused, nothing marked.
 * Without the option: refused by its flags, as the bootloader would. */
static void t_test_compressed(void)
{
    open_rig();
    blob_t f = load("compressed/img1-v2.0.0.lzma2armthumb.signed.bin");
    CHECK_EQ(upload(&f, 1, true, 1800, 1).off, f.n);
    extxip_image_info_t info;
    CHECK_EQ(extxip_image_parse(rig_area(&R, 3), &info), IMAGE_OK);
#if EXTXIP_BOOT_COMPRESSION
    state_write(info.hash, 32, 0, SMP_VERSION_2);
    CHECK(!parse().has_err);
    CHECK_EQ(swap_type(1), BOOT_SWAP_TYPE_TEST);
    rig_close(&R);
    /* the same image with one body byte flipped: its outer hash fails */
    open_rig();
    f.p[info.hdr.hdr_size + 40] ^= 0x01;
    CHECK_EQ(upload(&f, 1, true, 1800, 1).off, f.n);
    state_write(info.hash, 32, 0, SMP_VERSION_2);
    CHECK(parse().has_err);
    CHECK_EQ(swap_type(1), BOOT_SWAP_TYPE_NONE);
#else
    state_write(info.hash, 32, 0, SMP_VERSION_2);
    CHECK_IMG_ERR(IMG_MGMT_ERR_INVALID_IMAGE_HEADER);
    CHECK_EQ(swap_type(1), BOOT_SWAP_TYPE_NONE);
#endif
    free(f.p);
    rig_close(&R);
}

/* Image 1 ROM-fixed to image 2's primary: Zephyr's answer to a ROM-fixed
 * address that is not the slot's (INVALID_FLASH_ADDRESS, "img addr
 * mismatch"). ROM-fixed to its own primary: scheduled. */
static void t_test_rom_fixed(void)
{
    open_rig();
    refused_at_test("img1-v2.0.0-romfixed-0x120000.bin", 1, IMG_MGMT_ERR_INVALID_FLASH_ADDRESS,
                    "img addr mismatch");
    rig_close(&R);
    open_rig();
    blob_t f = tu_load_in(EXTXIP_BOOT_GEN_DIR, "img1-v2.0.0-romfixed-0x0.bin");
    CHECK_EQ(upload(&f, 1, true, 1800, 1).off, f.n);
    extxip_image_info_t info;
    CHECK_EQ(extxip_image_parse(rig_area(&R, 3), &info), IMAGE_OK);
    state_write(info.hash, 32, 0, SMP_VERSION_2);
    CHECK(!parse().has_err);
    CHECK_EQ(swap_type(1), BOOT_SWAP_TYPE_TEST);
    free(f.p);
    rig_close(&R);
}

/* With the simulator's check (as extxip-sim configures the group): the
 * network core's build uploaded as image 0 and the application part as
 * image 1 (a swapped package) are refused INVALID_IMAGE_VECTOR_TABLE (what
 * Zephyr answers for bootutil's BOOT_EBADVECT) before anything is marked;
 * each part as its own image is scheduled. */
static void t_test_wrong_slot(void)
{
    open_rig();
    R.im.cfg.target = &sim_app_target;
    refused_at_test("sim-img1-v2.bin", 0, IMG_MGMT_ERR_INVALID_IMAGE_VECTOR_TABLE,
                    "built for another slot");
    refused_at_test("sim-img0-v2.bin", 1, IMG_MGMT_ERR_INVALID_IMAGE_VECTOR_TABLE,
                    "built for another slot");
    refused_at_test("sim-img0-v2.bin", 2, IMG_MGMT_ERR_INVALID_IMAGE_VECTOR_TABLE,
                    "built for another slot");
    rig_close(&R);
    open_rig();
    R.im.cfg.target = &sim_app_target;
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "sim-img%d-v2.bin", i);
        blob_t f = tu_load_in(EXTXIP_BOOT_GEN_DIR, name);
        CHECK_EQ(upload(&f, i, true, 1800, 1).off, f.n);
        extxip_image_info_t info;
        CHECK_EQ(extxip_image_parse(rig_area(&R, FLASH_AREA_IMAGE_SECONDARY(i)), &info), IMAGE_OK);
        state_write(info.hash, 32, 0, SMP_VERSION_2);
        CHECK(!parse().has_err);
        CHECK_EQ(swap_type((uint8_t)i), BOOT_SWAP_TYPE_TEST);
        free(f.p);
    }
    rig_close(&R);
}

/* ---- issue 28: flash in the background, block erase, erase when idle ---- */

/* Every byte of a slot programmed to 0: every sector needs erasing. */
static void dirty_slot(uint32_t slot)
{
    const extxip_flash_area_t *fa = rig_area(&R, slot);
    static uint8_t zeros[4096];
    for (uint32_t o = 0; o < fa->size; o += sizeof zeros) {
        CHECK_EQ(extxip_flash_area_write(fa, o, zeros, sizeof zeros), 0);
    }
}

/* The QSPI works in the background behind a 4 KiB driver queue (the
 * simulator's application model); sector erases and blocks. flash_bound:
 * the chip counts as busy while anything queued was not waited for (the
 * flash is the bottleneck); else it is never busy (the link is). */
static simflash_t *qspi_async_as(bool flash_bound)
{
    simflash_t *q = R.b.dev[SIMFLASH_DEV_QSPI];
    simflash_set_async(q, 4096);
    simflash_set_busy_by_order(q, flash_bound);
    /* The rig's clock stands still: "busy" alone says who is the bottleneck
     * (no busy rule is needed here). */
    R.cfg.clock = NULL;
    rig_boot();
    return q;
}

static simflash_t *qspi_async(void)
{
    return qspi_async_as(true);
}

/* A background device: an upload into a slot that needs erasing erases
 * ahead of the data, one sector ahead while the chip keeps up (the link is
 * the bottleneck), whole aligned 32 KiB blocks where every sector needs it
 * while the chip is still busy when the next erase is due (the flash is:
 * cheaper per byte on the MX25R64), each sector once, and lands the file. */
static void t_erase_ahead_blocks(void)
{
    blob_t f = load("img2-v1.0.0.signed.bin"); /* 98 991 bytes: 3 blocks + 1 sector */
    uint8_t sha[32];
    extxip_crypto_sha256(f.p, f.n, sha);
    for (int flash_bound = 0; flash_bound < 2; flash_bound++) {
        open_rig();
        dirty_slot(5);
        simflash_t *q = qspi_async_as(flash_bound);
        simflash_stats_reset(q);
        resp_t r = chunk(&f, 2, sha, 0, 1024, 1);
        CHECK_EQ(r.off, 1024);
        simflash_stats_t a, b;
        simflash_stats(q, &a);
        /* trailer sector, then: link-bound, sector 0 and the one ahead;
         * flash-bound (the chip still erases the trailer), blocks [0,32K)
         * and the one ahead [32K,64K) */
        CHECK_EQ(a.block_erases, flash_bound ? 2u : 0u);
        CHECK_EQ(a.erases, flash_bound ? 1u + 16u : 1u + 2u);
        CHECK_EQ(extxip_flash_area_is_erased(rig_area(&R, 5), 8192, 4096), flash_bound);
        CHECK_EQ(extxip_flash_area_is_erased(rig_area(&R, 5), 65536, 4096), 0); /* not yet */
        r = upload_from(&f, 2, sha, 1024, 1800, 1);
        CHECK(r.match);
        simflash_stats(q, &b);
        CHECK_EQ(b.erases, 1u + 25u); /* trailer + the file's 25 sectors, each once */
        /* flash-bound: the three whole blocks as blocks; link-bound: sectors */
        CHECK_EQ(b.block_erases, flash_bound ? 3u : 0u);
        CHECK(slot_holds(5, &f));
        printf("erase ahead (%s-bound): %llu sectors, %llu block commands\n",
               flash_bound ? "flash" : "link", (unsigned long long)b.erases,
               (unsigned long long)b.block_erases);
        rig_close(&R);
    }
    free(f.p);
}

/* Power cut at every flash operation of the chunks around the second
 * checkpoint, on a background device, into a slot that needs erasing (block
 * erase ahead in the cut window): the cut tears whatever the chip had not
 * finished, and after power-on the session resumes only where the data
 * really is (a checkpoint is written once the chip has finished what it
 * covers), and the finished slot is exactly the file. */
static void t_pipeline_power_cut(void)
{
    blob_t f = load("img2-v1.0.0.signed.bin");
    uint8_t sha[32];
    extxip_crypto_sha256(f.p, f.n, sha);
    int resumed = 0, blocks_cut = 0, runs = 0;
    for (uint64_t run = 0; run < 168; run++) {
        uint64_t cut = 1 + run % 14; /* each operation, under 12 seeds */
        open_rig();
        R.b.power.seed = 1 + run / 14;
        dirty_slot(5);
        simflash_t *q = qspi_async();
        uint32_t off = advance(&f, 2, sha, 0, 58000, 1800, 1);
        simflash_stats_t s0, s1;
        simflash_stats(q, &s0);
        simflash_power_cut_after(&R.b.power, cut);
        for (int i = 0; i < 12 && !simflash_power_is_cut(&R.b.power); i++) {
            resp_t r = chunk(&f, 2, sha, off, 1800, 1);
            off = r.has_off ? r.off : off;
        }
        CHECK(simflash_power_is_cut(&R.b.power));
        simflash_stats(q, &s1);
        blocks_cut += s1.block_erases > s0.block_erases;
        simflash_power_on(&R.b.power);
        rig_boot(); /* the services restart; the chip is as the cut left it */
        resp_t r = chunk(&f, 2, sha, 0, 64, 1);
        CHECK(r.has_off);
        CHECK(r.off == 32768 || r.off == 65536);
        resumed += r.off == 65536;
        r = upload_from(&f, 2, sha, r.off, 1800, 1);
        CHECK_EQ(r.off, f.n);
        CHECK(r.match);
        CHECK(slot_holds(5, &f));
        rig_close(&R);
        runs++;
    }
    printf("pipeline power cut: %d of %d runs resumed at the checkpoint\n", resumed, runs);
    CHECK(resumed > 0 && resumed < runs);
    CHECK(blocks_cut > 0); /* the block erase ahead was in the swept window */
    free(f.p);
}

/* A secondary the bootloader consumed (header sector erased, the old body
 * left): erased when idle, one sector per step, never while a session
 * writes it, never a slot whose header is an image's. */
static void t_idle_erase(void)
{
    open_rig();
    blob_t f = load("img2-v1.0.0.signed.bin");
    blob_t g = load("img0-v2.0.0.signed.bin");
    CHECK_EQ(upload(&f, 2, true, 1800, 1).off, f.n);
    CHECK_EQ(upload(&g, 0, true, 1800, 1).off, g.n); /* a whole image: kept */
    const extxip_flash_area_t *fa = rig_area(&R, 5);
    CHECK_EQ(extxip_flash_area_erase(fa, 0, 4096), 0); /* consumed, as the bootloader leaves it */
    (void)qspi_async(); /* busy until waited for */
    R.cfg.idle_erase = true;
    rig_boot();
    CHECK(extxip_img_mgmt_idle_pending(&R.im));
    uint32_t dirty = (uint32_t)((f.n + 4095) / 4096) - 1u; /* the file's sectors but the header's */
    int steps = 0;
    while (R.im.idle_erases == 0 && extxip_img_mgmt_idle(&R.im) && steps < 1000) {
        steps++; /* slot 3 (blank) is scanned first, then slot 5 */
    }
    CHECK_EQ(R.im.idle_erases, 1);
    CHECK_EQ(extxip_img_mgmt_idle(&R.im), 1); /* the chip still erases: nothing, no wait */
    CHECK_EQ(R.im.idle_erases, 1);
    while (extxip_flash_area_sync(fa) == FLASH_OK && extxip_img_mgmt_idle(&R.im) && steps < 10000) {
        steps++; /* time passes between idle steps: the chip finishes */
    }
    CHECK(!extxip_img_mgmt_idle_pending(&R.im));
    CHECK_EQ(R.im.idle_erases, dirty);
    CHECK_EQ(extxip_flash_area_is_erased(fa, 0, fa->size), 1);
    CHECK(slot_holds(1, &g)); /* image 0's secondary holds an image: untouched */
    /* A session into a consumed slot stops the eraser there. */
    CHECK_EQ(upload(&f, 2, true, 1800, 1).off, f.n);
    CHECK_EQ(extxip_flash_area_erase(fa, 0, 4096), 0);
    rig_boot();
    uint8_t sha[32];
    extxip_crypto_sha256(g.p, g.n, sha);
    CHECK_EQ(chunk(&f, 2, NULL, 0, 1800, 1).off, 1800); /* a new session into slot 5 */
    while (extxip_flash_area_sync(fa) == FLASH_OK && extxip_img_mgmt_idle(&R.im) && steps < 20000) {
        steps++;
    }
    CHECK_EQ(R.im.idle_erases, 0);
    uint8_t *s5 = snap(5);
    CHECK(memcmp(s5, f.p, 1792) == 0); /* its whole pages (8 bytes wait in RAM) */
    free(s5);
    free(f.p);
    free(g.p);
    rig_close(&R);
}

/* Power cut at every flash operation of the background erase: after power-on
 * the eraser of the next boot finishes the slot, which is never listed
 * meanwhile, and the next upload into it lands. */
static void t_idle_erase_power_cut(void)
{
    blob_t f = load("img2-v1.0.0.signed.bin");
    for (uint64_t cut = 1; cut <= 24; cut += 3) {
        open_rig();
        CHECK_EQ(upload(&f, 2, true, 1800, 1).off, f.n);
        const extxip_flash_area_t *fa = rig_area(&R, 5);
        CHECK_EQ(extxip_flash_area_erase(fa, 0, 4096), 0);
        (void)qspi_async_as(false);
        R.cfg.idle_erase = true;
        rig_boot();
        simflash_power_cut_after(&R.b.power, cut);
        for (int i = 0; i < 10000 && extxip_img_mgmt_idle(&R.im) && !simflash_power_is_cut(&R.b.power); i++) {
        }
        CHECK(simflash_power_is_cut(&R.b.power));
        simflash_power_on(&R.b.power);
        rig_boot();
        state_t s = state_read();
        CHECK(find_entry(&s, 2, 1) == NULL);
        for (int i = 0; i < 10000 && extxip_img_mgmt_idle(&R.im); i++) {
        }
        CHECK_EQ(extxip_flash_area_is_erased(fa, 0, fa->size), 1);
        resp_t r = upload(&f, 2, true, 1800, 1);
        CHECK_EQ(r.off, f.n);
        CHECK(r.match);
        CHECK(slot_holds(5, &f));
        rig_close(&R);
    }
    free(f.p);
}

static const tu_case_t cases[] = {
    {"spec_first_chunk", t_spec_first_chunk},
    {"state_read", t_state_read},
    {"upload_all_test", t_upload_all_test},
    {"resume_lost_chunk", t_resume_lost_chunk},
    {"resume_after_reset", t_resume_after_reset},
    {"resume_torn_record", t_resume_torn_record},
    {"resume_power_cut", t_resume_power_cut},
    {"erase_resets_session", t_erase_resets_session},
    {"busy_second_client", t_busy_second_client},
    {"busy_peer_high_bits", t_busy_peer_high_bits},
    {"wrong_sha", t_wrong_sha},
    {"duplicate_data_key", t_duplicate_data_key},
    {"len_too_large", t_len_too_large},
    {"data_past_len", t_data_past_len},
    {"off_beyond_len", t_off_beyond_len},
    {"image_out_of_range", t_image_out_of_range},
    {"bad_first_chunk", t_bad_first_chunk},
    {"upgrade_flag", t_upgrade_flag},
    {"state_write_refusals", t_state_write_refusals},
    {"confirm_secondary", t_confirm_secondary},
    {"test_bad_signature", t_test_bad_signature},
    {"erase_refusals", t_erase_refusals},
    {"slot_info", t_slot_info},
    {"image_check_shortcut", t_image_check_shortcut},
    {"log_wraps", t_log_wraps},
    {"boot_report", t_boot_report},
    {"netcore_hidden", t_netcore_hidden},
    {"progressive_erase", t_progressive_erase},
    {"refused_slot_reusable", t_refused_slot_reusable},
    {"test_dirty_trailer", t_test_dirty_trailer},
    {"test_pending_invalid", t_test_pending_invalid},
    {"nonowner_keeps_session", t_nonowner_keeps_session},
    {"primary_copy_done", t_primary_copy_done},
    {"test_missing_dependency", t_test_missing_dependency},
    {"test_bad_image_ok", t_test_bad_image_ok},
    {"wrong_sha_padded", t_wrong_sha_padded},
    {"no_resume_into_pending", t_no_resume_into_pending},
    {"torn_listing_abandoned", t_torn_listing_abandoned},
    {"torn_listing_cut", t_torn_listing_cut},
    {"erase_foreign_busy", t_erase_foreign_busy},
    {"test_foreign_busy", t_test_foreign_busy},
    {"storage_erase_foreign_busy", t_storage_erase_foreign_busy},
    {"test_unsupported_flags", t_test_unsupported_flags},
    {"test_non_bootable", t_test_non_bootable},
    {"test_compressed", t_test_compressed},
    {"test_rom_fixed", t_test_rom_fixed},
    {"test_wrong_slot", t_test_wrong_slot},
    {"erase_ahead_blocks", t_erase_ahead_blocks},
    {"pipeline_power_cut", t_pipeline_power_cut},
    {"idle_erase", t_idle_erase},
    {"idle_erase_power_cut", t_idle_erase_power_cut},
};

int main(int argc, char **argv)
{
    return TU_RUN("img_mgmt", cases, argc, argv);
}
