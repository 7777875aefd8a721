/*
 * extxip-sim's Bluetooth LE: the application core's host (lib/ble) talking
 * HCI to a controller that stands where the nRF5340's network core stands
 * (btvirt's emulated controller, an HCI UART dongle, or the machine's
 * adapter through the HCI user channel: hci_ctlr.h). The controller link is
 * board I/O and survives resets; the host is RAM and starts again on every
 * boot (HCI Reset, advertising).
 */
#ifndef EXTXIP_SIM_BLE_H
#define EXTXIP_SIM_BLE_H

#include "ble/ble_bonds.h"
#include "ble/ble_periph.h"
#include "sim_services.h"
#include "smp/smp.h"

typedef struct sim_ble {
    int fd;
    extxip_ble_h4_rx_t h4;
    extxip_ble_periph_t host;
    sim_services_t *app;
    uint8_t tx[SMP_BUF_SIZE];
    uint8_t sec_level; /* --ble-security */
    long passkey;      /* --ble-passkey, -1 = random */
    extxip_ble_bonds_t bonds; /* in the application's settings store */
    extxip_ble_bond_ops_t bond_ops;
} sim_ble_t;

/* Open the controller (hci_ctlr_open spelling). Returns 0 or -1 (message printed). */
int sim_ble_open(sim_ble_t *b, const char *spec);
/* A boot: start the host over the controller and advertise (app == NULL: the
 * device is halted, the host stays silent). */
void sim_ble_boot(sim_ble_t *b, sim_services_t *app, const char *name, uint32_t buf_size);
/* The controller fd is readable. Returns 0, or -1 if the controller went away. */
int sim_ble_readable(sim_ble_t *b);
void sim_ble_poll(sim_ble_t *b);
/* Before a reset: let the last response reach the central, then disconnect
 * (bounded wait, about 2 s at most). */
void sim_ble_before_reset(sim_ble_t *b);
void sim_ble_close(sim_ble_t *b);

#endif
