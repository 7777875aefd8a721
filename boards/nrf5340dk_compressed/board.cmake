# Read by the top CMakeLists.txt: the secondaries are smaller than the primaries
# (pm_static.yml), so only compressed updates of a full-size image fit: the
# bootloader must be the decompressing one.
set(EXTXIP_BOARD_REQUIRES_COMPRESSION ON)
