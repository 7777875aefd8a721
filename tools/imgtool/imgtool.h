/*
 * extxip-imgtool internals: an imgtool-compatible (MCUboot imgtool 2.4.0)
 * signer, verifier, key tool and image dumper for the host. Malloc is fine
 * here; every length read from a file is still checked before use.
 *
 * Errors: functions return 0 on success or -1 after writing one
 * human-readable line into the caller's it_err_t.
 */
#ifndef EXTXIP_IMGTOOL_H
#define EXTXIP_IMGTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hostfile.h" /* it_err_t, it_buf_t, files, Intel HEX (host/) */

/* ---- parsing of command-line values ---- */
/* Python int(s, 0) for non-negative values up to max: decimal, 0x, 0o, 0b. */
int it_parse_uint(const char *s, uint64_t max, uint64_t *out);

typedef struct it_version {
    uint8_t major;
    uint8_t minor;
    uint16_t revision;
    uint32_t build;
} it_version_t;

/* imgtool's "maj.min.rev+build" (later parts optional, no leading zeros),
 * with each field checked against the header's field width. */
int it_parse_version(const char *s, it_version_t *out, it_err_t *e);

#define IT_MAX_DEPS 16
typedef struct it_dep {
    uint8_t image_id;
    it_version_t ver;
} it_dep_t;

/* imgtool's --dependencies "(id,ver)[,(id,ver)...]" syntax. */
int it_parse_deps(const char *s, it_dep_t *deps, size_t *count, it_err_t *e);

/* ---- keys ---- */
typedef enum {
    IT_KEY_EC_P256,
    IT_KEY_RSA,
    IT_KEY_ED25519,
} it_key_type_t;

typedef struct it_key it_key_t; /* opaque */

/* Load a PEM key (PKCS#8 / SEC1 / PKCS#1 private, or SubjectPublicKeyInfo
 * public) as imgtool accepts it. Returns NULL with e set on failure. */
it_key_t *it_key_load(const char *path, it_err_t *e);
void it_key_free(it_key_t *k);
it_key_type_t it_key_type(const it_key_t *k);
bool it_key_is_private(const it_key_t *k);
/* RSA modulus size in bits (0 for other types). */
unsigned it_key_bits(const it_key_t *k);
/* imgtool's shortname(): "ecdsa", "rsa", "ed25519". */
const char *it_key_shortname(const it_key_t *k);
/* Bytes MCUboot embeds (and KEYHASH hashes): SPKI DER for EC/Ed25519,
 * PKCS#1 RSAPublicKey DER for RSA. */
int it_key_public_bytes(const it_key_t *k, it_buf_t *out, it_err_t *e);
/* SubjectPublicKeyInfo PEM text, as `imgtool getpub -e pem` prints it. */
int it_key_public_pem(const it_key_t *k, it_buf_t *out, it_err_t *e);
/* Signature TLV type for this key (0x22, 0x20, 0x23, 0x24). */
uint16_t it_key_sig_tlv(const it_key_t *k);
/* Sign as imgtool does: ECDSA/RSA-PSS over the SHA-256 of msg (the image
 * bytes), Ed25519 over `digest` (the 32-byte image hash). */
int it_key_sign(const it_key_t *k, const uint8_t *msg, size_t msg_len,
                const uint8_t digest[32], it_buf_t *sig, it_err_t *e);
/* Verify in the same way; 0 when valid, -1 otherwise. digest is the image
 * hash from its SHA TLV (Ed25519 signs it; may be NULL when absent). */
int it_key_verify(const it_key_t *k, const uint8_t *msg, size_t msg_len,
                  const uint8_t *digest, size_t digest_len, const uint8_t *sig, size_t sig_len);
/* Ed25519 "pure" verification over the whole message. */
int it_key_verify_pure(const it_key_t *k, const uint8_t *msg, size_t msg_len,
                       const uint8_t *sig, size_t sig_len);
/* Generate a key and write it as unencrypted PKCS#8 PEM ("PRIVATE KEY"),
 * as imgtool keygen does. type: "ecdsa-p256", "rsa-2048", "rsa-3072", "ed25519". */
int it_keygen(const char *type, const char *path, it_err_t *e);

/* ---- sign ---- */
/* --compression, as imgtool 2.4.0 (scripts/imgtool/main.py): raw LZMA2 at
 * preset 9 with a 128 KiB dictionary, lc=3 lp=1 (pb 2), optionally behind the
 * ARM-Thumb BCJ filter; the body starts with the two bytes below. */
typedef enum { IT_COMP_NONE = 0, IT_COMP_LZMA2, IT_COMP_LZMA2_ARMTHUMB } it_compression_t;
#define IT_F_COMPRESSED_LZMA2 0x400u
#define IT_F_COMPRESSED_ARM_THUMB 0x800u
#define IT_LZMA2_DICT_SIZE (128u * 1024u)
#define IT_LZMA2_DICT_CODE 0x0a /* LZMA2 dictionary byte for 128 KiB */
#define IT_LZMA2_PROPS 0x66     /* (pb * 5 + lp) * 9 + lc with pb 2, lp 1, lc 3 */
/* Append the raw LZMA2 stream (no container) of in[0..len) to out. */
int it_lzma2_compress(const uint8_t *in, size_t len, bool armthumb, it_buf_t *out, it_err_t *e);
/* Inflate a compressed body (the two bytes above + raw stream) into out;
 * refuses more than max_out bytes. */
int it_lzma2_decompress(const uint8_t *in, size_t len, bool armthumb, size_t max_out,
                        it_buf_t *out, it_err_t *e);

typedef struct it_sign_opts {
    const char *key_path;       /* NULL: unsigned image (SHA-256 TLV only) */
    it_version_t version;
    uint32_t header_size;
    bool pad_header;
    uint32_t slot_size;
    uint32_t align;             /* 1,2,4,8,16,32 */
    uint32_t max_align;         /* 0: max(8, align) */
    bool pad, confirm, test;
    bool overwrite_only;
    uint32_t max_sectors;       /* 0: 128 */
    it_dep_t deps[IT_MAX_DEPS];
    size_t dep_count;
    bool has_deps;
    bool has_sec_cnt;
    uint32_t sec_cnt;
    bool sec_cnt_auto;
    uint32_t load_addr;
    uint32_t rom_fixed;
    bool non_bootable;
    uint32_t extra_flags;       /* header flags of imgtool options not implemented here
                                   (--encrypt, LZMA1): set through the API by
                                   tests (test/support/sign_flags.c), never by the CLI */
    it_compression_t compression; /* --compression (compress.c) */
    bool public_key_full;       /* --public-key-format full */
    bool pad_sig;
    uint8_t erased_val;
    bool has_hex_addr;
    uint32_t hex_addr;
    /* --custom-tlv tag value (protected) */
    size_t custom_count;
    struct { uint16_t tag; uint8_t *val; size_t len; } custom[16];
    FILE *info;                 /* where "image.py: sign the ..." goes; NULL: silent */
} it_sign_opts_t;

/* `dfu-package` (dfu_package.c): argv after the command word. */
int it_cmd_dfu_package(int argc, char **argv);

/* Build the signed image from infile and write outfile (.hex → Intel HEX). */
int it_sign(const it_sign_opts_t *o, const char *infile, const char *outfile, it_err_t *e);

/* ---- verify / dumpinfo ---- */
enum {
    IT_VERIFY_OK = 0,
    IT_VERIFY_INVALID_MAGIC,
    IT_VERIFY_INVALID_TLV_INFO_MAGIC,
    IT_VERIFY_INVALID_HASH,
    IT_VERIFY_INVALID_SIGNATURE,
    IT_VERIFY_KEY_MISMATCH,
    IT_VERIFY_MALFORMED,
};

typedef struct it_verify_result {
    it_version_t ver;
    uint8_t digest[64];       /* from SHA256/384/512 TLV, recomputed */
    size_t digest_len;        /* 0: no digest (pure signature image) */
    const uint8_t *pure_sig;  /* Ed25519 pure: the signature over the image */
    size_t pure_sig_len;
} it_verify_result_t;

/* imgtool verify's algorithm over the image bytes b. key may be NULL (hash
 * only). Returns an IT_VERIFY_* code (MALFORMED with e set when a length
 * or offset does not fit the file); fills r on IT_VERIFY_OK. */
int it_verify_image(const uint8_t *b, size_t len, const it_key_t *key, it_verify_result_t *r,
                    it_err_t *e);
/* Text imgtool prints for a verify result code. */
const char *it_verify_message(int rc);

/* Write imgtool dumpinfo's human format for image bytes b to out.
 * name: the basename printed in the first line. */
int it_dumpinfo(const uint8_t *b, size_t len, const char *name, FILE *out, it_err_t *e);

/* ---- hashing helper ---- */
void it_sha256(const uint8_t *p, size_t n, uint8_t out[32]);

/* Subcommand entry point used by main() and by tests: returns the exit code. */
int it_main(int argc, char **argv);

#endif
