# SPDX-License-Identifier: MIT
# Erebus: `make` builds build/erebus; `make check` runs every test tier;
# `make demo` runs the quickstart; see README.md for the rest.

CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
PKG_CONFIG ?= pkg-config

# Every library Erebus builds on is checked; only those in use are linked.
PKGS_ALL  := libnl-3.0 libnl-route-3.0 libseccomp libcurl inih cmocka libnftnl libmnl
PKGS_LINK := inih libnl-3.0 libnl-route-3.0 libnftnl libmnl
# libcurl's headers only: it is loaded at run time by the first http probe
# (src/probes/curl_dl.c), so runs without one do not pay for its libraries.
PKGS_CFLAGS := libcurl inih libnl-3.0 libnl-route-3.0 libnftnl libmnl

WARN    := -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter -Werror
# CFLAGS and LDFLAGS are the user's (and `make asan`'s); what Erebus
# itself needs is kept apart so that overriding them keeps it.
CFLAGS  ?= -O2 -g
ECFLAGS := -std=gnu11 $(WARN) -Iinclude -D_GNU_SOURCE -MMD -MP \
           $(shell $(PKG_CONFIG) --cflags $(PKGS_CFLAGS) 2>/dev/null)
LDLIBS  += $(shell $(PKG_CONFIG) --libs $(PKGS_LINK) 2>/dev/null) -lm

# Sources are found in every folder below src/ (one folder per layer, see
# src/README.md) and in faults/; the command line alone is not library code.
LIB_SRCS  := $(shell find src faults -name '*.c' -not -path 'src/cli/*' | LC_ALL=C sort)
CLI_SRCS  := $(wildcard src/cli/*.c)
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/%.o)
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BUILD)/erebus $(BUILD)/erebus-demo

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ECFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/liberebus.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/erebus: $(CLI_OBJS) $(BUILD)/liberebus.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/erebus-demo: $(BUILD)/demo/erebus-demo.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/liberebus.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(shell $(PKG_CONFIG) --libs cmocka)

$(BUILD)/tests/burner: $(BUILD)/tests/bench/burner.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

$(BUILD)/tests/runstats: $(BUILD)/tests/bench/runstats.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

$(BUILD)/tests/http_rate: $(BUILD)/tests/bench/http_rate.o $(BUILD)/liberebus.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/tc_tree: $(BUILD)/tests/bench/tc_tree.o $(BUILD)/liberebus.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/timers: $(BUILD)/tests/bench/timers.o $(BUILD)/liberebus.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# libFuzzer harnesses (tests/fuzz/fuzz_*.c); built by `make fuzz` alone.
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/liberebus.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

deps:
	@scripts/deps.sh

# Unit tier: no privileges but for test_undo's kernel checks (named skips
# without root). Integration tier: root, real processes.
check-unit: $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

check-integration: all $(BUILD)/tests/burner
	@BUILD=$(abspath $(BUILD)) tests/integration/run.sh

# VM tier alone (tests/vm): the network tests inside qemu, on Debian's
# stock kernel where netem exists. `make check` runs it after the others.
check-vm: deps
	@$(MAKE) --no-print-directory all $(BUILD)/tests/burner
	@BUILD=$(abspath $(BUILD)) tests/vm/check.sh

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BINS) $(BUILD)/tests/burner
	@tests/run-all.sh $(BUILD)

# Every tier again under AddressSanitizer and UBSan, in its own build dir.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan CC=clang \
		CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" all $(UNIT_BINS:$(BUILD)/%=build-asan/%) build-asan/tests/burner
	@EREBUS_VM=0 tests/run-all.sh build-asan

# Fuzzing (tests/fuzz, docs/testing.md): each harness under ASan, UBSan and
# libFuzzer, built with clang in build-fuzz/, runs FUZZ_SECONDS on a corpus
# seeded from the tree; fails, naming the input, when one crashes.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
		-fno-sanitize-recover=all

fuzz-build: deps
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang CFLAGS="$(FUZZ_CFLAGS)" \
		LDFLAGS="-fsanitize=address,undefined" $(FUZZ_TARGETS:%=build-fuzz/fuzz/fuzz_%)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh build-fuzz $(FUZZ_TARGETS)

demo: deps
	@$(MAKE) --no-print-directory all
	./$(BUILD)/erebus run experiments/quickstart.ini

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/tests/burner $(BUILD)/tests/runstats $(BUILD)/tests/http_rate \
		$(BUILD)/tests/tc_tree $(BUILD)/tests/timers
	@BUILD=$(abspath $(BUILD)) tests/bench/run.sh

install: all
	install -D -m 0755 $(BUILD)/erebus $(DESTDIR)$(PREFIX)/bin/erebus
	install -D -m 0644 docs/erebus.1 $(DESTDIR)$(PREFIX)/share/man/man1/erebus.1

clean:
	rm -rf build build-asan build-clang build-fuzz

.PHONY: all deps check check-unit check-integration check-vm asan fuzz fuzz-build demo bench install clean
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
