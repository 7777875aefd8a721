# The LZMA SDK decoder (LzmaDec, Lzma2Dec, Bra's ARMT_Convert) from Debian's
# `lzma` source package 9.22, never committed: fetched into the build tree by
# scripts/fetch-debian-src (its files checked against scripts/debian-src.sums),
# or an unpacked tree passed as -DEXTXIP_LZMA_SDK_SRC=DIR (the one holding C/).
# It is its own archive, outside lib/'s prefix rule (its names are the SDK's).
# Included by the host build and by the firmware's (port/mps2-an505), so the
# script is found from this file, not from the including project's root.
set(EXTXIP_LZMA_SDK_SRC "" CACHE PATH "unpacked Debian lzma 9.22 source tree (holds C/Lzma2Dec.c)")
if(NOT EXTXIP_LZMA_SDK_SRC)
  execute_process(
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/../scripts/fetch-debian-src lzma lzma-dev 9.22 C/Lzma2Dec.c
            ${CMAKE_BINARY_DIR}/debian-src
    OUTPUT_VARIABLE _lzma_tree OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _lzma_rc)
  if(NOT _lzma_rc EQUAL 0)
    message(FATAL_ERROR "EXTXIP_BOOT_COMPRESSION: could not fetch Debian's lzma 9.22 source "
                        "(pass -DEXTXIP_LZMA_SDK_SRC=DIR)")
  endif()
  set(EXTXIP_LZMA_SDK_SRC "${_lzma_tree}" CACHE PATH "" FORCE)
endif()
set(_c "${EXTXIP_LZMA_SDK_SRC}/C")
add_library(extxip_lzmasdk STATIC ${_c}/LzmaDec.c ${_c}/Lzma2Dec.c ${_c}/Bra.c)
target_include_directories(extxip_lzmasdk SYSTEM PUBLIC ${_c})
# Third-party code: our warning flags are not its contract.
target_compile_options(extxip_lzmasdk PRIVATE -w)
unset(_c)
