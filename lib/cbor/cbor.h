/*
 * Bounded, allocation-free CBOR (RFC 8949) encoder and decoder: the subset SMP
 * needs, plus skipping of anything else. Caller-owned state, no recursion on
 * wire data, every read bounds-checked.
 *
 * Errors are sticky (zcbor style): after the first failure every call returns
 * the same negative code and does nothing, so handler code can be written as a
 * straight line and checked once at the end.
 *
 * Indefinite-length byte/text strings: the typed string readers REJECT them
 * with CBOR_ERR_UNSUPPORTED (zero-copy needs one contiguous chunk; zcbor and
 * therefore Zephyr reject them too, and no SMP client sends them). They are
 * still well-formed input: extxip_cbor_dec_skip() skips them, checking every chunk.
 */
#ifndef EXTXIP_CBOR_H
#define EXTXIP_CBOR_H

#include "extxip_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "extxip_config.h"

/* Nesting limit for containers the decoder enters and for extxip_cbor_dec_skip(). */
#define CBOR_MAX_DEPTH EXTXIP_CBOR_MAX_DEPTH
/* Errors: extxip_err_t, range -61.. (lib/extxip_err.h). */

/* What the next item is (extxip_cbor_dec_peek). */
typedef enum {
    CBOR_TY_UINT,
    CBOR_TY_NINT,
    CBOR_TY_BSTR,
    CBOR_TY_TSTR,
    CBOR_TY_ARRAY,
    CBOR_TY_MAP,
    CBOR_TY_TAG,
    CBOR_TY_BOOL,
    CBOR_TY_NULL,
    CBOR_TY_UNDEFINED,
    CBOR_TY_FLOAT,
    CBOR_TY_SIMPLE,
    CBOR_TY_END, /* end of the current container (or of the input at top level) */
} extxip_cbor_type_t;

/* A zero-copy string: points into the decoder's input. */
typedef struct extxip_cbor_str {
    const uint8_t *ptr;
    size_t len;
} extxip_cbor_str_t;

/* ---------------------------------------------------------------- encoder */

typedef struct extxip_cbor_encoder {
    uint8_t *buf;
    size_t cap;
    size_t len; /* bytes written so far */
    int err;    /* sticky: 0 or CBOR_ERR_NOMEM */
} extxip_cbor_encoder_t;

/* Start encoding into buf[0..cap). */
void extxip_cbor_enc_init(extxip_cbor_encoder_t *e, uint8_t *buf, size_t cap);
/* Unsigned integer, shortest form. Returns 0 or the sticky error. */
int extxip_cbor_enc_uint(extxip_cbor_encoder_t *e, uint64_t v);
/* Signed integer (major 0 or 1), shortest form. */
int extxip_cbor_enc_int(extxip_cbor_encoder_t *e, int64_t v);
/* Negative integer -1-n for the full major-1 range (n up to 2^64-1). */
int extxip_cbor_enc_nint(extxip_cbor_encoder_t *e, uint64_t n);
/* Definite-length byte string / text string of n bytes. */
int extxip_cbor_enc_bstr(extxip_cbor_encoder_t *e, const void *p, size_t n);
int extxip_cbor_enc_tstr(extxip_cbor_encoder_t *e, const char *p, size_t n);
/* Text string from a NUL-terminated C string. */
int extxip_cbor_enc_tstr_z(extxip_cbor_encoder_t *e, const char *s);
/* Only the head of a definite string (major 2 or 3) of n bytes; follow with extxip_cbor_enc_raw. */
int extxip_cbor_enc_str_head(extxip_cbor_encoder_t *e, bool text, size_t n);
/* Raw bytes, appended as they are (string payload after extxip_cbor_enc_str_head). */
int extxip_cbor_enc_raw(extxip_cbor_encoder_t *e, const void *p, size_t n);
int extxip_cbor_enc_bool(extxip_cbor_encoder_t *e, bool v);
int extxip_cbor_enc_null(extxip_cbor_encoder_t *e);
/* Tag head; the tagged item follows. */
int extxip_cbor_enc_tag(extxip_cbor_encoder_t *e, uint64_t tag);
/* Definite-length container heads: n entries (map: n key/value pairs). */
int extxip_cbor_enc_array(extxip_cbor_encoder_t *e, uint64_t n);
int extxip_cbor_enc_map(extxip_cbor_encoder_t *e, uint64_t n);
/* Indefinite-length containers (what Zephyr emits): open, items..., extxip_cbor_enc_break. */
int extxip_cbor_enc_array_indef(extxip_cbor_encoder_t *e);
int extxip_cbor_enc_map_indef(extxip_cbor_encoder_t *e);
int extxip_cbor_enc_break(extxip_cbor_encoder_t *e);

/* ---------------------------------------------------------------- decoder */

typedef struct extxip_cbor_dec_frame {
    uint64_t left; /* items still to read in a definite container (map: 2 per pair) */
    bool indef;    /* container ends with a break (0xFF) */
} extxip_cbor_dec_frame_t;

typedef struct extxip_cbor_decoder {
    const uint8_t *buf;
    size_t len;
    size_t pos;
    int err;        /* sticky */
    uint8_t depth;  /* containers entered */
    extxip_cbor_dec_frame_t frames[CBOR_MAX_DEPTH];
} extxip_cbor_decoder_t;

/* Start decoding buf[0..len). The input must stay valid while strings are used. */
void extxip_cbor_dec_init(extxip_cbor_decoder_t *d, const uint8_t *buf, size_t len);
/* Sticky error (0 if none). */
static inline int cbor_dec_err(const extxip_cbor_decoder_t *d) { return d->err; }
/* Type of the next item without consuming it; CBOR_TY_END at the end of the
 * current container. Returns 0, or a negative error (not sticky for END). */
int extxip_cbor_dec_peek(extxip_cbor_decoder_t *d, extxip_cbor_type_t *type);
/* True when the current container (or the top-level input) has no more items,
 * or on error. */
bool extxip_cbor_dec_at_end(extxip_cbor_decoder_t *d);

/* Integers. Wider encodings than needed are accepted when the value fits. */
int extxip_cbor_dec_uint64(extxip_cbor_decoder_t *d, uint64_t *v);
int extxip_cbor_dec_uint32(extxip_cbor_decoder_t *d, uint32_t *v);
int extxip_cbor_dec_int64(extxip_cbor_decoder_t *d, int64_t *v);
int extxip_cbor_dec_int32(extxip_cbor_decoder_t *d, int32_t *v);
/* Any integer: *neg false → value *mag; *neg true → value -1-*mag (full CBOR range). */
int extxip_cbor_dec_int_any(extxip_cbor_decoder_t *d, bool *neg, uint64_t *mag);
/* Definite-length strings, zero-copy. Indefinite → CBOR_ERR_UNSUPPORTED. */
int extxip_cbor_dec_bstr(extxip_cbor_decoder_t *d, extxip_cbor_str_t *s);
int extxip_cbor_dec_tstr(extxip_cbor_decoder_t *d, extxip_cbor_str_t *s);
int extxip_cbor_dec_bool(extxip_cbor_decoder_t *d, bool *v);
int extxip_cbor_dec_null(extxip_cbor_decoder_t *d);
/* Tag head: *tag = tag number; the tagged item is the next item to read. */
int extxip_cbor_dec_tag(extxip_cbor_decoder_t *d, uint64_t *tag);
/* Enter a container (definite or indefinite). *count = entries for definite
 * (map: pairs), or UINT64_MAX for indefinite; count may be NULL. */
int extxip_cbor_dec_array_enter(extxip_cbor_decoder_t *d, uint64_t *count);
int extxip_cbor_dec_map_enter(extxip_cbor_decoder_t *d, uint64_t *count);
/* Skip whatever remains of the current container and step out of it. */
int extxip_cbor_dec_leave(extxip_cbor_decoder_t *d);
/* Skip one complete item of any kind (tags, floats, simple values, nested
 * containers, indefinite strings), iteratively with depth <= CBOR_MAX_DEPTH. */
int extxip_cbor_dec_skip(extxip_cbor_decoder_t *d);

/* ---------------------------------------------- map decode by keys helper */

/* Value types the helper can pull out of a request map. */
typedef enum {
    CBOR_KV_UINT32,      /* out: uint32_t*; negative or > UINT32_MAX → error */
    CBOR_KV_UINT64,      /* out: uint64_t* */
    CBOR_KV_INT64,       /* out: int64_t* */
    CBOR_KV_BOOL,        /* out: bool*; only F4/F5 */
    CBOR_KV_BOOL_OR_INT, /* out: bool*; bool, or integer (non-zero = true) */
    CBOR_KV_BSTR,        /* out: extxip_cbor_str_t* (definite byte string) */
    CBOR_KV_TSTR,        /* out: extxip_cbor_str_t* (definite text string) */
} extxip_cbor_kv_type_t;

typedef struct extxip_cbor_kv {
    const char *key; /* NUL-terminated; matched bytewise against text-string keys */
    extxip_cbor_kv_type_t type;
    void *out;
    bool found; /* set by extxip_cbor_map_decode_keys */
} extxip_cbor_kv_t;

#define CBOR_KV(k, t, p) { (k), (t), (p), false }

/*
 * Decode the next item as a map (definite or indefinite) and store the values
 * of the listed keys; keys may come in any order, unknown keys (any value) are
 * skipped, a non-text key, a known key twice, or a known key with a value of
 * the wrong type is an error. Resets every kv->found first. *matched (may be
 * NULL) = number of known keys found. Leaves the decoder after the map.
 * Returns 0 or a negative CBOR_ERR_* (sticky in d). Same tolerance as
 * Zephyr's zcbor_map_decode_bulk (docs/protocol.md §3.3).
 */
int extxip_cbor_map_decode_keys(extxip_cbor_decoder_t *d, extxip_cbor_kv_t *kv, size_t n, size_t *matched);

/* True when kv[] (after extxip_cbor_map_decode_keys) holds key k as found. */
bool extxip_cbor_kv_found(const extxip_cbor_kv_t *kv, size_t n, const char *k);

/* Compare a decoded string with a C string. */
bool extxip_cbor_str_eq(const extxip_cbor_str_t *s, const char *z);

#endif
