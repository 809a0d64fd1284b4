/*
 * cmd_version.c - `tend version`: tend's version and the versions of the
 * libraries it runs with, as reported by the libraries at run time
 * (libcurl is opened here as for a request: see common/http.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>
#include <jansson.h>
#include <pcre2.h>
#include <tree_sitter/api.h>

#ifndef TEND_TREE_SITTER
#define TEND_TREE_SITTER "unknown"
#endif
#include <yaml.h>
#include <zlib.h>

#include "cli/cli.h"
#include "common/http.h"

int cmd_version(int argc, char **argv)
{
	struct cli_common c = { 0 };
	const struct cli_option opts[] = {
		OPT_FLAG('h', "help", &c.help, "show this help"),
		OPT_END()
	};
	char **rest;
	int nrest, major, minor, rev, rc, curl_ok;
	char pcre[64];
	struct buf curl = BUF_INIT;

	if ((rc = cli_parse_options(argc, argv, opts, &rest, &nrest)))
		return rc;
	free(rest);
	if (c.help) {
		cli_print_help(stdout, "tend version",
			       "Print the version of tend and of the libraries "
			       "it runs with.", opts);
		return CLI_EXIT_OK;
	}
	curl_ok = http_library_version(&curl) == 0;
	git_libgit2_version(&major, &minor, &rev);
	pcre2_config(PCRE2_CONFIG_VERSION, pcre);
	printf("tend %s\n", TEND_VERSION);
	printf("libcurl %s%s\n", curl_ok ? "" : "unavailable: ", curl.ptr);
	printf("libgit2 %d.%d.%d\n", major, minor, rev);
	printf("jansson %s\n", jansson_version_str());
	printf("pcre2 %s\n", pcre);
	printf("tree-sitter %s, compiled in (abi %d, min %d)\n",
	       TEND_TREE_SITTER, TREE_SITTER_LANGUAGE_VERSION,
	       TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION);
	printf("libyaml %s\n", yaml_get_version_string());
	printf("zlib %s\n", zlibVersion());
	buf_release(&curl);
	/* tend cannot reach a forge or a model without it. */
	return curl_ok ? CLI_EXIT_OK : CLI_EXIT_SERVICE;
}
