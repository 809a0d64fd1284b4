/*
 * fuzz_linter_sarif.c - libFuzzer target for the SARIF 2.1.0
 * linter-output parser (review/linter.c); the checks are in fuzz_linter.h.
 */
#include "tests/fuzz/fuzz_linter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_linter_one(REVIEW_LINTER_SARIF, data, size);
}
