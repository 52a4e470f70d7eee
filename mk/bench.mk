# mk/bench.mk - the CI-dashboard benchmark and its peers (tests/bench/dashboard/README.md).
#
#   make deps-bench                  Debian packages of the peers: postgresql (15 on Debian 12)
#                                    and python3-psycopg2; nodejs and npm when node is missing
#   make bench-node                  @duckdb/node-api, pinned, into $(B)/bench/node (npm)
#   make bench-dashboard [SIZE=small|full]
#                                    the benchmark alone: full (default) is 100,000 and
#                                    1,000,000 documents (about 10 min on 2 cores), small is
#                                    10,000 and 100,000 (about 2 min); prints its tables and
#                                    writes $(B)/bench/dashboard.json
#
# `make bench` runs it too (tests/bench/run.sh, after the other benchmarks; RS_BENCH_QUICK=1
# gives the small size), and at full size writes its section of tests/bench/RESULTS.md. Without
# PostgreSQL or DuckDB installed the peers' part says so and the rest still runs.

BENCH_DEB_PKGS  := postgresql python3-psycopg2
DUCKDB_NODE_API := 1.5.6-r.1
BENCH_NODE      := $(B)/bench/node/node_modules/@duckdb/node-api/package.json
SIZE            ?= full

.PHONY: deps-bench bench-node bench-dashboard

deps-bench:
	@missing=""; for p in $(BENCH_DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

bench-node: $(BENCH_NODE)

$(BENCH_NODE):
	@mkdir -p $(B)/bench/node
	@[ -f $(B)/bench/node/package.json ] || echo '{"private": true}' > $(B)/bench/node/package.json
	cd $(B)/bench/node && npm install --no-audit --no-fund --save-exact \
	    @duckdb/node-api@$(DUCKDB_NODE_API) >/dev/null

bench-dashboard: all
	-@$(MAKE) --no-print-directory bench-node
	B=$(B) /usr/bin/python3 tests/bench/dashboard/run.py --size $(SIZE)

# the peers' npm package before `make bench` (its failure only skips the DuckDB peer)
bench: bench-node-optional

.PHONY: bench-node-optional
bench-node-optional:
	-@$(MAKE) --no-print-directory bench-node
