# The two commands a user types: `make run` and `make test`. Everything else
# (configure, build, install missing Debian packages) happens underneath.
# BOARD: a folder under boards/ (nrf5340dk, thingy53). Another board than the
# default builds in its own directory.
BOARD      ?= nrf5340dk
# COMPRESS=1: MCUboot compressed images (issue 22). The bootloader is built with
# -DEXTXIP_BOOT_COMPRESSION=ON in its own build dir (build-compress), and
# scripts/provision signs the update images with --compression lzma2armthumb:
# `make package` / `make demo` carry compressed images, `make run` flashes the
# plain ones. A board whose secondaries are smaller than its primaries
# (boards/*/board.cmake: EXTXIP_BOARD_REQUIRES_COMPRESSION) always is.
COMPRESS   ?= 0
BOARD_NEEDS_COMPRESS := $(shell grep -qs EXTXIP_BOARD_REQUIRES_COMPRESSION boards/$(BOARD)/board.cmake && echo 1)
ifeq ($(BOARD_NEEDS_COMPRESS),1)
override COMPRESS := 1
CMAKE_EXTRA := -DEXTXIP_BOOT_COMPRESSION=ON
SUFFIX     :=
else ifeq ($(COMPRESS),1)
CMAKE_EXTRA := -DEXTXIP_BOOT_COMPRESSION=ON
SUFFIX     := -compress
else
CMAKE_EXTRA :=
SUFFIX     :=
endif
ifeq ($(BOARD),nrf5340dk)
BUILD      ?= build$(SUFFIX)
else
BUILD      ?= build-$(BOARD)$(SUFFIX)
endif
export EXTXIP_BOARD := $(BOARD)
export COMPRESS
ASAN_BUILD ?= build-asan
FLASH_DIR  ?= $(BUILD)/flash
JOBS       ?= $(shell nproc)

.PHONY: all run test test-fast build bootstrap clean install
# Where `make install` puts extxip-sim, extxip-mcumgr and extxip-imgtool.
PREFIX     ?= /usr/local

all: build

bootstrap:
	@./scripts/bootstrap

$(BUILD)/build.ninja: | bootstrap
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXTXIP_BOARD=$(BOARD) $(CMAKE_EXTRA)

build: bootstrap $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./scripts/run-sim $(BUILD) $(FLASH_DIR)

test: bootstrap
	./scripts/test $(BUILD) $(ASAN_BUILD)

# One build, no sanitizer pass: for the edit-compile-test loop.
test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

# The three tools on PATH (PREFIX/bin; PREFIX=$$HOME/.local needs no root).
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# Bootloader power-cut test on every cut point (CI samples them; see test/powerfail).
.PHONY: powerfail-full
powerfail-full: build
	cmake --build $(BUILD) --target powerfail
	./$(BUILD)/test/powerfail/powerfail all full

# Benchmarks: figures against their floors, one table (and $(BUILD)/bench.json).
# Never fails on time; not part of `make test`. BENCH_FLAGS=--quick skips 115200 baud.
.PHONY: bench
bench: build
	python3 bench/bench.py $(BUILD) $(BENCH_FLAGS)

# A DFU package of another version for `image upgrade` (the device keeps running
# what it has): $(BUILD)/v$(VERSION)/dfu_application.zip and its three images.
VERSION ?= 2.0.0
.PHONY: package
package: build
	./scripts/provision $(BUILD) - $(VERSION) $(BUILD)/v$(VERSION)
	@echo "package: $(BUILD)/v$(VERSION)/dfu_application.zip"

# The sample's field update end to end (build v1+v2, flash v1, upload v2, test, reset, list).
.PHONY: demo
demo: build
	./scripts/demo $(BUILD)

# Fuzz every parser (libFuzzer + ASan/UBSan, clang) for FUZZ_SECONDS each, in
# its own build dir; CI runs a short smoke of each inside `make test`.
# FUZZ_ONLY="boot image image_resign": only those harnesses (names without fuzz_).
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 40
FUZZ_ONLY    ?=
.PHONY: fuzz
fuzz: bootstrap
	./test/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) "$(FUZZ_ONLY)"

# Cortex-M33 firmware under QEMU mps2-an505 (needs Debian's gcc-arm-none-eabi,
# libnewlib-arm-none-eabi, qemu-system-arm; BearSSL is fetched as Debian's
# source package). Ends with the text/data/bss of the bootloader and the app. Builds bootloader + split application, boots them with
# UART0 on a PTY for `extxip-mcumgr --conntype serial --connstring dev=<pty>`.
# EXTXIP_BOOT_ECDSA=bearssl-i15 (the smallest bootloader), wolfcrypt, ...:
# the bootloader's P-256 verify (port/mps2-an505/CMakeLists.txt; unset: as configured).
FW_BUILD ?= $(BUILD)/fw
# EXTXIP_BOOT_COMPRESSION=ON: the bootloader installs LZMA2(+ARM-Thumb)
# compressed secondaries (the LZMA SDK decoder from Debian's lzma source;
# docs/bootloader.md § Compressed images), and the build also signs
# app.*.lzma2armthumb.signed.bin. Empty: what FW_BUILD was configured with
# (OFF on a fresh one).
EXTXIP_BOOT_COMPRESSION ?=
FW_OPTS := $(if $(EXTXIP_BOOT_COMPRESSION),-DEXTXIP_BOOT_COMPRESSION=$(EXTXIP_BOOT_COMPRESSION))
.PHONY: firmware qemu
firmware: build
	cmake -S port/mps2-an505 -B $(FW_BUILD) -G Ninja \
	  -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/port/mps2-an505/cmake/arm-none-eabi.cmake \
	  -DEXTXIP_HOST_BUILD=$(abspath $(BUILD)) $(FW_OPTS) \
	  $(if $(EXTXIP_BOOT_ECDSA),-DEXTXIP_BOOT_ECDSA=$(EXTXIP_BOOT_ECDSA))
	cmake --build $(FW_BUILD)
	cmake --build $(FW_BUILD) --target size

# The same build as `make firmware`, quietly (its output goes to a log), so
# the PTY line is the first thing `make qemu` shows.
qemu: build
	@cmake -S port/mps2-an505 -B $(FW_BUILD) -G Ninja \
	  -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/port/mps2-an505/cmake/arm-none-eabi.cmake \
	  -DEXTXIP_HOST_BUILD=$(abspath $(BUILD)) $(FW_OPTS) >$(FW_BUILD).log 2>&1 && \
	  cmake --build $(FW_BUILD) >>$(FW_BUILD).log 2>&1 || \
	  { tail -30 $(FW_BUILD).log; echo "make qemu: firmware build failed (log: $(FW_BUILD).log)"; exit 1; }
	./port/mps2-an505/run-qemu.sh $(FW_BUILD)
