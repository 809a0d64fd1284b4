# grammars.mk - the tree-sitter runtime and grammars compiled into tend.
#
# Included by the Makefile. scripts/grammars.lock pins each grammar's npm
# package, version and sha512; scripts/fetch-grammars.sh fetches (once, into
# build/grammars/cache/), verifies and extracts the generated C sources; the
# rules below compile each grammar's parser.c (and scanner.c, when it has an
# external scanner) into one relocatable object, build/grammars/obj/NAME.o.
# The lock's `runtime` line is the tree-sitter library: its src/lib.c (the
# whole library as one translation unit) becomes $(BUILD)/tree-sitter.o,
# one per build variant (a sanitizer build keeps its frame pointers, so a
# leak or an error inside it comes with its whole stack), and its include/
# is where tend's sources find <tree_sitter/api.h> (TS_RUNTIME_INC;
# TS_RUNTIME_STAMP is there first).
#
# The objects are shared by every build variant (release, asan, fuzz, ...):
# they are generated code, so they get their own relaxed flags instead of the
# project's warning set, are never instrumented, and compile once. Objects
# are written under a temporary name and renamed, so two builds running at
# once do not see half-written files.
#
# Exports GRAMMAR_OBJS, linked into libtend.a, and the bench driver rule.

GRAMMAR_DIR := build/grammars
GRAMMAR_CC ?= cc
GRAMMAR_CFLAGS ?= -O2 -std=gnu11 -w
GRAMMARS := $(filter-out runtime,$(shell sed -n \
	's/^\([a-z][a-z0-9_]*\)[ 	].*/\1/p' scripts/grammars.lock))
GRAMMAR_OBJS := $(GRAMMARS:%=$(GRAMMAR_DIR)/obj/%.o) $(BUILD)/tree-sitter.o
TS_RUNTIME_CFLAGS := $(GRAMMAR_CFLAGS) \
	$(if $(findstring -fsanitize,$(CFLAGS)),-fno-omit-frame-pointer)
TS_RUNTIME_STAMP := $(GRAMMAR_DIR)/src/runtime/.stamp
TS_RUNTIME_INC := $(GRAMMAR_DIR)/src/runtime/include
TS_RUNTIME_VERSION := $(shell sed -n 's/^runtime[ 	]*[^ 	]*[ 	]*\([^ 	]*\).*/\1/p' \
	scripts/grammars.lock)

.PHONY: grammars
grammars: $(GRAMMAR_OBJS)

.PRECIOUS: $(GRAMMAR_DIR)/src/%/.stamp

# Fetch and extract one grammar. The script leaves a stamp that is already
# current alone; touching it keeps make from asking again after an edit to
# the lock file's comments.
$(GRAMMAR_DIR)/src/%/.stamp: scripts/grammars.lock scripts/fetch-grammars.sh
	@sh scripts/fetch-grammars.sh $*
	@touch $@

# The library in one translation unit, so calls between its parts inline.
$(BUILD)/tree-sitter.o: $(TS_RUNTIME_STAMP)
	@mkdir -p $(BUILD)
	@set -e; \
	src=$(GRAMMAR_DIR)/src/runtime; \
	echo "CC tree-sitter runtime ($$src/src/lib.c)"; \
	$(GRAMMAR_CC) $(TS_RUNTIME_CFLAGS) -I$$src/include -I$$src/src -c \
		-o $@.tmp $$src/src/lib.c; \
	mv -f $@.tmp $@

# The stamp's fourth field is the grammar's directory inside its package
# (typescript/, tsx/), empty when the sources are in src/.
$(GRAMMAR_DIR)/obj/%.o: $(GRAMMAR_DIR)/src/%/.stamp
	@mkdir -p $(GRAMMAR_DIR)/obj
	@set -e; \
	sub=$$(awk '{ print $$4 }' $<); \
	src=$(GRAMMAR_DIR)/src/$*/$${sub:+$$sub/}src; \
	tmp=$$(mktemp -d $(GRAMMAR_DIR)/obj/.$*.XXXXXX); \
	trap 'rm -rf "$$tmp"' EXIT; \
	echo "CC grammar $* ($$src)"; \
	$(GRAMMAR_CC) $(GRAMMAR_CFLAGS) -I$$src -c -o $$tmp/parser.o \
		$$src/parser.c; \
	objs=$$tmp/parser.o; \
	if [ -f $$src/scanner.c ]; then \
		$(GRAMMAR_CC) $(GRAMMAR_CFLAGS) -I$$src -c \
			-o $$tmp/scanner.o $$src/scanner.c; \
		objs="$$objs $$tmp/scanner.o"; \
	fi; \
	$(LD) -r -o $$tmp/all.o $$objs; \
	mv -f $$tmp/all.o $@

# The structural-check benchmark driver (tests/bench/structure.sh).
$(BUILD)/structure_bench: $(BUILD)/tests/bench/structure_bench.o \
		$(BUILD)/libtend.a
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)
