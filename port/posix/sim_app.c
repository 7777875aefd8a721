#include "sim_app.h"

#include <string.h>

/* Payload layouts (little-endian), at the start of each part's body:
 *  app  vector table (initial SP u32, reset u32) for the application core,
 *       then the descriptor: magic[8] "EXTXIPA1", link_id u32,
 *       xip_marker_off u32 (offset in image 2's body);
 *  net  vector table for the network core, then magic[8] "EXTXIPN1", link_id;
 *  xip  (no vector table: code called from the internal part) the marker
 *       magic[8] "EXTXIPX1", link_id at XIP_MARKER_OFF.
 * The vector tables hold what a real build for the DK holds (board.h): an SP
 * at the top of that core's RAM, a Thumb reset vector inside the code its
 * primary runs. */
#define VT_SIZE 8u
#define DESC_OFF VT_SIZE
#define DESC_SIZE 16u
#define XIP_MARKER_OFF 0x100u
#define RESET_OFF 0x81u /* "Reset_Handler": a Thumb address in the part's code */

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t xorshift(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/* A stand-in for compiled Thumb-2 code, for the compressed-image figures (a
 * random filler does not compress at all; real firmware does, to about
 * 55-75 % with LZMA2): 16-bit instructions drawn from a small set of common
 * encodings with random register and immediate fields, a BL every ~10
 * instructions to one of 256 functions (relative offsets, which the
 * ARM-thumb BCJ filter turns into repeating absolute ones), and a literal
 * pool of RAM/peripheral addresses after each "function". Deterministic in
 * the seed. Not real code: nothing executes the simulator's bodies. */
static void code_filler(uint32_t x, uint8_t *buf, size_t size)
{
    static const uint16_t ops[16] = {
        0x2000, /* movs rN, #imm8 */ 0x6800, /* ldr rT, [rN, #imm] */
        0x6000, /* str rT, [rN, #imm] */ 0x1c00, /* adds rD, rN, #imm3 */
        0x2800, /* cmp rN, #imm8 */ 0xd000, /* b<cond> */
        0x4600, /* mov rD, rM */ 0x4800, /* ldr rT, [pc, #imm] */
        0x3000, /* adds rN, #imm8 */ 0x7800, /* ldrb */
        0x7000, /* strb */ 0x0000, /* lsls */
        0x4000, /* and/eor/orr... */ 0x1800, /* adds rD, rN, rM */
        0x9800, /* ldr rT, [sp, #imm] */ 0x9000, /* str rT, [sp, #imm] */
    };
    uint32_t funcs[256];
    for (size_t k = 0; k < 256; k++)
        funcs[k] = (uint32_t)((size_t)(xorshift(&x) % (size / 2)) & ~(size_t)1);
    size_t i = 0, fn_len = 0;
    while (i + 4 <= size) {
        uint32_t r = xorshift(&x);
        if (fn_len == 0) { /* push {r4-r7, lr}; a function of 20..120 halfwords */
            buf[i] = 0xf0;
            buf[i + 1] = 0xb5;
            i += 2;
            fn_len = 20 + r % 100;
            continue;
        }
        if (--fn_len == 0) { /* pop {r4-r7, pc}, then a literal pool of 1..4 words */
            buf[i] = 0xf0;
            buf[i + 1] = 0xbd;
            i += 2;
            for (uint32_t n = 1 + (r >> 8) % 4; n > 0 && i + 4 <= size; n--, i += 4)
                put_le32(buf + i, ((r >> 12) & 1 ? 0x20000000u : 0x50000000u) +
                                      (xorshift(&x) & 0x3ffcu));
            continue;
        }
        if (r % 10 == 0) { /* bl funcs[k]: Thumb-2 T1 with J1 = J2 = 1 (|offset| < 4 MiB) */
            int32_t off = (int32_t)funcs[(r >> 8) & 0xff] - (int32_t)(i + 4);
            uint32_t imm = ((uint32_t)off >> 1) & 0x3fffffu;
            uint16_t hi = (uint16_t)(0xf000u | (imm >> 11)), lo = (uint16_t)(0xf800u | (imm & 0x7ffu));
            buf[i] = (uint8_t)hi;
            buf[i + 1] = (uint8_t)(hi >> 8);
            buf[i + 2] = (uint8_t)lo;
            buf[i + 3] = (uint8_t)(lo >> 8);
            i += 4;
            continue;
        }
        /* operand fields: registers r0-r7 mostly low, small immediates */
        uint16_t op = (uint16_t)(ops[(r >> 4) & 15] | ((r >> 9) & 0x3f) | (((r >> 16) & 0x7) << 8));
        buf[i] = (uint8_t)op;
        buf[i + 1] = (uint8_t)(op >> 8);
        i += 2;
    }
    for (; i < size; i++)
        buf[i] = 0;
}

int sim_app_make_payload(int part, uint32_t link_id, uint32_t seed, uint8_t *buf, size_t size)
{
    return sim_app_make_payload_style(part, link_id, seed, 0, buf, size);
}

int sim_app_make_payload_style(int part, uint32_t link_id, uint32_t seed, int code, uint8_t *buf,
                               size_t size)
{
    if (size < XIP_MARKER_OFF + DESC_SIZE)
        return -1;
    uint32_t x = seed * 2654435761u + 0x9e3779b9u + (uint32_t)part;
    if (code) {
        code_filler(x, buf, size);
    } else {
        for (size_t i = 0; i < size; i++) /* xorshift filler: "code" that differs per build */
            buf[i] = (uint8_t)xorshift(&x);
    }
    switch (part) {
    case SIM_PART_APP:
        put_le32(buf, EXTXIP_BOARD_APP_INITIAL_SP);
        put_le32(buf + 4, SIM_APP_CODE_ADDR + RESET_OFF);
        memcpy(buf + DESC_OFF, SIM_APP_MAGIC, 8);
        put_le32(buf + DESC_OFF + 8, link_id);
        put_le32(buf + DESC_OFF + 12, XIP_MARKER_OFF);
        break;
    case SIM_PART_XIP:
        memcpy(buf + XIP_MARKER_OFF, SIM_XIP_MAGIC, 8);
        put_le32(buf + XIP_MARKER_OFF + 8, link_id);
        break;
    default:
        put_le32(buf, EXTXIP_BOARD_NET_RAM_BASE + EXTXIP_BOARD_NET_RAM_SIZE);
        put_le32(buf + 4, EXTXIP_BOARD_NET_FLASH_BASE + RESET_OFF);
        memcpy(buf + DESC_OFF, SIM_NET_MAGIC, 8);
        put_le32(buf + DESC_OFF + 8, link_id);
        break;
    }
    return 0;
}

/* Which part image `image` must carry, and where its marker sits in the body. */
static void part_of(uint8_t image, const char **magic, uint32_t *off)
{
    if (image == EXTXIP_NETCORE_IMAGE) {
        *magic = SIM_NET_MAGIC;
        *off = DESC_OFF;
    } else if (image == 0) {
        *magic = SIM_APP_MAGIC;
        *off = DESC_OFF;
    } else {
        *magic = SIM_XIP_MAGIC;
        *off = XIP_MARKER_OFF;
    }
}

static int sim_built_for(void *arg, uint8_t image, const extxip_flash_area_t *pri,
                         const extxip_flash_area_t *fa, const extxip_image_info_t *info)
{
    (void)arg, (void)pri;
    const char *magic;
    uint32_t off;
    uint8_t got[8];
    part_of(image, &magic, &off);
    /* extxip_image_parse bounded hdr_size + img_size by the area. */
    if (info->hdr.img_size < off + sizeof got)
        return IMAGE_ERR_WRONG_SLOT;
    if (extxip_flash_area_read(fa, info->hdr.hdr_size + off, got, sizeof got) != FLASH_OK)
        return IMAGE_ERR_IO;
    return memcmp(got, magic, sizeof got) == 0 ? IMAGE_OK : IMAGE_ERR_WRONG_SLOT;
}

const extxip_boot_target_t sim_app_target = {sim_built_for, NULL};

int sim_app_check_xip(sim_device_t *d, FILE *log)
{
    const extxip_boot_image_result_t *app = &d->boot_result.img[0];
    const extxip_boot_image_result_t *xip = &d->boot_result.img[2];
    const extxip_flash_area_t *fa0 = sim_device_area(d, FLASH_AREA_IMAGE_PRIMARY(0));
    const extxip_flash_area_t *fa2 = sim_device_area(d, FLASH_AREA_IMAGE_PRIMARY(2));
    if (!fa0 || !fa2 || !app->bootable) {
        fprintf(log, "app: no bootable internal part\n");
        return -1;
    }
    uint8_t desc[DESC_SIZE];
    if (extxip_flash_area_read(fa0, app->entry_off + DESC_OFF, desc, sizeof desc) != 0) {
        fprintf(log, "app: cannot read the internal part\n");
        return -1;
    }
    if (memcmp(desc, SIM_APP_MAGIC, 8) != 0) {
        /* Hardware would jump into whatever this is and fault. */
        fprintf(log, "app: fault: image 0 is not an extxip application build (no descriptor "
                     "at 0x%08x)\n",
                (unsigned)(fa0->off + app->entry_off + DESC_OFF));
        return -1;
    }
    uint32_t link_id = get_le32(desc + 8), moff = get_le32(desc + 12);
    uint32_t xip_addr = SIM_XIP_BASE + fa2->off + xip->entry_off + moff;
    uint8_t marker[12];
    if (!xip->bootable || moff > fa2->size - sizeof marker ||
        xip->entry_off + moff > fa2->size - sizeof marker ||
        extxip_flash_area_read(fa2, xip->entry_off + moff, marker, sizeof marker) != 0 ||
        memcmp(marker, SIM_XIP_MAGIC, 8) != 0 || get_le32(marker + 8) != link_id) {
        fprintf(log, "app: fault: no matching XIP code at 0x%08x (link id %u)\n",
                (unsigned)xip_addr, (unsigned)link_id);
        return -1;
    }
    fprintf(log, "app: internal part found its XIP part at 0x%08x (link id %u)\n",
            (unsigned)xip_addr, (unsigned)link_id);
    return 0;
}
