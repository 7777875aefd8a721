# The portable core's source files, per module: the one list both builds read.
#   host (simulator, tools, tests):  CMakeLists.txt includes this, lib/*/CMakeLists.txt
#                                    turn each list into a library;
#   firmware (Cortex-M33, QEMU):     port/mps2-an505/CMakeLists.txt includes it too.
# A file added to a module goes here, once. Paths are absolute, so either build
# can use a list from any directory.
include_guard(GLOBAL)
set(_l "${CMAKE_CURRENT_LIST_DIR}")

set(EXTXIP_FLASH_SOURCES    ${_l}/flash/flash_area.c ${_l}/flash/reclog.c ${_l}/flash/crc32.c
                            ${_l}/flash/flash_ram.c)
set(EXTXIP_CBOR_SOURCES     ${_l}/cbor/cbor.c)
set(EXTXIP_SMP_SOURCES      ${_l}/smp/smp.c ${_l}/smp/smp_util.c ${_l}/smp/smp_serial.c
                            ${_l}/smp/smp_reasm.c)
set(EXTXIP_IMAGE_SOURCES    ${_l}/image/image.c ${_l}/image/image_text.c
                            ${_l}/image/image_decomp_tlvs.c)
# With EXTXIP_BOOT_COMPRESSION only (needs the LZMA SDK: cmake/lzmasdk.cmake).
set(EXTXIP_IMAGE_DECOMP_SOURCES ${_l}/image/image_decomp.c)
set(EXTXIP_BOOT_DECOMP_SOURCES ${_l}/boot/boot_decomp.c)
set(EXTXIP_BOOT_SOURCES     ${_l}/boot/boot.c ${_l}/boot/boot_trailer.c ${_l}/boot/boot_overwrite.c
                            ${_l}/boot/boot_text.c ${_l}/boot/boot_check.c)
set(EXTXIP_MGMT_OS_SOURCES  ${_l}/mgmt/os_mgmt.c ${_l}/mgmt/os_mgmt_err.c)
set(EXTXIP_MGMT_IMG_SOURCES ${_l}/mgmt/img_mgmt.c ${_l}/mgmt/img_mgmt_upload.c
                            ${_l}/mgmt/img_mgmt_log.c ${_l}/mgmt/img_mgmt_stream.c
                            ${_l}/mgmt/img_mgmt_busy.c ${_l}/mgmt/img_mgmt_erase.c
                            ${_l}/mgmt/img_mgmt_init.c ${_l}/mgmt/img_mgmt_idle.c
                            ${_l}/mgmt/img_mgmt_smp.c ${_l}/mgmt/img_mgmt_err.c)
set(EXTXIP_MGMT_STAT_SOURCES   ${_l}/mgmt/stat_mgmt.c)
set(EXTXIP_MGMT_ENUM_SOURCES   ${_l}/mgmt/enum_mgmt.c)
set(EXTXIP_MGMT_ZBASIC_SOURCES ${_l}/mgmt/zbasic_mgmt.c)
# Storage: the power-safe key-value store (settings' back end; not a group).
set(EXTXIP_STORAGE_SOURCES  ${_l}/storage/kvstore.c)
set(EXTXIP_MGMT_SETTINGS_SOURCES ${_l}/mgmt/settings_mgmt.c)
set(EXTXIP_MGMT_SHELL_SOURCES ${_l}/mgmt/shell_mgmt.c ${_l}/mgmt/shell_cmds.c)
set(EXTXIP_MGMT_FS_SOURCES ${_l}/mgmt/fs_mgmt.c) # host only: the firmware has no file system
# The server assembly: the application's (all groups) and the bootloader
# recovery's (os + image), apart so a bootloader links only the second.
set(EXTXIP_SERVER_SOURCES ${_l}/server/server.c)
set(EXTXIP_SERVER_RECOVERY_SOURCES ${_l}/server/server_recovery.c)
# The groups beyond OS and image that the firmware links as one archive.
set(EXTXIP_MGMT_EXT_FW_SOURCES ${EXTXIP_MGMT_STAT_SOURCES} ${EXTXIP_MGMT_ENUM_SOURCES}
                               ${EXTXIP_MGMT_ZBASIC_SOURCES} ${EXTXIP_MGMT_SETTINGS_SOURCES}
                               ${EXTXIP_MGMT_SHELL_SOURCES} ${EXTXIP_STORAGE_SOURCES})

# Crypto shims. Every target needs SHA-256 and ECDSA P-256, from one of two
# backends (host: EXTXIP_CRYPTO, firmware: EXTXIP_FW_CRYPTO; the firmware has a third); RSA-2048 PSS
# (mbedTLS) and Ed25519 (libsodium) are built on the host only: the firmware
# signs with P-256 and its port refuses the other key types.
set(EXTXIP_CRYPTO_SOURCES_mbedtls ${_l}/crypto/sha256_mbedtls.c ${_l}/crypto/ecdsa_p256_mbedtls.c
    ${_l}/crypto/p256_spki.c)
set(EXTXIP_CRYPTO_SOURCES_bearssl ${_l}/crypto/sha256_bearssl.c ${_l}/crypto/ecdsa_p256_bearssl.c
    ${_l}/crypto/p256_spki.c)
# wolfCrypt (Debian's wolfSSL 5.5.4 sources): the firmware only (EXTXIP_FW_CRYPTO=wolfcrypt).
set(EXTXIP_CRYPTO_SOURCES_wolfcrypt ${_l}/crypto/sha256_wolfcrypt.c ${_l}/crypto/ecdsa_p256_wolfcrypt.c
    ${_l}/crypto/p256_spki.c)
set(EXTXIP_CRYPTO_HOST_SOURCES ${_l}/crypto/rsa_pss_mbedtls.c ${_l}/crypto/ed25519_sodium.c)

unset(_l)
