# mk/install.mk - `make install`, `make uninstall` and `make lineage` (README, Install).
#
#   make install [PREFIX=/usr/local] [DESTDIR=/tmp/stage]
#   make install-files ...        the same without building first (what the tests run)
#   make uninstall [PREFIX=...] [DESTDIR=...]
#   make lineage                  docs/lineage.svg and docs/lineage.png of the example project
#
# What goes where (PREFIX defaults to /usr/local; DESTDIR is prepended to every path, for
# packaging, and appears in no installed file):
#
#   $(LIBDIR)/sqlite3/rockset_ext.so   the loadable extension: `.load /usr/local/lib/sqlite3/rockset_ext`
#                                      (its own directory: the file is not a -l library and keeps
#                                      lib/ free of a name the linker would never look for)
#   $(LIBDIR)/librockset_ext.a         the static library for applications that link SQLite,
#                                      prelinked so that it defines only two global symbols
#                                      (see install-files below)
#   $(INCLUDEDIR)/rockset_ext.h        its header (rockset_ext_register)
#   $(PKGCONFIGDIR)/rockset_ext.pc     `pkg-config --cflags --libs rockset_ext`
#   $(BINDIR)/rockset-local            the Rockset-API server on SQLite
#   $(DATADIR)/rockset_ext/rockset_schema.sql   the model tables' DDL (what rockset_init() runs)
#   $(DATADIR)/doc/rockset_ext/*.md    the reference pages
#
# The .pc file is made from rockset_ext.pc.in with the install paths and the version in
# src/version.h (into $(B)/rockset_ext.pc). Nothing here asks for root: use sudo, or a DESTDIR
# you can write.

PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
DATADIR      ?= $(PREFIX)/share
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
INSTALL      ?= install

RS_PC_VERSION = $(shell sed -n 's/^\#define RS_VERSION[[:space:]]*"\(.*\)"/\1/p' src/version.h)
RS_DOC_FILES  = $(wildcard docs/*.md)

.PHONY: install install-files uninstall lineage

# install builds first; install-files only copies what $(B) already holds (the tests use it, so
# that installing never recompiles a build made with other flags, e.g. make asan's).
install: all
	$(MAKE) --no-print-directory B=$(B) install-files

# The installed static library is build/librockset_ext.a's objects linked into one relocatable
# object whose only global definitions are rockset_ext_register and sqlite3_rocksetext_init:
# the core's many internal functions (rs_*, api_*, tpl_*, ...) must not be able to collide with
# an application's own symbols; within one object file they no longer need to be global.
# The .pc file is made on every install: its paths depend on PREFIX & co.
install-files:
	@for f in rockset_ext.so librockset_ext.a rockset-local; do \
	    [ -f $(B)/$$f ] || { echo "install: $(B)/$$f is missing; run make first" >&2; exit 1; }; \
	done
	ld -r -o $(B)/rockset_ext-prelink.o --whole-archive $(B)/librockset_ext.a
	objcopy --keep-global-symbol=rockset_ext_register \
	    --keep-global-symbol=sqlite3_rocksetext_init $(B)/rockset_ext-prelink.o
	rm -f $(B)/librockset_ext-dist.a
	ar rcs $(B)/librockset_ext-dist.a $(B)/rockset_ext-prelink.o && rm -f $(B)/rockset_ext-prelink.o
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' \
	    -e 's|@VERSION@|$(RS_PC_VERSION)|g' rockset_ext.pc.in > $(B)/rockset_ext.pc
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/sqlite3 $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(DATADIR)/rockset_ext $(DESTDIR)$(DATADIR)/doc/rockset_ext
	$(INSTALL) -m 0755 $(B)/rockset_ext.so $(DESTDIR)$(LIBDIR)/sqlite3/rockset_ext.so
	$(INSTALL) -m 0644 $(B)/librockset_ext-dist.a $(DESTDIR)$(LIBDIR)/librockset_ext.a
	$(INSTALL) -m 0644 ext/rockset_ext.h $(DESTDIR)$(INCLUDEDIR)/rockset_ext.h
	$(INSTALL) -m 0644 $(B)/rockset_ext.pc $(DESTDIR)$(PKGCONFIGDIR)/rockset_ext.pc
	$(INSTALL) -m 0755 $(B)/rockset-local $(DESTDIR)$(BINDIR)/rockset-local
	$(INSTALL) -m 0644 sql/rockset_schema.sql $(DESTDIR)$(DATADIR)/rockset_ext/rockset_schema.sql
	$(if $(RS_DOC_FILES),$(INSTALL) -m 0644 $(RS_DOC_FILES) $(DESTDIR)$(DATADIR)/doc/rockset_ext/)

# Removes exactly what install put there (and the directories of our own that end up empty).
uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/sqlite3/rockset_ext.so $(DESTDIR)$(LIBDIR)/librockset_ext.a \
	    $(DESTDIR)$(INCLUDEDIR)/rockset_ext.h $(DESTDIR)$(PKGCONFIGDIR)/rockset_ext.pc \
	    $(DESTDIR)$(BINDIR)/rockset-local $(DESTDIR)$(DATADIR)/rockset_ext/rockset_schema.sql
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/doc/rockset_ext/,$(notdir $(RS_DOC_FILES)))
	-rmdir $(DESTDIR)$(DATADIR)/rockset_ext $(DESTDIR)$(DATADIR)/doc/rockset_ext \
	    $(DESTDIR)$(LIBDIR)/sqlite3 2>/dev/null

# The lineage picture of the example project: load its models into a scratch database, ask
# rockset_lineage_dot() for the graph, and render it with Graphviz (Debian package graphviz).
LINEAGE_PROJECT ?= sql/examples/demo
lineage: $(B)/rockset_ext.so
	B=$(B) LINEAGE_PROJECT=$(LINEAGE_PROJECT) sh docs/lineage.sh
