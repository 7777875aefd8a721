/*
 * `extxip-sim program FILE.hex` with nrfjprog's options: the HEX file's
 * addresses decide the device, as `nrfjprog -f NRF53 --program` does on the
 * nRF5340. Host code.
 *
 *   application core (default, --coprocessor CP_APPLICATION):
 *     internal flash 0x00000000 + size, QSPI at its XIP window 0x10000000 + size
 *   network core (--coprocessor CP_NETWORK):
 *     network-core flash at its own base 0x01000000 + size
 *
 * Erase options (nrfjprog's meanings): none = program only, refused when a
 * byte to write is not erased; --sectorerase = erase the pages the file
 * touches in the core's flash; --chiperase = erase all of the core's flash
 * first; --qspisectorerase / --qspichiperase the same for the QSPI. --verify
 * reads everything back. Refused before anything is written: data outside
 * every device of the core, data over the bootloader (the map's `mcuboot`
 * partition) unless --chiperase, or --sectorerase for a file that lies wholly
 * inside it (a bootloader HEX), and conflicting options.
 */
#ifndef EXTXIP_SIM_NRFJPROG_H
#define EXTXIP_SIM_NRFJPROG_H

#include <stdio.h>

#include "sim_device.h"

typedef struct sim_nrfjprog_opts {
    int netcore;         /* --coprocessor CP_NETWORK */
    int sectorerase;     /* --sectorerase */
    int chiperase;       /* --chiperase */
    int qspisectorerase; /* --qspisectorerase */
    int qspichiperase;   /* --qspichiperase */
    int verify;          /* --verify */
} sim_nrfjprog_opts_t;

/* Program the Intel HEX `file` into the device as above; progress lines go to
 * `out`. Returns 0, or -1 with one line in err (the flash is untouched when
 * the refusal comes from a check). */
int sim_device_program_hex(sim_device_t *d, const char *file, const sim_nrfjprog_opts_t *o,
                           FILE *out, char *err, size_t errlen);

/* `extxip-sim mkhex -o OUT.hex ADDR=FILE...` (argv[0] is "mkhex"): raw files at
 * those addresses as one Intel HEX file. Returns the exit status. */
int sim_cmd_mkhex(int argc, char **argv);

#endif
