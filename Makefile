# Makefile for tend. Plain GNU make; see README.md for the targets.
#
#   make            build ./tend
#   make demo       build, then review a sample change made on the spot
#   make test       unit + integration tests
#   make asan       the tests under AddressSanitizer + UBSan
#   make fuzz       each fuzz target for FUZZ_TIME seconds (clang/libFuzzer)
#   make bench      benchmarks in tests/bench/
#   make install    into $(DESTDIR)$(PREFIX)/bin
#   make dist       the release archive and the .deb, into dist/
#   make deb        the .deb alone, into dist/
#   make dist-check install both on a fresh Debian 12 root and run them

PREFIX ?= /usr/local
CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=
FUZZ_TIME ?= 30
BUILD ?= build/release
VERSION := 0.2.0

# tree-sitter is not among them: its library is compiled in from the
# pinned npm sources, like the grammars (mk/grammars.mk).
PKGS := libcurl jansson libgit2 libpcre2-8 zlib yaml-0.1 sqlite3

# Install missing Debian packages (as root) or say what to install, before
# pkg-config is asked for flags. Skipped for `make clean`.
ifeq ($(filter clean,$(MAKECMDGOALS)),)
ifndef TEND_DEPS_CHECKED
DEPS_KIND := $(if $(filter fuzz,$(MAKECMDGOALS)),fuzz,$(if $(filter bench,$(MAKECMDGOALS)),bench,$(if $(filter test asan demo,$(MAKECMDGOALS)),test,build)))
DEPS_STATUS := $(shell sh scripts/install-deps.sh $(DEPS_KIND) >&2; echo $$?)
ifneq ($(DEPS_STATUS),0)
$(error missing dependencies (see the message above))
endif
export TEND_DEPS_CHECKED := 1
endif
endif

DEPS_CFLAGS := $(shell pkg-config --cflags $(PKGS))
# libcurl is opened at run time (common/http.c): its headers, not its link.
DEPS_LIBS := $(shell pkg-config --libs $(filter-out libcurl,$(PKGS)))

WARNINGS := -std=c11 -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes \
	-Wwrite-strings -Wvla -Wno-missing-field-initializers
# Warnings are errors in CI (CI=true) or with WERROR=1.
ifneq ($(filter true 1,$(CI) $(WERROR)),)
WARNINGS += -Werror
endif

ALL_CFLAGS = $(WARNINGS) -D_GNU_SOURCE -DPCRE2_CODE_UNIT_WIDTH=8 -DTEND_VERSION='"$(VERSION)"' -I. \
	-I$(TS_RUNTIME_INC) -DTEND_TREE_SITTER='"$(TS_RUNTIME_VERSION)"' \
	$(DEPS_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(LDFLAGS)
LIBS = $(DEPS_LIBS) -ldl -lm -lpthread

LAYERS := common forge review agents actions cli
LIB_SRC := $(filter-out cli/main.c,$(wildcard $(addsuffix /*.c,$(LAYERS))))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/cli/main.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tests/unit/runner.o
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

.PHONY: all test unit integration asan fuzz bench demo install clean deps \
	dist deb dist-check setup-check
all: tend

# Tree-sitter grammars: fetched, verified and compiled; sets GRAMMAR_OBJS.
# After `all` so that none of its targets becomes the default goal.
include mk/grammars.mk

# ./tend is a copy of the release build so the README's commands are short.
tend: $(BUILD)/tend
	cp $< $@

$(BUILD)/tend: $(MAIN_OBJ) $(BUILD)/libtend.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/libtend.a: $(LIB_OBJ) $(GRAMMAR_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Every source may include <tree_sitter/api.h>: the runtime's sources first.
$(BUILD)/%.o: %.c | $(TS_RUNTIME_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Test functions are found by name, not declared in a header.
$(BUILD)/tests/%.o: tests/%.c | $(TS_RUNTIME_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -MMD -MP -c -o $@ $<

$(BUILD)/tests/unit/runner.o: tests/unit/runner.c $(BUILD)/tests/unit/tests.inc \
		| $(TS_RUNTIME_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I$(BUILD)/tests/unit -MMD -MP -c -o $@ $<

# Every `void test_<module>__<case>(void)` in tests/unit is a test.
$(BUILD)/tests/unit/tests.inc: $(UNIT_SRC)
	@mkdir -p $(dir $@)
	sed -n 's/^void \(test_[a-z0-9_]*__[a-z0-9_]*\)(void)$$/TEST(\1)/p' \
		$(UNIT_SRC) > $@.tmp && mv $@.tmp $@

$(BUILD)/unit: $(UNIT_OBJ) $(BUILD)/libtend.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

test: $(BUILD)/tend $(BUILD)/unit
	@TEND_BUILD=$(BUILD) sh tests/run.sh

unit: $(BUILD)/unit
	TEND_SRCDIR=$(CURDIR) $(BUILD)/unit $(if $(T),-t $(T))

integration: $(BUILD)/tend
	TEND_BIN=$(CURDIR)/$(BUILD)/tend sh tests/integration/run.sh $(T)

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
asan:
	$(MAKE) BUILD=build/asan CFLAGS="$(ASAN_FLAGS)" \
		LDFLAGS="-fsanitize=address,undefined" build/asan/tend build/asan/unit
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		TEND_BUILD=build/asan sh tests/run.sh

# Fuzz targets: clang + libFuzzer, with ASan and UBSan, over the library
# built by clang. Seeds in tests/fuzz/corpus/<target>/.
FUZZ_BUILD := build/fuzz
FUZZ_CFLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	-fno-omit-frame-pointer
fuzz:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang CFLAGS="$(FUZZ_CFLAGS)" \
		$(FUZZ_BUILD)/libtend.a
	@set -e; for src in $(FUZZ_SRC); do \
		name=$$(basename $$src .c); \
		echo "fuzz: building $$name"; \
		clang $(ALL_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined \
			-o $(FUZZ_BUILD)/$$name $$src $(FUZZ_BUILD)/libtend.a $(LIBS); \
	done
	@sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_TIME)

bench: $(BUILD)/tend
	@TEND_BIN=$(CURDIR)/$(BUILD)/tend sh tests/bench/run.sh $(B)

demo: $(BUILD)/tend
	@cp $(BUILD)/tend tend
	@sh tests/demo.sh ./tend

install: $(BUILD)/tend
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/tend $(DESTDIR)$(PREFIX)/bin/tend

# Release artefacts in dist/: the archive (scripts/dist.sh) holds a tend
# that finds its libraries in the archive's lib/ through DT_RPATH
# $ORIGIN/../lib (not RUNPATH, which the libraries' own dependencies would
# not see); it is the release objects linked again, so `make test`'s build
# is untouched. The .deb (scripts/deb.sh) holds the plain release binary.
DIST_LDFLAGS := -Wl,--disable-new-dtags -Wl,-rpath,'$$ORIGIN/../lib'

build/dist/tend: $(MAIN_OBJ) $(BUILD)/libtend.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(DIST_LDFLAGS) -o $@ $^ $(LIBS)

dist: build/dist/tend deb
	@sh scripts/dist.sh build/dist/tend $(VERSION)

deb: $(BUILD)/tend
	@sh scripts/deb.sh $(BUILD)/tend $(VERSION)

# Minutes and the network (Debian's archive): not part of `make test`.
dist-check: dist
	@sh tests/dist/check.sh $(VERSION)

# The README's set-up from source on a fresh Debian 12 root (half an hour).
setup-check:
	@sh tests/dist/setup-check.sh

clean:
	rm -rf build dist tend

-include $(shell find build -name '*.d' 2>/dev/null)
