# mk/duckdb.mk - DuckDB, rockset-local's optional column engine (src/server/colidx/duck.h).
#
#   make deps-duckdb      fetch libduckdb.so into .deps/duckdb/ (`make deps` runs it last):
#                         the npm package @duckdb/node-bindings-linux-x64 (x86_64) or
#                         -linux-arm64 (aarch64), by curl from the npm registry (no npm needed),
#                         checked against the sha512 pinned below; only package/libduckdb.so
#                         and package/LICENSE are kept. Does nothing when the file is there, or
#                         when DUCKDB_LIB names another file. On another CPU it says so and
#                         succeeds: rockset-local then runs without its column engine.
#   DUCKDB_LIB=<file>     the library rockset-local loads when neither --duckdb-lib nor
#                         RL_DUCKDB_LIB says otherwise; compiled into duck.o only (make rebuilds
#                         nothing when it alone changes: touch src/server/colidx/duck.c)
#   DUCKDB_H=<duckdb.h>   compile duck.c against DuckDB's real header instead of our
#                         src/server/colidx/duckapi.h, to check our declarations against it
#
# The versions are pinned with their checksums: bumping one means taking the package's
# dist.integrity from https://registry.npmjs.org/<package>/<version> (base64 sha512) and
# writing it here in hex (`echo <base64> | base64 -d | od -An -tx1 -v | tr -d ' \n'`).
# x86_64 is the version mk/bench.mk pins as DUCKDB_NODE_API; the registry has no arm64 build of
# it (404), so aarch64 gets the newest arm64 build published, 1.5.5-r.5.

DUCKDB_DEFAULT_LIB := $(CURDIR)/.deps/duckdb/libduckdb.so
DUCKDB_LIB         ?= $(DUCKDB_DEFAULT_LIB)
DUCKDB_H           ?=

# dist.integrity sha512-IXcrZJE6kEqM0Z4wwdVnGBHX/frOS33VPNAwDXQ/Q+Fs84b058Qe94chrCCIcNJlG8Y3UHIUU4eBeCQxW5mN1Q==
DUCKDB_X64_VERSION := 1.5.6-r.1
DUCKDB_X64_SHA512  := 21772b64913a904a8cd19e30c1d5671811d7fdface4b7dd53cd0300d743f43e16cf386f4e7c41ef78721ac208870d2651bc6375072145387817824315b998dd5
# dist.integrity sha512-CafH2AIvXtpwDynG3KB/4uEOHRGlFoB7auCRMIwH3BKNIobsANV5LSpDJ3tfyRCFIsK6e8AT1eseWVnu2Dv3cw==
DUCKDB_ARM64_VERSION := 1.5.5-r.5
DUCKDB_ARM64_SHA512  := 09a7c7d8022f5eda700f29c6dca07fe2e10e1d11a516807b6ae091308c07dc128d2286ec00d5792d2a43277b5fc9108522c2ba7bc013d5eb1e5959eed83bf773

# duck.o alone gets the default path and the optional real header.
$(B)/obj/src/server/colidx/duck.o: BASE_CFLAGS += -DRL_DUCKDB_DEFAULT_LIB='"$(DUCKDB_LIB)"' \
    $(if $(DUCKDB_H),-DRL_DUCKDB_H='"$(abspath $(DUCKDB_H))"')
$(B)/obj/src/server/colidx/duck.o: $(DUCKDB_H)

.PHONY: deps-duckdb
deps-duckdb: $(if $(filter $(DUCKDB_DEFAULT_LIB),$(DUCKDB_LIB)),$(DUCKDB_DEFAULT_LIB))
	@:

# Download and check in a temporary directory beside the target, then rename: an interrupted or
# failed run leaves no partial library behind.
$(DUCKDB_DEFAULT_LIB):
	@set -e; \
	case "$$(uname -m)" in \
	    x86_64|amd64) pkg=linux-x64; ver=$(DUCKDB_X64_VERSION); sum=$(DUCKDB_X64_SHA512) ;; \
	    aarch64|arm64) pkg=linux-arm64; ver=$(DUCKDB_ARM64_VERSION); sum=$(DUCKDB_ARM64_SHA512) ;; \
	    *) echo "deps-duckdb: no prebuilt DuckDB for $$(uname -m); rockset-local will run without its column engine (set DUCKDB_LIB to use your own)"; exit 0 ;; \
	esac; \
	dir='$(dir $@)'; mkdir -p "$$dir"; \
	tmp=$$(mktemp -d "$$dir/.fetch.XXXXXX"); trap 'rm -rf "$$tmp"' EXIT; \
	url="https://registry.npmjs.org/@duckdb/node-bindings-$$pkg/-/node-bindings-$$pkg-$$ver.tgz"; \
	echo "deps-duckdb: fetching $$url"; \
	curl -fsSL --retry 3 -o "$$tmp/pkg.tgz" "$$url" || \
	    { echo "deps-duckdb: download failed: $$url" >&2; exit 1; }; \
	got=$$(sha512sum "$$tmp/pkg.tgz" | cut -d' ' -f1); \
	[ "$$got" = "$$sum" ] || { echo "deps-duckdb: checksum mismatch for $$url" \
	    "(sha512 $$got, pinned $$sum in mk/duckdb.mk); nothing installed" >&2; exit 1; }; \
	tar -xzmf "$$tmp/pkg.tgz" -C "$$tmp" package/libduckdb.so package/LICENSE || \
	    { echo "deps-duckdb: $$url lacks package/libduckdb.so or package/LICENSE" >&2; exit 1; }; \
	mv -f "$$tmp/package/LICENSE" "$$dir/LICENSE"; \
	mv -f "$$tmp/package/libduckdb.so" '$@'; \
	echo "deps-duckdb: DuckDB $$ver ($$pkg) in $$dir"
