/*
 * The simulator's file system for the file group (lib/mgmt/fs_mgmt.h): a
 * directory, <flash dir>/fs, confined. Device paths ("/dir/file", already
 * checked by fs_mgmt: no "..", no ".", no empty component) are resolved one
 * component at a time with openat(O_NOFOLLOW) from a descriptor of that
 * directory, so neither a name nor a symlink placed inside can reach a file
 * outside it. Host code.
 */
#ifndef EXTXIP_SIM_FS_H
#define EXTXIP_SIM_FS_H

#include <stdint.h>

#include "mgmt/fs_mgmt.h"

typedef struct sim_fs {
    int root;   /* O_DIRECTORY descriptor of the confined directory, -1: none */
    int fd;     /* the open file, -1: none */
    extxip_fs_mgmt_port_t port;
} sim_fs_t;

/* Use directory `dir` (created when missing). Returns 0 or -1 (errno). */
int sim_fs_open(sim_fs_t *f, const char *dir, uint64_t max_file);
void sim_fs_close(sim_fs_t *f);

#endif
