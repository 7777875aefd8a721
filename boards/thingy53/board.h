/*
 * Thingy:53: the board's facts and the core's configuration header for it
 * (EXTXIP_CONFIG_FILE, see lib/extxip_config.h). The same nRF5340 and the
 * same MX25R6435F on QSPI as the DK, so everything but the name is the DK's;
 * the partition map is pm_static.yml beside this file (the sample's one), the
 * development key extxip-dev-ec-p256.pem. See README.md here.
 */
#define EXTXIP_BOARD_NAME "thingy53_nrf5340_cpuapp"
#include "../nrf5340dk/board.h"
