#include "server/server.h"

int extxip_recovery_server_init(extxip_recovery_server_t *s, const extxip_server_config_t *cfg)
{
    /* s is zero (a bootloader's static RAM): it runs once per boot. */
    extxip_smp_server_init(&s->srv);
    extxip_os_mgmt_init(&s->os, cfg->os);

    extxip_img_mgmt_config_t ic;
    extxip_img_mgmt_config_default(&ic);
    ic.map = cfg->map;
    ic.keys = cfg->keys;
    ic.target = cfg->target;
    ic.last_boot = cfg->last_boot;
    ic.boot_report_key = cfg->boot_report_key;
    ic.clock = cfg->clock;
    ic.clock_arg = cfg->clock_arg;
    ic.pending_on_upload = true;
    ic.allow_erase_pending = true; /* whatever is pending, the operator may replace it */
    ic.uploaded = cfg->uploaded;
    ic.uploaded_arg = cfg->uploaded_arg;
    if (extxip_img_mgmt_init(&s->img, &ic) != 0)
        return -1;
    /* MCUboot's serial recovery serves the image and OS groups only. */
    const extxip_smp_group_t *const groups[] = {&s->os.group, &s->img.group};
    return extxip_smp_server_register_all(&s->srv, groups, 2) == 0 ? 0 : -1;
}
