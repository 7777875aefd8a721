# CMake toolchain file for Cortex-M33 bare metal with Debian's gcc-arm-none-eabi
# (+ libnewlib-arm-none-eabi for string.h/memcpy). Used only by the firmware
# project in port/mps2-an505; the host build never loads it.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy CACHE FILEPATH "objcopy")
set(CMAKE_SIZE arm-none-eabi-size CACHE FILEPATH "size")
# No host executable can be linked while probing the compiler.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(EXTXIP_CPU_FLAGS "-mcpu=cortex-m33 -mthumb -mfloat-abi=soft")
set(CMAKE_C_FLAGS_INIT "${EXTXIP_CPU_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${EXTXIP_CPU_FLAGS}")
# nano newlib: only its string functions are used; no syscalls, no stdio.
set(CMAKE_EXE_LINKER_FLAGS_INIT "${EXTXIP_CPU_FLAGS} --specs=nano.specs -nostartfiles -Wl,--gc-sections")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
