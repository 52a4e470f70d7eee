# mk/console.mk - the web console (docs/console.md): its files built into rockset-local, and its
# browser tests' screenshots.
#
#   make console-screenshots   drive the console in headless Chromium (Debian's package) and
#                              write docs/console/*.png, one per screen
#   make console-firefox       the same tests, then a shorter pass in Debian's firefox-esr
#                              (installed by hand: Firefox is no build dependency); its
#                              screenshots go to $(B)/console-out/console-shots/firefox-*.png
#
# src/server/console/*.{html,css,js,svg} become byte arrays in $(B)/gen/console_assets.h, which
# only h_console.c includes (as "gen/console_assets.h", hence -I$(B)); the binary then serves
# them with no file beside it. The browser tests run in `make test` (tests/e2e/test_console.py
# drives tests/console/console_test.mjs).

CONSOLE_FILES := $(sort $(wildcard src/server/console/*.html src/server/console/*.css \
                                   src/server/console/*.js src/server/console/*.svg))

.PHONY: console-screenshots console-firefox

$(B)/gen/console_assets.h: $(CONSOLE_FILES) mk/console_embed.sh
	@mkdir -p $(dir $@)
	sh mk/console_embed.sh $(CONSOLE_FILES) > $@.tmp && mv $@.tmp $@

$(B)/obj/src/server/h_console.o: src/server/h_console.c $(HEADERS) $(B)/gen/console_assets.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(SERVER_PKG_CFLAGS) -I$(B) -c $< -o $@

# Run alone, without tests/run.sh: a key of their own and an output directory in $(B).
CONSOLE_ENV = B=$(B) RS_TEST_OUT=$(abspath $(B))/console-out RS_TEST_KEY=console_$$$$_$$(date +%s)_k

console-screenshots: all
	mkdir -p $(B)/console-out docs/console && rm -f docs/console/*.png
	$(CONSOLE_ENV) RS_CONSOLE_SHOTS=docs/console /usr/bin/python3 tests/e2e/test_console.py

console-firefox: all
	mkdir -p $(B)/console-out
	$(CONSOLE_ENV) RS_CONSOLE_FIREFOX=1 /usr/bin/python3 tests/e2e/test_console.py
