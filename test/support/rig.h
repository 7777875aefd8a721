/*
 * A whole simulated device in one process, for the tests that drive the SMP
 * server directly (img_mgmt and smpvec unit tests, bad-input catalogue, fuzz
 * harnesses, stress soak): the nRF5340 DK's three flash devices in
 * RAM, laid out by the real board pm_static.yml, v1 of the three images
 * (imgtool vectors) in their primaries, and an SMP server with every group the
 * device registers (OS, image, statistics, settings, shell, enumeration, Zephyr
 * basic). Host
 * test code: malloc is fine here.
 *
 * The rig can snapshot the whole flash and say whether anything changed, so a
 * case can prove a refused request lost nothing.
 */
#ifndef EXTXIP_TEST_RIG_H
#define EXTXIP_TEST_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbor/cbor.h"
#include "vecfile.h"
#include "mgmt/enum_mgmt.h"
#include "mgmt/fs_mgmt.h"
#include "mgmt/img_mgmt.h"
#include "mgmt/os_mgmt.h"
#include "mgmt/settings_mgmt.h"
#include "mgmt/shell_cmds.h"
#include "mgmt/shell_mgmt.h"
#include "mgmt/stat_mgmt.h"
#include "mgmt/zbasic_mgmt.h"
#include "pm_layout.h"
#include "simflash.h"
#include "smp/smp.h"

#define RIG_MAX_RSP 16
#define RIG_FS_FILES 4
#define RIG_FS_FILE_MAX 16384u /* responses kept per rig_process call */

typedef struct rig_rsp {
    uint8_t pkt[SMP_BUF_SIZE];
    size_t len;
} rig_rsp_t;

typedef struct rig {
    simflash_board_t b;
    pm_layout_t lay;
    extxip_os_mgmt_port_t osp;
    extxip_os_mgmt_t os;
    extxip_img_mgmt_config_t cfg;
    extxip_img_mgmt_t im;
    extxip_stat_mgmt_group_t stg[2];  /* "smp_svr_stats" {ticks}, "rig" {requests, errors, resets} */
    extxip_stat_mgmt_port_t stp;
    extxip_stat_mgmt_t st;
    extxip_enum_mgmt_t en;
    extxip_zbasic_mgmt_port_t zbp;
    extxip_zbasic_mgmt_t zb;
    extxip_kvs_t kvs;
    extxip_settings_mgmt_port_t setp;
    extxip_settings_mgmt_t set;
    int commits;         /* settings commit hook runs */
    extxip_shell_cmds_ctx_t shc;
    extxip_shell_mgmt_port_t shp;
    extxip_shell_mgmt_t sh;
    /* the file group over a small RAM file system (RIG_FS_FILES files of at
     * most RIG_FS_FILE_MAX bytes; names flat) */
    struct rig_file {
        char name[FS_MGMT_PATH_LEN];
        uint8_t data[16384];
        uint32_t len;
        bool used;
    } files[4];
    int open_file;       /* index, -1: none */
    bool fs_dirty;       /* a file was opened for writing since rig_open/rig_restore */
    bool open_write;
    extxip_fs_mgmt_port_t fsp;
    extxip_fs_mgmt_t fs;
    extxip_smp_server_t srv;
    uint64_t now_ms;     /* the image group's clock (busy rule) */
    int resets;          /* reset callbacks run */
    uint8_t seq;
    uint32_t img_len[3]; /* size of the v1 image rig_open put in each primary (0: none) */
    uint8_t *snap[SIMFLASH_BOARD_NDEV];
    rig_rsp_t rsp[RIG_MAX_RSP];
    int nrsp;            /* responses seen by the last rig_process (may exceed RIG_MAX_RSP) */
    uint8_t tx[SMP_BUF_SIZE];
} rig_t;

/* Open a RAM board with `layout` (pm_static.yml path); with vec_dir set, put
 * img{0,1,2}-v1.0.0.signed.bin from vec_dir/images into the primaries. Starts
 * the services (rig_restart). Returns 0 or -1 (message on stderr). */
int rig_open(rig_t *r, const char *layout, const char *vec_dir);
void rig_close(rig_t *r);
/* Re-initialise RAM (image group, OS group, server) over the current flash, as a reset does. */
int rig_restart(rig_t *r);

/* Raw device bytes and size of device `dev` (a SIMFLASH_DEV_ value). */
uint8_t *rig_mem(rig_t *r, int dev, uint32_t *size);
/* Copy the whole flash; rig_flash_diff then reports the first differing
 * device/offset (returns 0 when identical, 1 with dev and off set when not). */
void rig_snapshot(rig_t *r);
int rig_flash_diff(rig_t *r, int *dev, uint32_t *off);
/* Put the snapshot back into the flash (no op counting), empty the RAM file
 * system, then rig_restart. */
void rig_restore(rig_t *r);

/* Put a file at the start of absolute slot `slot` (erasing it first). Returns 0 or -1. */
int rig_put(rig_t *r, uint32_t slot, const uint8_t *data, size_t len);
const extxip_flash_area_t *rig_area(rig_t *r, uint32_t id);

/* Hand rx to extxip_smp_process as peer `peer`; the responses land in r->rsp[].
 * Returns extxip_smp_process's result. */
int rig_process(rig_t *r, const uint8_t *rx, size_t len, uint64_t peer);

/* Build one request packet (header + body) into out; returns its length. */
size_t rig_pkt(uint8_t *out, size_t cap, uint8_t op, uint8_t ver, uint16_t group, uint8_t seq,
               uint8_t id, const uint8_t *body, size_t blen);

/* Check one response packet is well formed: 8-byte header, op READ_RSP or
 * WRITE_RSP, version 0/1, len == bytes after the header, body exactly one
 * CBOR map (nested items well formed). If req != NULL, group/seq/id must
 * match it and the op must answer its op. Returns 0 or a short reason. */
const char *rig_rsp_check(const uint8_t *pkt, size_t len, const extxip_smp_hdr_t *req);

/* Decoded fields of a response body (absent: has_* false). */
typedef struct rig_fields {
    bool has_rc, has_err, has_off, has_r, has_match;
    int64_t rc;
    uint32_t err_group, err_rc;
    uint32_t off;
    char r[128];
    bool match;
} rig_fields_t;
int rig_fields(const uint8_t *pkt, size_t len, rig_fields_t *f);

/* Send an echo (v2 WRITE, group 0 id 0) of `text` as peer; true when the
 * device answered {"r": text} with the right seq. */
bool rig_echo_ok(rig_t *r, const char *text, uint64_t peer);

#endif
