# SPDX-License-Identifier: Apache-2.0
# Thin wrapper over meson. `make demo` runs the end-to-end job, `make test`
# runs every test. Both install missing Debian packages first.

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
CC         ?= cc
MESON_OPTS ?=
# `make install`: installation prefix and staging directory (docs/cli.md).
PREFIX     ?= /usr/local
DESTDIR    ?=

.PHONY: all deps build test demo asan asan-test bench fuzz fuzz-smoke fuzz-diff clang gcc clean \
	install uninstall

all: build

# A stamp per machine would be wrong after a fresh clone; checking the tools
# is cheap, so check every time.
deps:
	@command -v meson >/dev/null 2>&1 && command -v ninja >/dev/null 2>&1 && \
	 command -v wast2json >/dev/null 2>&1 && command -v clang >/dev/null 2>&1 && \
	 command -v llvm-config-14 >/dev/null 2>&1 && \
	 test -f "$$(llvm-config-14 --includedir)/llvm-c/Core.h" && \
	 pkg-config --exists libzstd jansson libsodium libxxhash libsecp256k1 libseccomp 2>/dev/null || \
	 scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	meson compile -C $(BUILD)

test: build
	@scripts/run-tests.sh $(BUILD)

# Installs libpvf (shared, static, pkg-config pvf.pc), include/pvf, the pvf
# command, the worker programs (when built) and the man page under
# $(DESTDIR)$(PREFIX). Reconfigures the build directory for PREFIX first.
install: build
	@[ "$$(meson introspect --buildoptions $(BUILD) | python3 -c \
	   'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')" \
	   = "$(PREFIX)" ] || meson configure $(BUILD) -Dprefix=$(PREFIX)
	meson install -C $(BUILD) $(if $(DESTDIR),--destdir "$(abspath $(DESTDIR))")

# Removes what the last `make install` installed (meson's install log).
uninstall:
	ninja -C $(BUILD) uninstall

demo: build
	@scripts/demo.sh $(BUILD)

$(BUILD_ASAN)/build.ninja:
	meson setup $(BUILD_ASAN) -Db_sanitize=address,undefined -Db_lundef=false \
	  -Dbuildtype=debug $(MESON_OPTS)

asan: deps $(BUILD_ASAN)/build.ninja
	meson compile -C $(BUILD_ASAN)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  scripts/run-tests.sh $(BUILD_ASAN)

bench: build
	@scripts/bench.sh $(BUILD)

$(BUILD_FUZZ)/build.ninja:
	CC=clang meson setup $(BUILD_FUZZ) -Dfuzz=true -Db_sanitize=address,undefined \
	  -Db_lundef=false -Dbuildtype=debugoptimized

fuzz: deps $(BUILD_FUZZ)/build.ninja
	meson compile -C $(BUILD_FUZZ)

fuzz-smoke: fuzz
	@scripts/fuzz-smoke.sh $(BUILD_FUZZ) 60

# Long differential run: interpreter vs native vs node's V8 (docs/compiler.md §5).
fuzz-diff: build
	@scripts/fuzz-diff.sh $(BUILD)

# Compiler matrix: both must be warning-free.
gcc: deps
	CC=gcc meson setup build-gcc --reconfigure >/dev/null 2>&1 || CC=gcc meson setup build-gcc
	meson compile -C build-gcc
clang: deps
	CC=clang meson setup build-clang --reconfigure >/dev/null 2>&1 || CC=clang meson setup build-clang
	meson compile -C build-clang

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ) build-gcc build-clang
