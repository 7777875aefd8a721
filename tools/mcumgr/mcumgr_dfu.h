/*
 * `image upgrade PACKAGE.zip` (also `upgrade`, smpmgr's name for its one-image
 * version): the whole field update from an nRF Connect SDK DFU package, on one device or
 * on a list of them (--devices FILE, -j N at once).
 *
 * Per device: read the device's image list; refuse an image index it does not list;
 * skip images whose hash it already runs (or already holds, complete, in the secondary
 * slot); upload the rest (windowed, resumable: a second run continues where the device
 * says it stopped); check the device now holds every one; mark them test, the linked
 * pair 0+2 first and only together; reset; reconnect; read the state and report each
 * image as old -> new, or why the bootloader refused it (the device's optional
 * "bootReport"); with --confirm, confirm them once every one runs (never before: a set
 * that did not boot must stay revertible). An upload that fails marks nothing and resets
 * nothing. Exit status: 0 every device updated (or already up to date), 1 a device
 * failed, 2 the package or the command line is bad (nothing sent to any device).
 */
#ifndef EXTXIP_MCUMGR_DFU_H
#define EXTXIP_MCUMGR_DFU_H

#include "mcumgr_cli.h"

/* 1 when the command line asks for an upgrade. */
int mcumgr_dfu_is_cmd(const mcumgr_cli_t *o);

/* Run it; returns the exit status. */
int mcumgr_dfu_main(const mcumgr_cli_t *o);

#endif
