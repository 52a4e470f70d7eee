# mk/fuzz.mk - fuzz targets (docs/reliability.md): libFuzzer runs, and their corpora replayed in the suite.
#
#   make deps-fuzz     install clang (libFuzzer ships with it on Debian/Ubuntu)
#   make fuzz          run every target for FUZZ_SECONDS (default 60) each, growing a working
#                      corpus in $(FUZZ_B)/corpus/<target>; prints executions per target
#   make fuzz-smoke    the same for FUZZ_SMOKE_SECONDS (default 10) each: the CI job
#   make fuzz-<target> one target (template, profile, response, sqlx, server)
#
# Targets are tests/fuzz/fuzz_<target>.c (see tests/fuzz/fuzz.h). The library objects are built
# with clang into $(FUZZ_B) with -fsanitize=fuzzer-no-link,address,undefined. A crash is saved in
# $(FUZZ_B)/crashes/; once fixed, copy it into tests/fuzz/corpus/<target>/ (named for the bug):
# the normal build also compiles every target with tests/fuzz/replay_main.c into
# $(B)/tests/test_fuzz_<target>, a unit test that feeds it each file of its corpus directory,
# so past crashes stay fixed (and run under `make check`'s ASan and valgrind passes too).

FUZZ_B              ?= build/fuzz
FUZZ_SECONDS        ?= 60
FUZZ_SMOKE_SECONDS  ?= 10
FUZZ_CC             ?= clang
FUZZ_SAN            := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                       -fno-omit-frame-pointer
FUZZ_TARGETS        := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS           := $(FUZZ_TARGETS:%=$(FUZZ_B)/fuzz_%)
FUZZ_REPLAY_BIN     := $(FUZZ_TARGETS:%=$(B)/tests/test_fuzz_%)
FUZZ_INC            := -Isrc -Itests/fuzz
FUZZ_LIBS            = $(PKG_LIBS) $(SERVER_PKG_LIBS) -lpthread -lm

.PHONY: deps-fuzz fuzz fuzz-smoke fuzz-libs $(FUZZ_TARGETS:%=fuzz-%)

# --- replay binaries: part of `make unit`, so of `make test` -----------------------------------
unit: $(FUZZ_REPLAY_BIN)

$(FUZZ_REPLAY_BIN): $(B)/tests/test_fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c \
                    tests/fuzz/fuzz.h $(B)/libserver.a $(B)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(PKG_CFLAGS) $(SERVER_PKG_CFLAGS) $(FUZZ_INC) -DFUZZ_NAME='"$*"' \
	    -o $@ tests/fuzz/replay_main.c $< $(B)/libserver.a $(B)/libcore.a $(FUZZ_LIBS)

# --- libFuzzer builds ---------------------------------------------------------------------------
deps-fuzz:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { \
	    SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	    $$SUDO apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq clang >/dev/null; }

fuzz-libs:
	$(MAKE) --no-print-directory B=$(FUZZ_B) CC=$(FUZZ_CC) WERROR= \
	    OPT="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" $(FUZZ_B)/libcore.a $(FUZZ_B)/libserver.a

$(FUZZ_B)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h fuzz-libs
	$(FUZZ_CC) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer $(PKG_CFLAGS) $(SERVER_PKG_CFLAGS) $(FUZZ_INC) \
	    -D_GNU_SOURCE -o $@ $< $(FUZZ_B)/libserver.a $(FUZZ_B)/libcore.a $(FUZZ_LIBS)

# run_fuzz TARGET SECONDS: seeds copied into the working corpus, new inputs kept there; the last
# libFuzzer line ("Done N runs in S second(s)") is the executions figure.
define run_fuzz
	@mkdir -p $(FUZZ_B)/corpus/$(1) $(FUZZ_B)/crashes
	@cp -n tests/fuzz/corpus/$(1)/* $(FUZZ_B)/corpus/$(1)/ 2>/dev/null || true
	@dict=""; [ -f tests/fuzz/$(1).dict ] && dict="-dict=tests/fuzz/$(1).dict"; \
	ASAN_OPTIONS=detect_leaks=1 $(FUZZ_B)/fuzz_$(1) -max_total_time=$(2) -timeout=10 \
	    -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 $$dict \
	    -artifact_prefix=$(FUZZ_B)/crashes/$(1)- $(FUZZ_B)/corpus/$(1) \
	    >$(FUZZ_B)/$(1).log 2>&1; rc=$$?; \
	runs=$$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 executions in \2 s/p' \
	    $(FUZZ_B)/$(1).log | tail -1); \
	cov=$$(grep -ao 'cov: [0-9]*' $(FUZZ_B)/$(1).log | tail -1); \
	n=$$(ls $(FUZZ_B)/corpus/$(1) | wc -l); \
	if [ $$rc -eq 0 ]; then echo "PASS fuzz/$(1): $$runs, $$cov, corpus $$n inputs"; \
	else echo "FAIL fuzz/$(1): libFuzzer exited $$rc; see $(FUZZ_B)/$(1).log and $(FUZZ_B)/crashes/"; \
	    grep -a -m5 -E 'ERROR|runtime error|invariant|SUMMARY' $(FUZZ_B)/$(1).log; exit 1; fi
endef

$(FUZZ_TARGETS:%=fuzz-%): fuzz-%: $(FUZZ_B)/fuzz_%
	$(call run_fuzz,$*,$(FUZZ_SECONDS))

fuzz: $(FUZZ_TARGETS:%=fuzz-%)

fuzz-smoke:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)
