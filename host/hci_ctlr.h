/*
 * Opening a Bluetooth controller for an HCI host (extxip-sim --ble, and
 * extxip-mcumgr's BLE central). One spelling for both:
 *   unix:PATH          H4 over a Unix stream socket (BlueZ's btvirt -s serves
 *                      one emulated LE controller per connection at
 *                      /tmp/bt-server-le)
 *   tty:DEV[,baud=N]   an HCI UART controller (Zephyr's hci_uart, e.g. on an
 *                      nRF52840 dongle); baud default 1000000, RTS/CTS on
 *   hciN               Linux HCI user channel: exclusive raw access to the
 *                      machine's adapter N; needs root (CAP_NET_ADMIN) and the
 *                      adapter down (`btmgmt --index N power off` or
 *                      `hciconfig hciN down`)
 * All three carry H4 packets (type byte first). POSIX/Linux only.
 */
#ifndef EXTXIP_HCI_CTLR_H
#define EXTXIP_HCI_CTLR_H

#include <stddef.h>

/* Returns an fd, or -1 with one line in err. */
int hci_ctlr_open(const char *spec, char *err, size_t cap);

#endif
