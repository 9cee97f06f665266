# oyako: see README.md.  `make` builds, `make check` tests, `make demo` shows.
#
# Layout: journal/ -> liboyako (the library), projections/ -> libprojections.a
# (internal), tools/NAME/*.c -> bin/NAME.  Objects go to $(B)/ so that a
# sanitizer build (make SAN=1) lives beside the normal one.

PREFIX  ?= /usr/local
DESTDIR ?=
SAN     ?=
B       ?= $(if $(SAN),build-san,build)

SOVERSION = 1
VERSION   = 0.1.0

PKGS     = lmdb msgpack libsodium jansson uuid libmicrohttpd xlsxwriter

# Install missing Debian packages before pkg-config is asked for flags below:
# on a fresh machine this has to happen while the Makefile is read.
ifeq ($(filter clean,$(MAKECMDGOALS)),)
DEPS_STATUS := $(shell sh scripts/deps.sh >&2; echo $$?)
ifneq ($(DEPS_STATUS),0)
$(error missing build dependencies, see above)
endif
endif
CC      ?= cc
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
OPT     ?= -O2
BASEFLAGS = -std=c11 -D_GNU_SOURCE -g $(OPT) $(WARN) -fPIC
SANITIZE = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SANFLAGS = $(if $(SAN),$(SANITIZE))
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = $(BASEFLAGS) $(SANFLAGS) $(PKG_CFLAGS) -Ijournal -Iprojections -Ivault -Iserver -Itools/common $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

JOURNAL_SRC = $(wildcard journal/*.c)
JOURNAL_OBJ = $(JOURNAL_SRC:%.c=$(B)/%.o)
PROJ_SRC    = $(wildcard projections/*.c)
PROJ_OBJ    = $(PROJ_SRC:%.c=$(B)/%.o)
# vault/ (person data, BRIEF section 11) and server/ (oyako serve, section
# 10): internal archives beside libprojections.a; journal/ knows neither.
VAULT_SRC   = $(wildcard vault/*.c)
VAULT_OBJ   = $(VAULT_SRC:%.c=$(B)/%.o)
SERVER_SRC  = $(wildcard server/*.c)
SERVER_OBJ  = $(SERVER_SRC:%.c=$(B)/%.o)
TOOLS       = $(filter-out common,$(notdir $(wildcard tools/*)))
CLI_SRC     = $(wildcard tools/common/*.c)
CLI_OBJ     = $(CLI_SRC:%.c=$(B)/%.o)
CLIA        = $(B)/libcli.a
TOOL_BINS   = $(TOOLS:%=$(B)/bin/%)
UNIT_SRC    = $(wildcard tests/unit/test_*.c)
UNIT_BINS   = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
# Test helpers: tests/tools/NAME.c -> tests/tools/NAME (raw LMDB only, to
# tamper with a journal), tests/faults/fail.c -> an LD_PRELOAD shim.
TEST_TOOLS  = $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(wildcard tests/tools/*.c)) \
              $(if $(wildcard tests/faults/fail.c),$(B)/tests/faults/fail.so)
# Benchmark helpers: bench/NAME.c -> bench/NAME, the only programs linked
# with SQLite (make bench runs the same work through it).
BENCH_BINS  = $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/*.c))

LIBA  = $(B)/liboyako.a
LIBSO = $(B)/liboyako.so.$(SOVERSION)
PROJA = $(B)/libprojections.a
VAULTA = $(B)/libvault.a
SERVERA = $(B)/libserver.a
# What every tool links, in link order.
TOOL_LIBS = $(SERVERA) $(CLIA) $(VAULTA) $(PROJA) $(LIBA)

.PHONY: all deps check check-fast check-san valgrind demo bench fuzz soak install clean

all: $(LIBA) $(LIBSO) $(PROJA) $(VAULTA) $(SERVERA) $(CLIA) $(TOOL_BINS) $(UNIT_BINS) $(TEST_TOOLS) $(BENCH_BINS)

# Installs the Debian packages the build needs when pkg-config cannot find
# them (as root, with apt-get); a no-op on a machine that has them.  Every
# other target runs it too, while the Makefile is read.
deps:
	@true

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBA): $(JOURNAL_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(LIBSO): $(JOURNAL_OBJ)
	$(CC) -shared -Wl,-soname,liboyako.so.$(SOVERSION) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(PROJA): $(PROJ_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(VAULTA): $(VAULT_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SERVERA): $(SERVER_OBJ)
	@rm -f $@
	ar rcs $@ $^

# A tool is the folder tools/NAME: every .c in it makes bin/NAME.
# Keep objects: they are intermediate files of the tool rule.
.SECONDARY:
.SECONDEXPANSION:
# (No '%' inside: make would put the stem there before expanding.)
$(B)/bin/%: $$(addprefix $(B)/,$$(addsuffix .o,$$(basename $$(wildcard tools/$$*/*.c)))) $(TOOL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(TOOL_LIBS) $(PKG_LIBS) -lpthread -lm

$(B)/tests/%: $(B)/tests/unit/%.o $(TOOL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(TOOL_LIBS) $(PKG_LIBS) -lcmocka -lpthread -lm

$(B)/tests/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< -llmdb

$(B)/bench/%: bench/%.c $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags sqlite3) $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(PKG_LIBS) $(shell pkg-config --libs sqlite3)

# vtbench times the vault's find alone: it links the vault, not SQLite.
$(B)/bench/vtbench: bench/vtbench.c $(VAULTA) $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(VAULTA) $(LIBA) $(PKG_LIBS) -lpthread

$(B)/tests/faults/fail.so: tests/faults/fail.c
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -shared -o $@ $< -ldl

$(CLIA): $(CLI_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Header dependencies of every object built so far (tools, tests, bench too).
-include $(shell find $(B) -name '*.d' 2>/dev/null)

# The whole suite: unit and end-to-end tests on the normal build, then again
# under ASan+UBSan, then the library tests under valgrind.  Ends with the
# line "N passed, M failed".
check: all
	@$(MAKE) --no-print-directory SAN=1 all
	@CHECK_SAN=unit sh tests/run.sh

# The end-to-end suite again under ASan+UBSan: longer than make check may
# take, so a target of its own, which .ci/run runs after make check.
check-san: all
	@$(MAKE) --no-print-directory SAN=1 all
	@CHECK_NORMAL=0 CHECK_SAN=1 CHECK_VALGRIND=0 sh tests/run.sh

# Only the normal build, for a quick loop while working.
check-fast: all
	@CHECK_SAN=0 CHECK_VALGRIND=0 sh tests/run.sh

demo: all
	@sh scripts/demo.sh

bench: all
	@sh bench/run.sh

fuzz:
	@sh tests/fuzz/run.sh

soak: all
	@sh tests/soak.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/include/oyako $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(TOOL_BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 journal/journal.h journal/jsonl.h $(DESTDIR)$(PREFIX)/include/oyako/
	install -m 0644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(LIBSO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf liboyako.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/liboyako.so
	for t in $(TOOLS); do [ -f tools/$$t/$$t.1 ] && install -m 0644 tools/$$t/$$t.1 $(DESTDIR)$(PREFIX)/share/man/man1/ || true; done
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' journal/oyako.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/oyako.pc

clean:
	rm -rf build build-san build-fuzz
