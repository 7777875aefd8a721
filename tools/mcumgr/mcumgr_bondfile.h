/*
 * extxip-mcumgr's BLE bonds: a text file, one line per line kind:
 *   irk <32 hex>                                  this client's IRK (made once)
 *   bond AA:BB:CC:DD:EE:FF <0|1> <32 hex> <0|1>   device address, its type,
 *                                                 LTK, authenticated (passkey)
 * Written whole to FILE.tmp and renamed (mode 0600), so an interrupted write
 * leaves the old file. Default place: $XDG_CONFIG_HOME/extxip-mcumgr/bonds, or
 * ~/.config/extxip-mcumgr/bonds.
 */
#ifndef EXTXIP_MCUMGR_BONDFILE_H
#define EXTXIP_MCUMGR_BONDFILE_H

#include <stddef.h>
#include <stdint.h>

#define MCUMGR_BONDS_MAX 64

typedef struct mcumgr_bond {
    uint8_t addr[6]; /* HCI order */
    uint8_t type;
    uint8_t ltk[16];
    int authenticated;
} mcumgr_bond_t;

typedef struct mcumgr_bondfile {
    char path[600];
    uint8_t irk[16];
    int have_irk;
    mcumgr_bond_t b[MCUMGR_BONDS_MAX];
    int n;
} mcumgr_bondfile_t;

/* Load (a missing file is empty). given NULL/"" = the default path. Returns
 * 0, or -1 with one line in err (unreadable, malformed line N). */
int mcumgr_bondfile_load(mcumgr_bondfile_t *f, const char *given, char *err, size_t cap);
/* The bond for addr/type, or NULL. */
const mcumgr_bond_t *mcumgr_bondfile_find(const mcumgr_bondfile_t *f, const uint8_t addr[6], uint8_t type);
/* Add or replace, then save. Returns 0 or -1 with err. */
int mcumgr_bondfile_put(mcumgr_bondfile_t *f, const mcumgr_bond_t *b, char *err, size_t cap);
/* Remove addr/type's bond (if any), then save. */
int mcumgr_bondfile_forget(mcumgr_bondfile_t *f, const uint8_t addr[6], uint8_t type, char *err, size_t cap);
/* Save as is (after setting the IRK). */
int mcumgr_bondfile_save(mcumgr_bondfile_t *f, char *err, size_t cap);

#endif
