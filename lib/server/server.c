#include "server/server.h"

#include <string.h>

/* Storage erase while another client's upload is live: EBUSY. */
static bool zb_busy(void *arg, uint64_t peer)
{
    extxip_server_t *s = arg;
    return extxip_img_mgmt_busy(&s->img, peer);
}

/* Storage erase: the image group's upload log shares the partition. */
static int zb_prepare(void *arg)
{
    extxip_server_t *s = arg;
    return extxip_img_mgmt_log_erase(&s->img);
}

/* After storage erase the settings store starts again, empty. */
static void zb_done(void *arg, int erased)
{
    extxip_server_t *s = arg;
    (void)erased;
    s->kvs_mounted =
        extxip_kvs_mount(&s->kvs, s->set_port.fa, s->set_port.off, s->set_port.size) == KVS_OK;
}

int extxip_server_init(extxip_server_t *s, const extxip_server_config_t *cfg)
{
    memset(s, 0, sizeof *s);
    extxip_smp_server_init(&s->srv);
    s->srv.verbose_err = cfg->verbose_err;
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
    ic.idle_erase = cfg->idle_erase;
    if (extxip_img_mgmt_init(&s->img, &ic) != 0)
        return -1;

    if (cfg->stats)
        extxip_stat_mgmt_init(&s->stat, cfg->stats);

    /* Settings: the store below the image group's upload-session log. */
    const extxip_flash_area_t *sfa = NULL;
    if (extxip_flash_map_get(cfg->map, cfg->settings_area, &sfa) != 0)
        sfa = NULL;
    s->set_port = (extxip_settings_mgmt_port_t){
        .arg = s,
        .store = &s->kvs,
        .fa = sfa,
        .off = 0,
        .size = extxip_settings_mgmt_store_size(sfa, s->img.cfg.log_area, s->img.cfg.log_off,
                                                s->img.cfg.log_size),
        .roots = cfg->settings_roots,
        .root_count = cfg->settings_root_count,
    };
    s->kvs_mounted = sfa && extxip_kvs_mount(&s->kvs, sfa, 0, s->set_port.size) == KVS_OK;
    extxip_settings_mgmt_init(&s->set, &s->set_port);

    s->sh_ctx = (extxip_shell_cmds_ctx_t){
        .img = &s->img, .stats = cfg->stats, .kvs = &s->kvs, .reset_reason = cfg->reset_reason,
        .arg = cfg->arg,
    };
    extxip_shell_cmds_port(&s->sh_port, &s->sh_ctx);
    extxip_shell_mgmt_init(&s->sh, &s->sh_port);

    s->zb_port = (extxip_zbasic_mgmt_port_t){
        .arg = s, .map = cfg->map, .area_id = cfg->settings_area, .prepare = zb_prepare,
        .done = zb_done, .busy = zb_busy,
    };
    extxip_zbasic_mgmt_init(&s->zb, &s->zb_port);
    extxip_enum_mgmt_init(&s->en, &s->srv);

    /* What the sample's SMP server serves, in this order on every port. */
    const extxip_smp_group_t *const served[] = {
        &s->os.group, &s->img.group, cfg->stats ? &s->stat.group : NULL, &s->set.group,
        &s->sh.group, &s->zb.group,  &s->en.group,
    };
    if (extxip_smp_server_register_all(&s->srv, served, sizeof served / sizeof served[0]) != 0)
        return -1;
    return extxip_smp_server_register_all(&s->srv, cfg->extra_groups, cfg->extra_count) == 0 ? 0
                                                                                             : -1;
}
