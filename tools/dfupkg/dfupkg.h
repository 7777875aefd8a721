/*
 * The nRF Connect SDK's DFU package (dfu_application.zip): a zip holding the signed
 * MCUboot update images and a manifest.json that lists them. Written by the SDK's
 * scripts/bootloader/generate_zip.py (nrfconnect/sdk-nrf), called from
 * sysbuild/CMakeLists/zip.cmake's dfu_app_zip_package() through cmake/fw_zip.cmake's
 * generate_dfu_zip(); read by nRF Connect Device Manager and nrfutil. The manifest, as
 * that script writes it (json.dumps(manifest, indent=4)):
 *
 *   {
 *       "format-version": 1,                  (--format-version, default 1; 0 before 2024)
 *       "time": 1764460800,                   (int(time.time()))
 *       "files": [
 *           {
 *               "type": "application",        \  shared key=value pairs, first
 *               "board": "nrf5340dk_nrf5340_cpuapp",  > (fw_zip.cmake appends type, board,
 *               "soc": "nRF5340_CPUAPP_QKAA", /   soc after the per-file pairs)
 *               "load_address": 66048,        per-file pairs: a value "0x..." becomes an
 *               "image_index": "0",           int, any other value stays a string: so
 *               "slot_index_primary": "1",    image_index and the slot indexes are
 *               "slot_index_secondary": "2",  strings ("image*2 + 1", "+ 2")
 *               "version_MCUBOOT": "2.0.0",   (the net core entry says "version" instead)
 *               "size": 99264,                \  added by the script for every file:
 *               "file": "internal_flash_update.bin",  > os.path.getsize, the name in the
 *               "modtime": 1764460800         /   zip, int(os.path.getmtime)
 *           }, ...
 *       ],
 *       "name": "extxip_smp_svr"              (--name: the application's name)
 *   }
 *
 * The zip stores (ZipFile default: no compression) the files under their names and the
 * manifest as "manifest.json". The split XIP sample's three update images are
 * internal_flash_update.bin (image 0), net_core_app_update.bin (image 1) and
 * qspi_flash_update.bin (image 2) (samples/nrf5340/extxip_smp_svr/README.rst).
 *
 * Reading is strict: every name, size and index is checked before anything is used, a
 * package that is not exactly what it says is refused with one line in err.
 */
#ifndef EXTXIP_DFUPKG_H
#define EXTXIP_DFUPKG_H

#include <stddef.h>
#include <stdint.h>

#define DFUPKG_MAX_IMAGES 8           /* files[] entries we accept */
#define DFUPKG_MAX_INDEX 15           /* image_index bound before asking the device */
#define DFUPKG_MAX_ENTRIES 64         /* entries in the zip */
#define DFUPKG_MAX_MANIFEST (64u << 10)
#define DFUPKG_MAX_FILE (16u << 20)   /* one image: more than any nRF5340 slot */
#define DFUPKG_MAX_TOTAL (64u << 20)  /* all entries, uncompressed, as declared */
#define DFUPKG_MAX_RATIO 100u         /* declared size / compressed size, beyond 64 KiB */
#define DFUPKG_NAME_MAX 128

typedef struct {
    char file[DFUPKG_NAME_MAX]; /* name in the zip */
    int image;                  /* image_index */
    uint8_t *data;
    size_t size;
    uint8_t hash[32];           /* SHA-256 TLV (= what image list shows), checked */
    uint8_t installed_hash[32]; /* what the primary shows once installed: hash, or a
                                   compressed image's DECOMP_SHA (its plain image) */
    char version[48];           /* from the MCUboot header: "2.0.0" or "2.0.0.7" */
    uint32_t flags;             /* header flags */
} dfupkg_image_t;

typedef struct {
    int format_version;
    long long time;
    char name[DFUPKG_NAME_MAX];
    int count;
    dfupkg_image_t img[DFUPKG_MAX_IMAGES];
    size_t total; /* bytes of all images */
} dfupkg_t;

/* Open and check a package: zip entry names (no paths, no traversal), declared and
 * actual sizes and the compression ratio of every entry (zip bombs), manifest.json
 * (exactly one JSON object over the whole entry: no raw NUL, nothing after it; parsed by
 * jansson; files[] with file/image_index/size/version), and each image
 * (MCUboot header, TLVs, SHA-256 hash recomputed). Images are sorted by index.
 * Returns 0, or -1 with one line in err (nothing allocated then). */
int dfupkg_read(const char *path, dfupkg_t *p, char *err, size_t cap);
void dfupkg_free(dfupkg_t *p);

/* One image to package. */
typedef struct {
    const char *path;   /* signed image file */
    int image;          /* image_index */
    const char *zip_name;
    uint32_t load_address;
    const char *board, *soc; /* per-file (the net core's own), NULL: none */
    int net;            /* write "version" instead of "version_MCUBOOT" (as the SDK) */
} dfupkg_in_t;

typedef struct {
    const char *name;   /* "name" */
    const char *board;  /* shared "board" */
    const char *soc;    /* shared "soc" */
    long long time;     /* "time" (and every "modtime"), < 0: now / the file's mtime */
} dfupkg_meta_t;

/* Write a package: manifest.json in the SDK's shape and key order, then the images,
 * stored. Each image is checked as dfupkg_read checks it first. Returns 0 or -1 + err. */
int dfupkg_write(const char *out, const dfupkg_in_t *in, size_t n, const dfupkg_meta_t *m,
                 char *err, size_t cap);

/* Check one MCUboot image in memory (header, TLVs, SHA-256) meant for image
 * `index` (< 0: not known yet): 0, or -1 + err. An image whose dependency
 * names its own index was built for another image (the internal part under
 * the XIP part's index, say) and is refused. */
int dfupkg_check_image(const uint8_t *data, size_t size, int index, dfupkg_image_t *out,
                       char *err, size_t cap);

/* The board's map, as the host knows it: where each image's primary sits
 * (its offset in its flash device: what a ROM-fixed header's load address
 * must equal, as the device checks), the load_address the SDK's manifest
 * gives it, and what a build for it starts with: a Cortex-M vector table for
 * the application or the network core (initial SP in that core's RAM, reset
 * vector in the code its primary runs), or none (the XIP part: code the
 * internal part calls). The nRF5340 DK's and Thingy:53's from board.h and
 * pm_static.yml; the QEMU mps2-an505 firmware's from port/mps2-an505
 * (an505.h, app.ld); any other board name reads as the DK's. */
enum { DFUPKG_CORE_APP, DFUPKG_CORE_NET, DFUPKG_CORE_XIP };
typedef struct {
    uint32_t primary_off;
    uint32_t load_address;
    int core;
} dfupkg_slot_t;
typedef struct {
    const char *name;
    dfupkg_slot_t img[3];
    uint32_t ram_lo[2], ram_hi[2];   /* per core (APP, NET) */
    uint32_t code_lo[2], code_hi[2];
} dfupkg_board_t;
const dfupkg_board_t *dfupkg_board(const char *board);

/* Is the image meant for image `index` of `board` built for it, before any byte
 * is sent? Its header flags (lib/image's list of what the device implements,
 * non-bootable refused); a ROM-fixed load address equal to the primary's
 * offset; a manifest load_address (has_load) equal to the board's for that
 * index; and its own identity: images 0 and 1 must start with a vector table
 * for their core, image 2 with none for either core (a swapped package names
 * the build it holds). 0, or -1 with one line in err. */
int dfupkg_check_target(const uint8_t *data, size_t size, int index, const char *board,
                        int has_load, uint32_t load_address, char *err, size_t cap);

#endif
