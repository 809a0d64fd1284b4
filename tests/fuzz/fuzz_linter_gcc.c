/*
 * fuzz_linter_gcc.c - libFuzzer target for the gcc-style
 * linter-output parser (review/linter.c); the checks are in fuzz_linter.h.
 */
#include "tests/fuzz/fuzz_linter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_linter_one(REVIEW_LINTER_GCC, data, size);
}
