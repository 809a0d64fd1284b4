/*
 * fuzz_config.c - libFuzzer target for the `.tend.yml` loader.
 *
 * Feeds arbitrary bytes to config_parse() on top of the defaults and
 * releases the result. Whatever the input, the parse must either succeed or
 * fail with TEND_EINVALID and a `name:` message, never crash or leak, and a
 * failed parse must leave the defaults behind.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tend_config cfg;
	struct buf err = BUF_INIT;
	int rc;

	config_init(&cfg);
	rc = config_parse(&cfg, (const char *)data, size, "fuzz.yml", &err);
	if (rc == 0) {
		/* Parse twice: replacing earlier values must not leak. */
		rc = config_parse(&cfg, (const char *)data, size, "fuzz.yml",
				  &err);
		if (rc != 0)
			abort();
	} else {
		if (rc != TEND_EINVALID || strncmp(err.ptr, "fuzz.yml:", 9))
			abort();
		if (cfg.path || cfg.checks.nr_rules || cfg.nr_agents ||
		    strcmp(cfg.review.filter, "diff_context"))
			abort();
	}
	config_release(&cfg);
	buf_release(&err);
	return 0;
}
