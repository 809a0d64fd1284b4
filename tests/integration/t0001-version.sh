#!/bin/sh
# Integration tests need at least one: the binary runs and says its version.
. "$TEND_TESTS/integration/lib.sh"
expect_rc 0 "$TEND_BIN" version
contains "$out" "tend 0."
contains "$out" "libgit2 1."
contains "$out" "libcurl "
not_contains "$out" "unavailable"
# libcurl is opened at run time: without it, version says so and fails.
expect_rc 3 env TEND_LIBCURL=/nonexistent/libcurl.so.4 "$TEND_BIN" version
contains "$out" "libcurl unavailable: cannot load libcurl"
contains "$out" "libgit2 1."
expect_rc 2 "$TEND_BIN" nosuch
contains "$err" "'nosuch' is not a tend command"
expect_rc 0 "$TEND_BIN" --help
contains "$out" "review"
