/*
 * Downgrade prevention by security counter: a pending image with a higher
 * version but a lower security counter than the primary's is refused
 * (BOOT_REASON_SEC_CNT), and accepted when the option is off. The primary is
 * imgtool's img1-v3.1.4+159 (counter 7); the pending one is v4.0.0 with
 * counter 5, signed at build time by extxip-imgtool with MCUboot's dev key.
 */
#include <string.h>

#include "bootsim.h"
#include "testutil.h"

int main(int argc, char **argv)
{
    static bootsim_t sim;
    static extxip_boot_state_t bst;
    static extxip_boot_result_t res;
    const uint8_t P1 = FLASH_AREA_IMAGE_PRIMARY(1), S1 = FLASH_AREA_IMAGE_SECONDARY(1);
    if (argc != 2) {
        fprintf(stderr, "usage: test_boot_seccnt V4-COUNTER5.bin\n");
        return 2;
    }
    for (int pass = 0; pass < 2; pass++) {
        bool prevent = pass == 0;
        CHECK_EQ(bootsim_open(&sim, 1), 0);
        CHECK_EQ(bootsim_load(&sim, FLASH_AREA_IMAGE_PRIMARY(0), "img0-v1.0.0.signed.bin"), 0);
        CHECK_EQ(bootsim_load(&sim, FLASH_AREA_IMAGE_PRIMARY(2), "img2-v1.0.0.signed.bin"), 0);
        CHECK_EQ(bootsim_load(&sim, P1, "img1-v3.1.4+159.seccnt7.signed.bin"), 0);
        for (int i = 0; i < 3; i++)
            bootsim_erase(&sim, FLASH_AREA_IMAGE_SECONDARY(i));
        CHECK_EQ(bootsim_load_path(&sim, S1, argv[1]), 0);
        CHECK_EQ(extxip_boot_set_pending(bootsim_area(&sim, S1), false), 0);

        extxip_boot_options_t opt;
        extxip_boot_options_default(&opt);
        opt.downgrade_prevention = prevent;
        CHECK_EQ(extxip_boot_go(&bst, &sim.map, &image_dev_keyring, &opt, &res), 0);
        if (prevent) {
            CHECK_EQ(res.img[1].upgrade, BOOT_UPGRADE_REFUSED);
            CHECK_EQ(res.img[1].reason, BOOT_REASON_SEC_CNT);
            CHECK_EQ(res.img[1].version.major, 3); /* v3.1.4 keeps running */
            CHECK_EQ(res.img[1].to.major, 4);
            CHECK_EQ(res.bytes_programmed, 0);
        } else {
            CHECK_EQ(res.img[1].upgrade, BOOT_UPGRADE_DONE);
            CHECK_EQ(res.img[1].version.major, 4);
        }
        bootsim_close(&sim);
    }
    return tu_finish("boot_security_counter");
}
