/*
 * nRF5340 DK with MCUboot compressed images (issue 22): the DK's facts and
 * core configuration (../nrf5340dk/board.h), with the secondary slots cut to
 * about 70 % of their primaries in pm_static.yml beside this file, as the nRF
 * Connect SDK sizes them for LZMA2 + ARM-thumb compressed updates:
 *   image 0  primary 0xd4000, secondary 0x94000 (606208 bytes, 69.8 %)
 *   image 1  primary 0x40000, secondary 0x2c000 (180224 bytes, 68.75 %)
 *   image 2  primary 0x40000, secondary 0x2c000 (180224 bytes, 68.75 %)
 * 0x60000 + 0x14000 bytes of QSPI come free (EMPTY_1 and past image 2's
 * secondary). A plain image of more than its secondary's size cannot be
 * uploaded (the device refuses its first chunk, image upgrade refuses it
 * before sending); its compressed form can. The board needs the bootloader
 * that inflates them: board.cmake makes the build refuse to configure
 * without -DEXTXIP_BOOT_COMPRESSION=ON (make BOARD=nrf5340dk_compressed
 * turns it on). The development key is the DK's.
 */
#include "../nrf5340dk/board.h"
