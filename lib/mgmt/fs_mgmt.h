/*
 * File management group (SMP group 8), as Zephyr's fs_mgmt
 * (subsys/mgmt/mcumgr/grp/fs_mgmt, smp_group_8.rst):
 *   file download (read 0) / upload (write 0), status (read 1),
 *   hash/checksum (read 2: crc32, sha256), supported types (read 3),
 *   close (write 4)
 * behind a small port contract (stat/open/read/write/close of one file at a
 * time). Paths are checked here before the port sees them: printable ASCII,
 * "/"-separated, no empty, "." or ".." component, shorter than
 * FS_MGMT_PATH_LEN (else FILE_INVALID_NAME); a port must still confine them
 * (the simulator's does, without following symlinks).
 *
 * With a mount point (port->mount, e.g. "/lfs1" as Zephyr's smp_svr sample
 * mounts littlefs), clients name files as on Zephyr: "/lfs1/a.txt" reaches
 * the port as "/a.txt". As Zephyr 4.4.0 answers (mps2_an385 fixture): the
 * mount point itself is a directory (FILE_IS_DIRECTORY); any other absolute
 * path is on no file system: an upload gets MOUNT_POINT_NOT_FOUND, status,
 * download and hash FILE_NOT_FOUND; a relative path is FILE_INVALID_NAME.
 */
#ifndef EXTXIP_FS_MGMT_H
#define EXTXIP_FS_MGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smp/smp.h"

enum {
    FS_MGMT_ID_FILE = 0,
    FS_MGMT_ID_STAT = 1,
    FS_MGMT_ID_HASH_CHECKSUM = 2,
    FS_MGMT_ID_SUPPORTED_HASH_CHECKSUM = 3,
    FS_MGMT_ID_OPENED_FILE = 4,
    FS_MGMT_ID_COUNT = 5,
};

/* Group error codes (Zephyr enum fs_mgmt_err_code_t). */
enum {
    FS_MGMT_ERR_OK = 0,
    FS_MGMT_ERR_UNKNOWN = 1,
    FS_MGMT_ERR_FILE_INVALID_NAME = 2,
    FS_MGMT_ERR_FILE_NOT_FOUND = 3,
    FS_MGMT_ERR_FILE_IS_DIRECTORY = 4,
    FS_MGMT_ERR_FILE_OPEN_FAILED = 5,
    FS_MGMT_ERR_FILE_SEEK_FAILED = 6,
    FS_MGMT_ERR_FILE_READ_FAILED = 7,
    FS_MGMT_ERR_FILE_TRUNCATE_FAILED = 8,
    FS_MGMT_ERR_FILE_DELETE_FAILED = 9,
    FS_MGMT_ERR_FILE_WRITE_FAILED = 10,
    FS_MGMT_ERR_FILE_OFFSET_NOT_VALID = 11,
    FS_MGMT_ERR_FILE_OFFSET_LARGER_THAN_FILE = 12,
    FS_MGMT_ERR_CHECKSUM_HASH_NOT_FOUND = 13,
    FS_MGMT_ERR_MOUNT_POINT_NOT_FOUND = 14,
    FS_MGMT_ERR_READ_ONLY_FILESYSTEM = 15,
    FS_MGMT_ERR_FILE_EMPTY = 16,
};

#define FS_MGMT_PATH_LEN 64u      /* Zephyr CONFIG_MCUMGR_GRP_FS_PATH_LEN default */
#define FS_MGMT_DL_CHUNK_MAX 1024u /* largest download chunk */

/* Port contract. name is a checked, NUL-terminated path. Each returns 0 or an
 * FS_MGMT_ERR_* code. One file is open at a time (open closes nothing: the
 * group closes first). */
typedef struct extxip_fs_mgmt_port {
    void *arg;
    /* Size of a regular file; FILE_NOT_FOUND, FILE_IS_DIRECTORY, FILE_INVALID_NAME. */
    int (*stat)(void *arg, const char *name, uint64_t *size);
    /* Open for reading, or for writing (created when missing; truncate: to 0). */
    int (*open)(void *arg, const char *name, bool write, bool truncate);
    /* Read up to len bytes at off into buf (*got = bytes read, 0 at the end). */
    int (*read)(void *arg, uint64_t off, void *buf, size_t len, size_t *got);
    /* Write len bytes at off. */
    int (*write)(void *arg, uint64_t off, const void *buf, size_t len);
    void (*close)(void *arg);
    uint64_t max_file;   /* largest file an upload may create (0: no limit) */
    /* Where clients see the port's files: "/NAME" (no trailing '/', shorter
     * than FS_MGMT_PATH_LEN), or NULL: the port's paths as they are. */
    const char *mount;
} extxip_fs_mgmt_port_t;

enum { FS_MGMT_IDLE = 0, FS_MGMT_UPLOAD = 1, FS_MGMT_DOWNLOAD = 2 };

typedef struct extxip_fs_mgmt {
    extxip_smp_group_t group;
    const extxip_fs_mgmt_port_t *port;
    int state;              /* FS_MGMT_IDLE / UPLOAD / DOWNLOAD */
    char path[FS_MGMT_PATH_LEN];
    uint64_t peer;          /* client that owns the open file */
    uint64_t off, len;      /* next offset, announced/actual length */
    uint8_t buf[FS_MGMT_DL_CHUNK_MAX];
    uint64_t bytes_up, bytes_down; /* statistics */
} extxip_fs_mgmt_t;

uint16_t extxip_fs_mgmt_err_to_v1(uint16_t rc);
/* 1 when p[0..len) is a path the group hands to its port. */
int extxip_fs_mgmt_path_ok(const uint8_t *p, size_t len);

void extxip_fs_mgmt_init(extxip_fs_mgmt_t *fs, const extxip_fs_mgmt_port_t *port);
int extxip_fs_mgmt_register(extxip_fs_mgmt_t *fs, extxip_smp_server_t *srv);

#endif
