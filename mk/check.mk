# mk/check.mk - `make check`: the whole test suite under the memory checkers (docs/reliability.md).
#
#   make check           check-asan, then check-valgrind; both must pass
#   make check-asan      build into $(CHECK_ASAN_B) with AddressSanitizer + UBSan and run the
#                        suite; every ASan error, UBSan report and leak in our code fails it
#   make check-valgrind  build into $(CHECK_VG_B) (normal flags) and run the suite with unit
#                        tests, the sqlite3 shell and every rockset-local under valgrind memcheck:
#                        zero errors, zero definite leaks
#
# How the uninstrumented hosts (sqlite3 shell, python3, tclsh) and the servers the tests start are
# covered is explained in mk/check.sh. The fuzz replays (build/tests/test_fuzz_*, mk/fuzz.mk) are
# unit tests, so every seed and past crash also runs under both checkers.
# Time on 2 cores: about 12 min once built (docs/reliability.md has the measured figures).

CHECK_ASAN_B ?= build/asan
CHECK_VG_B   ?= build/check-valgrind
CHECK_SAN_OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
                 -fno-sanitize-recover=undefined

.PHONY: check check-asan check-valgrind

check:
	$(MAKE) --no-print-directory check-asan
	$(MAKE) --no-print-directory check-valgrind

check-asan:
	$(MAKE) --no-print-directory B=$(CHECK_ASAN_B) OPT="$(CHECK_SAN_OPT)" all unit
	mk/check.sh asan $(CHECK_ASAN_B)

check-valgrind:
	$(MAKE) --no-print-directory B=$(CHECK_VG_B) all unit
	mk/check.sh valgrind $(CHECK_VG_B)
