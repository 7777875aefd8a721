#include "sim_device.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include "hostfile.h"
#include "mgmt/img_mgmt.h"
#include "sim_app.h"

static void warn_to_log(void *arg, const char *msg)
{
    fprintf((FILE *)arg, "layout: warning: %s\n", msg);
}

int sim_device_open(sim_device_t *d, const char *flash_dir, const char *layout_path, FILE *log,
                    char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    if (simflash_board_open(&d->board, flash_dir, 1) != FLASH_OK) {
        snprintf(err, errlen, "cannot open flash files in %s: %s", flash_dir ? flash_dir : "RAM",
                 strerror(errno));
        return -1;
    }
    const extxip_flash_dev_t *devs[PM_DEV_COUNT];
    for (int i = 0; i < PM_DEV_COUNT; i++)
        devs[i] = simflash_board_dev(&d->board, i);
    char lerr[256];
    if (pm_layout_load(layout_path, devs, &d->layout, warn_to_log, log, lerr, sizeof lerr) != 0) {
        snprintf(err, errlen, "%s: %s", layout_path, lerr);
        simflash_board_close(&d->board);
        return -1;
    }
    /* The board's own key, built in (boards/nrf5340dk/extxip-dev-ec-p256.pem,
     * by extxip-imgtool getpub at build time); --key files replace it. */
    d->keys[0].type = IMAGE_KEY_EC_P256;
    d->keys[0].der = ecdsa_pub_key_board;
    d->keys[0].len = ecdsa_pub_key_board_len;
    d->keyring.keys = d->keys;
    d->keyring.count = 1;
    extxip_boot_options_default(&d->boot_opt);
    d->boot_opt.target = &sim_app_target; /* only builds for each slot install and boot */
    return 0;
}

int sim_device_lock_dir(const char *flash_dir, char *err, size_t errlen)
{
    if (mkdir(flash_dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", flash_dir, strerror(errno));
        return -1;
    }
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", flash_dir, SIM_LOCK_FILE) >= (int)sizeof path) {
        snprintf(err, errlen, "%s: path too long", flash_dir);
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = 0;
        pid[strcspn(pid, "\n")] = 0;
        close(fd);
        if (e == EWOULDBLOCK)
            snprintf(err, errlen, "%s is in use by another extxip-sim (pid %s): stop it first, "
                     "or give this one another --flash-dir", flash_dir, pid[0] ? pid : "?");
        else
            snprintf(err, errlen, "cannot lock %s: %s", path, strerror(e));
        return -1;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd; /* held until the process exits (flock goes with the last descriptor) */
}

void sim_device_clear_keys(sim_device_t *d)
{
    d->keyring.count = 0;
}

void sim_device_close(sim_device_t *d)
{
    simflash_board_close(&d->board);
}

int sim_device_add_key_file(sim_device_t *d, const char *path, char *err, size_t errlen)
{
    if (d->keyring.count >= SIM_MAX_KEYS) {
        snprintf(err, errlen, "%s: too many keys (max %d)", path, SIM_MAX_KEYS);
        return -1;
    }
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int rc = mbedtls_pk_parse_public_keyfile(&pk, path);
    if (rc != 0) {
        mbedtls_pk_free(&pk);
        mbedtls_pk_init(&pk);
        rc = mbedtls_pk_parse_keyfile(&pk, path, NULL);
    }
    if (rc != 0) {
        mbedtls_pk_free(&pk);
        snprintf(err, errlen, "%s: not a readable EC P-256 or RSA PEM key", path);
        return -1;
    }
    size_t n = d->keyring.count;
    uint8_t tmp[SIM_KEY_DER_MAX];
    int len;
    extxip_image_key_type_t type;
    if (mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY && mbedtls_pk_get_bitlen(&pk) == 256) {
        /* imgtool getpub for EC: SubjectPublicKeyInfo DER. */
        len = mbedtls_pk_write_pubkey_der(&pk, tmp, sizeof tmp);
        type = IMAGE_KEY_EC_P256;
    } else if (mbedtls_pk_get_type(&pk) == MBEDTLS_PK_RSA && mbedtls_pk_get_bitlen(&pk) == 2048) {
        /* imgtool getpub for RSA: PKCS#1 RSAPublicKey DER (no SPKI wrapper). */
        unsigned char *p = tmp + sizeof tmp;
        len = mbedtls_pk_write_pubkey(&p, tmp, &pk);
        type = IMAGE_KEY_RSA2048;
    } else {
        len = -1;
        type = IMAGE_KEY_EC_P256;
    }
    mbedtls_pk_free(&pk);
    if (len <= 0) {
        snprintf(err, errlen, "%s: key type not supported (EC P-256 or RSA-2048)", path);
        return -1;
    }
    memcpy(d->key_der[n], tmp + sizeof tmp - (size_t)len, (size_t)len);
    d->keys[n].type = type;
    d->keys[n].der = d->key_der[n];
    d->keys[n].len = (size_t)len;
    d->keyring.count = n + 1;
    return 0;
}

const char *sim_version_str(const extxip_image_version_t *v, char *buf, size_t cap)
{
    extxip_img_mgmt_ver_str(v, buf, cap); /* the same text `image list` shows */
    return buf;
}

const extxip_flash_area_t *sim_device_area(const sim_device_t *d, uint8_t id)
{
    const extxip_flash_area_t *fa = NULL;
    return extxip_flash_map_get(&d->layout.map, id, &fa) == FLASH_OK ? fa : NULL;
}

static const char *image_part_name(unsigned i)
{
    static const char *const names[] = {"internal application part", "network core",
                                        "QSPI XIP application part"};
    return i < 3 ? names[i] : "?";
}

int sim_device_boot(sim_device_t *d, FILE *log)
{
    extxip_boot_result_t *r = &d->boot_result;
    /* No power_on here: a cut armed before power-on (--power-cut-after) must
     * be able to fall inside this boot. A process start is the power-on. */
    d->boot_rc = extxip_boot_go(&d->boot_state, &d->layout.map, &d->keyring, &d->boot_opt, r);
    fprintf(log, "boot: MCUboot-compatible, overwrite-only, %u images\n", r->image_count);
    for (unsigned i = 0; i < r->image_count; i++) {
        const extxip_boot_image_result_t *im = &r->img[i];
        char v[32], from[32], to[32];
        if (im->upgrade == BOOT_UPGRADE_DONE)
            fprintf(log, "boot: image %u: upgraded %s -> %s (%u sectors erased, %u skipped)\n", i,
                    sim_version_str(&im->from, from, sizeof from),
                    sim_version_str(&im->to, to, sizeof to), (unsigned)im->sectors_erased,
                    (unsigned)im->sectors_skipped);
        else if (im->upgrade == BOOT_UPGRADE_REFUSED) {
            /* The image's own failure, where the reason has one. */
            bool detail = im->reason == BOOT_REASON_INVALID || im->reason == BOOT_REASON_FLAGS ||
                          im->reason == BOOT_REASON_WRONG_SLOT;
            fprintf(log, "boot: image %u: pending upgrade to %s refused: %s%s%s\n", i,
                    sim_version_str(&im->to, to, sizeof to), extxip_boot_reason_str(im->reason),
                    detail ? ": " : "", detail ? extxip_image_strerror(im->image_err) : "");
        }
        if (im->bootable)
            fprintf(log, "boot: image %u (%s): %s valid\n", i, image_part_name(i),
                    sim_version_str(&im->version, v, sizeof v));
        else
            fprintf(log, "boot: image %u (%s): NOT bootable: %s (%s)\n", i, image_part_name(i),
                    extxip_boot_reason_str(im->reason), extxip_image_strerror(im->primary_err));
    }
    fprintf(log, "boot: %u signature verifications, %u sectors erased, %u bytes programmed\n",
            (unsigned)r->sig_verifications, (unsigned)r->sectors_erased,
            (unsigned)r->bytes_programmed);
    return d->boot_rc;
}

int sim_device_program(sim_device_t *d, const char *target, const char *file, char *err,
                       size_t errlen)
{
    extxip_flash_area_t custom;
    const extxip_flash_area_t *fa = NULL;
    int dev = PM_DEV_NONE;
    if (target[0] >= '0' && target[0] <= '2' && target[1] == '\0') {
        fa = sim_device_area(d, FLASH_AREA_IMAGE_PRIMARY((unsigned)(target[0] - '0')));
    } else {
        const pm_partition_t *p = pm_layout_find(&d->layout, target);
        if (p && p->dev != PM_DEV_NONE) {
            custom.id = 0xff;
            custom.name = p->name;
            custom.dev = simflash_board_dev(&d->board, p->dev);
            custom.off = p->off;
            custom.size = p->size;
            fa = &custom;
        }
    }
    if (!fa) {
        snprintf(err, errlen, "unknown target '%s' (want 0, 1, 2 or a flash partition name)",
                 target);
        return -1;
    }
    for (int i = 0; i < PM_DEV_COUNT; i++)
        if (fa->dev == simflash_board_dev(&d->board, i))
            dev = i;

    /* Raw binary, or Intel HEX (by name, as imgtool decides) placed at its address. */
    it_buf_t buf = {0};
    it_err_t ie;
    bool has_base;
    uint32_t base, at = 0;
    if (it_load_input(file, &buf, &has_base, &base, &ie) != 0) {
        snprintf(err, errlen, "%s", ie.msg);
        return -1;
    }
    int rc = -1;
    if (has_base) {
        /* A HEX address is the flash address: the device offset, or for the
         * QSPI also its XIP-mapped address. */
        uint64_t start = fa->off;
        if (dev == PM_DEV_QSPI && base >= SIM_XIP_BASE)
            start += SIM_XIP_BASE;
        if (base < start || base - start >= fa->size) {
            snprintf(err, errlen, "%s: HEX data at 0x%08x is outside %s", file, (unsigned)base,
                     fa->name);
            goto out;
        }
        at = (uint32_t)(base - start);
    }
    uint32_t sec = extxip_flash_area_sector_size(fa), align = extxip_flash_area_align(fa);
    size_t len = buf.len;
    size_t padded = (len + align - 1) / align * align;
    if (len == 0 || padded > fa->size - at || at % align != 0) {
        snprintf(err, errlen, "%s: %zu bytes at offset 0x%x do not fit %s (%u bytes)", file, len,
                 (unsigned)at, fa->name, (unsigned)fa->size);
        goto out;
    }
    it_buf_fill(&buf, extxip_flash_area_erased_val(fa), padded - len);
    /* Like a full chip-area program: erase the whole partition (trailer included). */
    if (extxip_flash_area_erase(fa, 0, fa->size / sec * sec) != 0 ||
        extxip_flash_area_write(fa, at, buf.data, (uint32_t)padded) != 0) {
        snprintf(err, errlen, "%s: flash error while programming %s", file, fa->name);
        goto out;
    }
    rc = 0;
out:
    it_buf_free(&buf);
    return rc;
}

static void print_trailer(const extxip_flash_area_t *fa, FILE *f)
{
    extxip_boot_trailer_t t;
    if (extxip_boot_trailer_read(fa, &t) != 0) {
        fprintf(f, "trailer unreadable");
        return;
    }
    static const char *const magic[] = {"?", "good", "bad", "unset"};
    static const char *const flag[] = {"?", "set", "bad", "unset"};
    static const char *const swap[] = {"?", "none", "test", "perm", "revert", "fail"};
    fprintf(f, "trailer: magic %s, swap %s, copy_done %s, image_ok %s",
            t.magic <= 3 ? magic[t.magic] : "?", t.swap_type <= 5 ? swap[t.swap_type] : "?",
            t.copy_done <= 3 ? flag[t.copy_done] : "?", t.image_ok <= 3 ? flag[t.image_ok] : "?");
}

void sim_device_print_info(sim_device_t *d, FILE *f)
{
    fprintf(f, "memory map (from pm_static.yml):\n");
    pm_layout_print(&d->layout, f);
    fprintf(f, "\nslots:\n");
    for (uint8_t id = 0; id < 2 * FLASH_IMAGE_COUNT; id++) {
        const extxip_flash_area_t *fa = sim_device_area(d, id);
        if (!fa)
            continue;
        fprintf(f, "  slot %u (image %u %s, %s): ", id, id / 2u,
                id % 2 ? "secondary" : "primary", fa->name);
        extxip_image_info_t info;
        int rc = extxip_image_parse(fa, &info);
        if (rc == IMAGE_ERR_MAGIC) {
            fprintf(f, "empty; ");
        } else if (rc != IMAGE_OK) {
            fprintf(f, "unparseable: %s; ", extxip_image_strerror(rc));
        } else {
            char v[32];
            fprintf(f, "version %s, hash ", sim_version_str(&info.hdr.ver, v, sizeof v));
            for (unsigned i = 0; i < IMAGE_HASH_SIZE; i++)
                fprintf(f, "%02x", info.hash[i]);
            rc = extxip_image_validate(fa, &d->keyring, &info);
            fprintf(f, ", %s; ", rc == IMAGE_OK ? "valid" : extxip_image_strerror(rc));
        }
        print_trailer(fa, f);
        fputc('\n', f);
    }
}
