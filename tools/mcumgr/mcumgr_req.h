/*
 * Request bodies (CBOR maps) in the form real clients send them: definite-length maps,
 * keys in canonical order (shorter key first, then bytewise — what smpclient sends; the
 * upload first chunk then matches docs/protocol.md §15.4 byte for byte).
 * Each encoder writes into buf[0..cap) and returns the body length, or -1 if it does
 * not fit.
 */
#ifndef EXTXIP_MCUMGR_REQ_H
#define EXTXIP_MCUMGR_REQ_H

#include <stddef.h>
#include <stdint.h>

/* Groups and command ids used by the tool (docs/protocol.md §5-§7). */
#define MCUMGR_GROUP_OS 0
#define MCUMGR_GROUP_IMAGE 1
#define MCUMGR_OS_ECHO 0
#define MCUMGR_OS_TASKSTAT 2
#define MCUMGR_OS_MPSTAT 3
#define MCUMGR_OS_DATETIME 4
#define MCUMGR_OS_RESET 5
#define MCUMGR_OS_PARAMS 6
#define MCUMGR_OS_INFO 7
#define MCUMGR_OS_BOOTLOADER_INFO 8
#define MCUMGR_IMG_STATE 0
#define MCUMGR_IMG_UPLOAD 1
#define MCUMGR_IMG_ERASE 5
#define MCUMGR_IMG_SLOT_INFO 6

#define MCUMGR_OP_READ 0
#define MCUMGR_OP_WRITE 2

/* {} */
int mcumgr_req_empty(uint8_t *buf, size_t cap);
/* {"d": text} */
int mcumgr_req_echo(uint8_t *buf, size_t cap, const char *text);
/* {} or {"force": true} */
int mcumgr_req_reset(uint8_t *buf, size_t cap, int force);
/* {"hash": h, "confirm": b}; "hash" omitted when hash_len is 0 (confirm the running image). */
int mcumgr_req_state_write(uint8_t *buf, size_t cap, const uint8_t *hash, size_t hash_len,
                           int confirm);
/* {} (device picks its default slot 1) when slot < 0, else {"slot": slot}. */
int mcumgr_req_erase(uint8_t *buf, size_t cap, long long slot);
/* {"datetime": text} */
int mcumgr_req_datetime_set(uint8_t *buf, size_t cap, const char *datetime);
/* {} or {"query": text} */
int mcumgr_req_bootloader_info(uint8_t *buf, size_t cap, const char *query);
/* {"format": text} */
int mcumgr_req_os_info(uint8_t *buf, size_t cap, const char *format);

typedef struct {
    uint32_t off;
    const uint8_t *data;
    size_t data_len;
    /* Only for off == 0: */
    uint32_t total_len;
    const uint8_t *sha; /* NULL or sha_len == 0: no "sha" key */
    size_t sha_len;
    uint32_t image;
    int upgrade;
} mcumgr_upload_req_t;

/* off == 0: {"len","off","sha","data","image","upgrade"}; otherwise {"off","data"}.
 * The size equals mcumgr_upload_body_size() for the same arguments. */
int mcumgr_req_upload(uint8_t *buf, size_t cap, const mcumgr_upload_req_t *r);

#endif
