# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# One Makefile, no recursion. Every product goes to $(OUTPUT) (ignored);
# `make` copies the daemon to ./nadxdp.
#
#   make            build ./nadxdp
#   make test       every test: the unit suites, the root and test-bed suites (root), fuzz-quick
#   make test-unit  the suites that need neither root nor the test bed, in parallel
#   make test-root  the BPF, test-bed and dashboard-tool suites, one at a time (root)
#   make bench      build and run the benchmarks; prints figures
#   make eval       detection quality in the namespace test bed (root)
#   make soak       SOAK_SECONDS (600) of mixed traffic and attacks; fails on leaks (root)
#   make demo       nadxdp on the namespace test bed (root)
#   make install    PREFIX=/usr/local DESTDIR= (SYSCONFDIR=/etc UNITDIR=PREFIX/lib/systemd/system)
#   make uninstall  the same files; the state directory's data and an edited config stay
#   make check-layers  user/ keeps its stage order (scripts/check-layers.sh)
#   make vmlinux    refresh vmlinux/vmlinux.h from the running kernel's BTF
#   make format     clang-format, kernel style, 100 columns
#   make fuzz       every libFuzzer target for FUZZ_SECONDS (60) each (tests/fuzz/README.md)
#   make fuzz-quick each target replays its corpus and fuzzes a few seconds (part of make test)
#   SANITIZE=1      build with AddressSanitizer + UBSan (into .output/san)
#   V=1             show the commands

OUTPUT ?= .output
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
MANDIR ?= $(PREFIX)/share/man

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/')

ifeq ($(SANITIZE),1)
OUTPUT := $(OUTPUT)/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# inih: the configuration file (/etc/nadxdp/nadxdp.conf, docs/operations.md); hiredis: the
# EVE Redis output (docs/eve.md).
LIBS_PC := libbpf libxdp libelf zlib libpcap json-c ncursesw libmicrohttpd inih hiredis
PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
PC_LIBS := $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null)
# OpenBLAS: sgemm for training the autoencoder (docs/models.md).
BLAS_CFLAGS := $(shell $(PKG_CONFIG) --cflags openblas 2>/dev/null)
BLAS_LIBS := $(shell $(PKG_CONFIG) --libs openblas 2>/dev/null || echo -lopenblas)

WARN := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS ?= -O2 -g
ALL_CFLAGS := $(CFLAGS) -std=gnu11 $(WARN) -D_GNU_SOURCE -MMD -MP $(SANFLAGS) \
	-iquote $(OUTPUT) -iquote bpf -iquote user $(PC_CFLAGS) $(BLAS_CFLAGS)
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS)
LDLIBS := $(PC_LIBS) $(BLAS_LIBS) -lpthread -lm

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Wno-unused-function \
	-MMD -MP -Ivmlinux -Ibpf -I$(OUTPUT)

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))

# user/ is one folder per pipeline stage (see docs/architecture.md); main.c sits on top.
USER_SRCS := $(wildcard user/*.c user/*/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
LIB_OBJS := $(filter-out $(OUTPUT)/user/main.o,$(USER_OBJS))

# Tests by kind (docs/testing.md): tests/unit/ needs only the build packages and
# runs in parallel; tests/root/ needs root or the test bed and runs serially.
HELPER_OBJS := $(patsubst tests/%.c,$(OUTPUT)/tests/%.o,$(wildcard tests/helpers/*.c))
UNIT_OBJS := $(patsubst tests/%.c,$(OUTPUT)/tests/%.o,$(wildcard tests/unit/*.c))
ROOT_OBJS := $(patsubst tests/%.c,$(OUTPUT)/tests/%.o,$(wildcard tests/root/*.c))
UNIT_BIN := $(OUTPUT)/nadxdp-unit-tests
ROOT_BIN := $(OUTPUT)/nadxdp-root-tests

BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(OUTPUT)/bench/%,$(BENCH_SRCS))
# The benchmarks' own BPF programs (the baselines nadxdp is measured against).
BENCH_BPF_OBJS := $(patsubst tests/bench/%.bpf.c,$(OUTPUT)/bench/%.bpf.o,$(wildcard tests/bench/*.bpf.c))
BENCH_SKELS := $(BENCH_BPF_OBJS:.bpf.o=.skel.h)

BIN := $(OUTPUT)/nadxdp

# What `make install` lays out beside the binary, generated from the option tables
# (docs/operations.md): the man pages, the commented configuration, the unit.
DIST := $(OUTPUT)/dist
DIST_FILES := $(DIST)/nadxdp.8 $(DIST)/nadxdp.conf.5 $(DIST)/nadxdp.conf $(DIST)/nadxdp@.service
# The logrotate snippet for the EVE file (docs/eve.md).
LOGROTATE := $(wildcard dist/logrotate/nadxdp)

# Extra Criterion options for test-run, e.g. TEST_ARGS="--filter 'engine/*'".
# scripts/run-tests.sh picks --jobs: all cores for unit, one for root.
TEST_ARGS ?=
TEST_KIND ?= all

.PHONY: all dist deps deps-build test test-unit test-root test-run check-layers bench bench-run eval soak demo install uninstall vmlinux format clean \
	deps-fuzz fuzz fuzz-run fuzz-build fuzz-quick fuzz-seeds
.DELETE_ON_ERROR:
.SECONDARY:

all: nadxdp dist

dist: $(DIST_FILES)

nadxdp: $(BIN)
ifneq ($(SANITIZE),1)
	$(Q)cp $(BIN) $@
endif

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/user $(OUTPUT)/tests $(OUTPUT)/bench $(DIST):
	$(Q)mkdir -p $@

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/bpf/%.bpf.o | $(OUTPUT)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(OUTPUT)/user/%.o: user/%.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# The dashboard page is embedded with .incbin, which -MMD does not see.
$(OUTPUT)/user/views/httpd.o: user/views/dashboard.html

# TB_TAG (0-2 lowercase letters/digits) keeps the test beds of two checkouts apart.
TB_TAG ?=
$(OUTPUT)/tests/%.o: tests/%.c | $(OUTPUT)/tests $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -iquote tests -DNADXDP_TB_TAG='"$(TB_TAG)"' -c $< -o $@

$(BENCH_BPF_OBJS): $(OUTPUT)/bench/%.bpf.o: tests/bench/%.bpf.c | $(OUTPUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_SKELS): $(OUTPUT)/bench/%.skel.h: $(OUTPUT)/bench/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(OUTPUT)/bench/%.o: tests/bench/%.c | $(OUTPUT)/bench $(SKELS) $(BENCH_SKELS)
	$(call msg,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -iquote tests -c $< -o $@

# The embedded default model (.incbin): rebuild when the file changes.
$(OUTPUT)/user/ml/default_model.o: models/default.model

$(BIN): $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS) -o $@

$(UNIT_BIN): $(UNIT_OBJS) $(HELPER_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS) -lcriterion -o $@

$(ROOT_BIN): $(ROOT_OBJS) $(HELPER_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS) -lcriterion -o $@

$(OUTPUT)/bench/%: $(OUTPUT)/bench/%.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS) -o $@

# The entry points a user types first install the Debian packages (root) and
# then re-run make, because pkg-config flags are read when the Makefile is.
deps:
	@bash scripts/install-deps.sh

deps-build:
	@bash scripts/install-deps.sh build

# make test checks the layering first (scripts/check-layers.sh; test_layers plants an
# upward include and expects it refused).
test: deps
	@bash scripts/check-layers.sh
	@$(MAKE) --no-print-directory test-run
	@$(MAKE) --no-print-directory fuzz-quick

test-unit: deps-build
	@$(MAKE) --no-print-directory test-run TEST_KIND=unit

test-root: deps
	@$(MAKE) --no-print-directory test-run TEST_KIND=root

bench: deps
	@$(MAKE) --no-print-directory bench-run

# The tests run the daemon binary for the end-to-end cases. TEST_KIND=unit|root|all.
TEST_BINS_unit := $(UNIT_BIN)
TEST_BINS_root := $(ROOT_BIN)
TEST_BINS_all := $(UNIT_BIN) $(ROOT_BIN)
test-run: $(TEST_BINS_$(TEST_KIND)) $(BIN)
	$(Q)rm -f $(OUTPUT)/nadxdp-tests # the one binary of before: never run a stale copy
	@OUTPUT=$(abspath $(OUTPUT)) NADXDP_BIN=$(abspath $(BIN)) NADXDP_ROOT=$(CURDIR) \
		bash scripts/run-tests.sh $(TEST_KIND) $(TEST_ARGS)

bench-run: $(BENCH_BINS) $(BENCH_BPF_OBJS) $(BIN)
	@for b in $(BENCH_BINS); do echo "== $$b"; NADXDP_ROOT=$(CURDIR) $$b || exit 1; done
	@for s in scripts/bench-*.sh; do [ -e "$$s" ] || continue; echo "== $$s"; \
		NADXDP_BIN=$(abspath $(BIN)) bash $$s || exit 1; done

eval: deps
	@$(MAKE) --no-print-directory $(BIN)
	NADXDP_BIN=$(abspath $(BIN)) bash scripts/eval.sh

soak: deps
	@$(MAKE) --no-print-directory $(BIN)
	NADXDP_BIN=$(abspath $(BIN)) bash scripts/soak.sh

demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	NADXDP_BIN=$(abspath $(BIN)) bash scripts/demo.sh

$(DIST)/nadxdp.8: $(BIN) | $(DIST)
	$(call msg,GEN,$@)
	$(Q)$(BIN) --man 8 > $@

$(DIST)/nadxdp.conf.5: $(BIN) | $(DIST)
	$(call msg,GEN,$@)
	$(Q)$(BIN) --man 5 > $@

$(DIST)/nadxdp.conf: $(BIN) | $(DIST)
	$(call msg,GEN,$@)
	$(Q)$(BIN) config example > $@

$(DIST)/nadxdp@.service: dist/nadxdp@.service | $(DIST)
	$(call msg,GEN,$@)
	$(Q)sed 's|@SBINDIR@|$(PREFIX)/sbin|g' $< > $@

# The configuration is installed only where there is none (an operator's edits stay);
# the example is always at share/nadxdp/nadxdp.conf.example.
install: $(BIN) $(DIST_FILES)
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/sbin/nadxdp
	install -D -m 0644 models/default.model $(DESTDIR)$(PREFIX)/share/nadxdp/default.model
	install -D -m 0644 $(DIST)/nadxdp.conf $(DESTDIR)$(PREFIX)/share/nadxdp/nadxdp.conf.example
	install -D -m 0644 $(DIST)/nadxdp.8 $(DESTDIR)$(MANDIR)/man8/nadxdp.8
	install -D -m 0644 $(DIST)/nadxdp.conf.5 $(DESTDIR)$(MANDIR)/man5/nadxdp.conf.5
	install -D -m 0644 $(DIST)/nadxdp@.service $(DESTDIR)$(UNITDIR)/nadxdp@.service
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/nadxdp
	[ -e $(DESTDIR)$(SYSCONFDIR)/nadxdp/nadxdp.conf ] || \
		install -m 0644 $(DIST)/nadxdp.conf $(DESTDIR)$(SYSCONFDIR)/nadxdp/nadxdp.conf
ifneq ($(LOGROTATE),)
	install -D -m 0644 $(LOGROTATE) $(DESTDIR)$(SYSCONFDIR)/logrotate.d/nadxdp
endif
	install -d -m 0700 $(DESTDIR)/var/lib/nadxdp

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/nadxdp $(DESTDIR)$(PREFIX)/share/nadxdp/default.model \
		$(DESTDIR)$(PREFIX)/share/nadxdp/nadxdp.conf.example \
		$(DESTDIR)$(MANDIR)/man8/nadxdp.8 $(DESTDIR)$(MANDIR)/man5/nadxdp.conf.5 \
		$(DESTDIR)$(UNITDIR)/nadxdp@.service $(DESTDIR)$(SYSCONFDIR)/logrotate.d/nadxdp
	-rmdir $(DESTDIR)$(PREFIX)/share/nadxdp 2>/dev/null
	@# the configuration goes only if unedited; the models in /var/lib/nadxdp stay
	if cmp -s $(DIST)/nadxdp.conf $(DESTDIR)$(SYSCONFDIR)/nadxdp/nadxdp.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/nadxdp/nadxdp.conf; fi
	-rmdir $(DESTDIR)$(SYSCONFDIR)/nadxdp $(DESTDIR)/var/lib/nadxdp 2>/dev/null

check-layers:
	@bash scripts/check-layers.sh

# ---- Fuzzing: libFuzzer + ASan + UBSan, clang only (tests/fuzz/README.md) ----------------
# The library is built a second time with coverage instrumentation into .output/fuzz,
# whatever SANITIZE says; each tests/fuzz/fuzz_NAME.c links against it.
FUZZ_OUT := .output/fuzz
FUZZ_CC ?= $(CLANG)
FUZZ_SECONDS ?= 60
FUZZ_QUICK_SECONDS ?= 3
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -O1 -gline-tables-only -std=gnu11 $(WARN) -D_GNU_SOURCE -MMD -MP $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link -iquote $(OUTPUT) -iquote bpf -iquote user -iquote tests \
	$(PC_CFLAGS) $(BLAS_CFLAGS)
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(patsubst %,$(FUZZ_OUT)/fuzz_%,$(FUZZ_TARGETS))
FUZZ_LIB_OBJS := $(patsubst $(OUTPUT)/user/%.o,$(FUZZ_OUT)/user/%.o,$(LIB_OBJS))
# What the harnesses share: tests/fuzz/*.c other than the targets and the seed writer, and
# two test helpers (crafted frames, model images).
FUZZ_HELPERS := $(patsubst tests/%.c,$(FUZZ_OUT)/tests/%.o,$(filter-out tests/fuzz/fuzz_%.c \
	tests/fuzz/seeds.c,$(wildcard tests/fuzz/*.c)) tests/helpers/pktbuild.c \
	tests/helpers/modelimg.c)

$(FUZZ_OUT)/user/%.o: user/%.c | $(SKELS)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_OUT)/tests/%.o: tests/%.c | $(SKELS)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_OUT)/user/ml/default_model.o: models/default.model

$(FUZZ_OUT)/fuzz_%: $(FUZZ_OUT)/tests/fuzz/fuzz_%.o $(FUZZ_HELPERS) $(FUZZ_LIB_OBJS)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $^ $(LDLIBS) -o $@

fuzz-build: $(FUZZ_BINS)

deps-fuzz:
	@bash scripts/install-deps.sh fuzz

# Every target for FUZZ_SECONDS; new inputs collect in .output/fuzz/corpus, findings in
# .output/fuzz/findings. FUZZ_TARGETS="packet csv" picks some.
fuzz: deps-fuzz
	@$(MAKE) --no-print-directory fuzz-run

fuzz-run: $(FUZZ_BINS)
	@bash scripts/fuzz.sh run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# CI: each target replays tests/fuzz/corpus/NAME and fuzzes FUZZ_QUICK_SECONDS; any finding fails.
fuzz-quick: $(FUZZ_BINS)
	@bash scripts/fuzz.sh quick $(FUZZ_QUICK_SECONDS) $(FUZZ_TARGETS)

# Regenerates the crafted seeds (tests/fuzz/corpus/*/seed-*) from tests/data and code.
$(OUTPUT)/fuzz-seeds: $(OUTPUT)/tests/fuzz/seeds.o $(OUTPUT)/tests/helpers/pktbuild.o \
		$(OUTPUT)/tests/helpers/modelimg.o $(OUTPUT)/tests/fuzz/fuzzrec.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS) -o $@

fuzz-seeds: $(OUTPUT)/fuzz-seeds
	$(OUTPUT)/fuzz-seeds tests/fuzz/corpus

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

format:
	clang-format -i --style=file bpf/*.c bpf/*.h user/*.c user/*/*.c user/*/*.h tests/*/*.[ch]

clean:
	rm -rf .output nadxdp

-include $(wildcard $(OUTPUT)/*/*.d $(OUTPUT)/*/*/*.d)
-include $(wildcard $(FUZZ_OUT)/*/*.d $(FUZZ_OUT)/*/*/*.d $(FUZZ_OUT)/*/*/*/*.d)
