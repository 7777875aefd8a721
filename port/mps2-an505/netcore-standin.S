/* extxip network-core image stand-in: QEMU mps2-an505 has no network core.
 * It starts as a build for the nRF5340's network core does, with its vector
 * table (nRF5340 PS memory map): the initial SP at the top of the core's
 * 64 KiB SRAM (0x21000000), a Thumb reset vector in its flash (0x01000000,
 * past the 0x200-byte image header); board_target.c checks these before the
 * image is installed or booted as image 1. */
    .section .text
    .word 0x21010000
    .word 0x01000209
    .ascii "extxip network-core image stand-in: QEMU mps2-an505 has no network core.\n"
