/* Placed in .extflash_text_reloc / .extflash_rodata_reloc by app.ld. */
#include "app_xip.h"

#ifndef EXTXIP_FW_VERSION
#define EXTXIP_FW_VERSION "0.0.0"
#endif

/* The XIP part's identity, first in its body (app.ld). */
__attribute__((section(".extflash_id"), used)) const char app_xip_id[APP_XIP_ID_SIZE] = {
    'E', 'X', 'T', 'X', 'I', 'P', 'X', '1'};

const char *app_xip_version(void)
{
    return EXTXIP_FW_VERSION;
}

uint32_t app_xip_where(void)
{
    uint32_t pc;
    __asm volatile("mov %0, pc" : "=r"(pc));
    return pc;
}
