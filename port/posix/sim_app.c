#include "sim_app.h"

#include <string.h>

/* Descriptor layout at the start of the internal part's body (little-endian):
 * magic[8], link_id u32, xip_marker_off u32 (offset in image 2's body). */
#define DESC_SIZE 16u
#define XIP_MARKER_OFF 0x100u

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

int sim_app_make_payload(int part, uint32_t link_id, uint32_t seed, uint8_t *buf, size_t size)
{
    if (size < XIP_MARKER_OFF + DESC_SIZE)
        return -1;
    uint32_t x = seed * 2654435761u + 0x9e3779b9u + (uint32_t)part;
    for (size_t i = 0; i < size; i++) { /* xorshift filler: "code" that differs per build */
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
    switch (part) {
    case SIM_PART_APP:
        memcpy(buf, SIM_APP_MAGIC, 8);
        put_le32(buf + 8, link_id);
        put_le32(buf + 12, XIP_MARKER_OFF);
        break;
    case SIM_PART_XIP:
        memcpy(buf + XIP_MARKER_OFF, SIM_XIP_MAGIC, 8);
        put_le32(buf + XIP_MARKER_OFF + 8, link_id);
        break;
    default:
        memcpy(buf, SIM_NET_MAGIC, 8);
        put_le32(buf + 8, link_id);
        break;
    }
    return 0;
}

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
    if (extxip_flash_area_read(fa0, app->entry_off, desc, sizeof desc) != 0) {
        fprintf(log, "app: cannot read the internal part\n");
        return -1;
    }
    if (memcmp(desc, SIM_APP_MAGIC, 8) != 0) {
        fprintf(log, "app: image 0 is not an extxip build: XIP marker check skipped\n");
        return xip->bootable ? 0 : -1;
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
