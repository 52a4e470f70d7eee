# rockset_ext - SQLite extension for Rockset, and rockset-local, a Rockset-API server on SQLite.
#
#   make deps      install the OS packages the build needs (Debian/Ubuntu; idempotent, quiet),
#                  then DuckDB's library for the column engine (mk/duckdb.mk)
#   make           build/rockset_ext.so, build/librockset_ext.a, build/rockset-local
#   make test      build everything and run the whole test suite (ends with "N passed, N failed")
#   make demo      run the example project against a rockset-local it starts
#   make asan      the test suite under AddressSanitizer + UBSan (build/asan/)
#   make valgrind  unit and SQL tests under valgrind memcheck
#   make bench     benchmarks (tests/bench), prints a table of ratios
#   make lint      the format check and the map check (docs/architecture.md holds the tree)
#   make clean
#
# Sources are picked up by folder (docs/architecture.md maps them): CORE_DIRS are the SQLite-free
# core, ext/ the SQLite-facing layer, SERVER_DIRS rockset-local. tests/unit/ mirrors src/:
# tests/unit/<folder>/test_*.c link against the core; tests/unit/server/**/test_*.c against the
# server's objects too (without its main).

B        ?= build
CC       ?= cc
OPT      ?= -O2 -g
WERROR   ?= -Werror
EXTRA    ?=
PKGS        := sqlite3 libcurl libcjson yaml-0.1
SERVER_PKGS := sqlite3 libmicrohttpd libcjson libpcre2-8 libcrypto
DEB_PKGS    := build-essential pkg-config sqlite3 libsqlite3-dev libcurl4-openssl-dev libcjson-dev \
               libyaml-dev libmicrohttpd-dev libgnutls28-dev libpcre2-dev libssl-dev openssl curl python3 \
               valgrind tcl libsqlite3-tcl graphviz clang-format chromium nodejs

WARN   := -std=c11 -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
          -Wvla -D_GNU_SOURCE
PKG_CFLAGS        = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS          = $(shell pkg-config --libs $(PKGS))
SERVER_PKG_CFLAGS = $(shell pkg-config --cflags $(SERVER_PKGS))
SERVER_PKG_LIBS   = $(shell pkg-config --libs $(SERVER_PKGS))
BASE_CFLAGS = $(WARN) $(WERROR) $(OPT) $(EXTRA) -fPIC -Isrc -Iext

CORE_DIRS   := src src/api src/scan src/template src/models src/dbt
SERVER_DIRS := src/server src/server/sql src/server/runtime src/server/colidx
CORE_SRC   := $(foreach d,$(CORE_DIRS),$(wildcard $(d)/*.c))
EXT_SRC    := $(wildcard ext/*.c)
SERVER_SRC := $(foreach d,$(SERVER_DIRS),$(wildcard $(d)/*.c))
SERVER_LIB_SRC := $(filter-out src/server/main.c,$(SERVER_SRC))
SUNIT_SRC  := $(wildcard tests/unit/server/test_*.c tests/unit/server/*/test_*.c)
UNIT_SRC   := $(filter-out $(SUNIT_SRC),$(wildcard tests/unit/test_*.c tests/unit/*/test_*.c))

CORE_OBJ   := $(CORE_SRC:%.c=$(B)/obj/%.o)
EXT_OBJ    := $(EXT_SRC:%.c=$(B)/obj/%.o)
EXT_SOBJ   := $(EXT_SRC:%.c=$(B)/obj-static/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(B)/obj/%.o)
SERVER_LIB_OBJ := $(SERVER_LIB_SRC:%.c=$(B)/obj/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
SUNIT_BIN  := $(SUNIT_SRC:tests/unit/server/%.c=$(B)/tests/server/%)
HEADERS    := $(foreach d,$(CORE_DIRS) $(SERVER_DIRS) ext,$(wildcard $(d)/*.h))

.PHONY: all deps test test-full demo asan valgrind bench clean format format-check lint unit sql-reference
all: $(B)/rockset_ext.so $(B)/librockset_ext.a $(B)/rockset-local

deps:
	@missing=""; for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@$(MAKE) --no-print-directory deps-duckdb

$(B)/obj/src/server/%.o: src/server/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(SERVER_PKG_CFLAGS) -c $< -o $@

$(B)/obj/src/%.o: src/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -fvisibility=hidden $(PKG_CFLAGS) -c $< -o $@

$(B)/gen/schema_sql.h: sql/rockset_schema.sql
	@mkdir -p $(dir $@)
	{ echo '/* generated from sql/rockset_schema.sql by make; do not edit */'; \
	  echo 'static const char rs_schema_sql[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' $<; echo ';'; } > $@

$(B)/obj/ext/%.o: ext/%.c $(HEADERS) $(B)/gen/schema_sql.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -fvisibility=hidden $(PKG_CFLAGS) -I$(B)/gen -c $< -o $@

$(B)/obj-static/ext/%.o: ext/%.c $(HEADERS) $(B)/gen/schema_sql.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -DSQLITE_CORE $(PKG_CFLAGS) -I$(B)/gen -c $< -o $@

$(B)/libcore.a: $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/rockset_ext.so: $(EXT_OBJ) $(CORE_OBJ)
	$(CC) -shared -fvisibility=hidden $(OPT) $(EXTRA) -o $@ $^ $(PKG_LIBS) -lpthread -lm

$(B)/librockset_ext.a: $(EXT_SOBJ) $(CORE_OBJ)
	rm -f $@ && ar rcs $@ $^

$(B)/libserver.a: $(SERVER_LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(B)/rockset-local: $(B)/obj/src/server/main.o $(B)/libserver.a $(B)/libcore.a
	$(CC) $(OPT) $(EXTRA) -o $@ $^ $(SERVER_PKG_LIBS) -lpthread -lm -ldl

$(B)/tests/server/%: tests/unit/server/%.c tests/unit/testlib.h $(B)/libserver.a $(B)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(SERVER_PKG_CFLAGS) -Itests/unit -o $@ $< $(B)/libserver.a $(B)/libcore.a $(SERVER_PKG_LIBS) -lpthread -lm -ldl

$(B)/tests/%: tests/unit/%.c tests/unit/testlib.h $(B)/libcore.a
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(PKG_CFLAGS) -Itests/unit -o $@ $< $(B)/libcore.a $(PKG_LIBS) -lpthread -lm

unit: $(UNIT_BIN) $(SUNIT_BIN)

test: all unit
	B=$(B) tests/run.sh

test-full: all unit
	B=$(B) RS_TEST_FULL=1 tests/run.sh

demo: all
	B=$(B) tests/demo.sh

asan:
	$(MAKE) B=build/asan OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" test

valgrind: all unit
	B=$(B) RS_VALGRIND=1 tests/run.sh

bench: all
	B=$(B) tests/bench/run.sh

FORMAT_FILES = $(foreach d,$(CORE_DIRS) $(SERVER_DIRS) ext tests/unit tests/unit/*,$(wildcard $(d)/*.[ch]))

# The function reference in docs/sql-subset.md, regenerated from the catalog (test_catalog
# fails when the two disagree).
sql-reference: $(B)/tests/server/runtime/test_catalog
	$(B)/tests/server/runtime/test_catalog --write docs/sql-subset.md

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)

# The tree against its map (docs/architecture.md: files, includes, call chains), and the format.
lint: format-check
	/usr/bin/python3 tests/lint/map_check.py

clean:
	rm -rf build

# Further targets (check, fuzz, install, ...) live in make fragments beside this file.
-include $(wildcard mk/*.mk)
