/*
 * fuzz_origin.c - libFuzzer target for the origin check that decides
 * whether the push credential may go to a URL (forge_git_same_origin):
 * the URL comes from the forge's context and the pull request's head
 * repository, the origin from the forge's server URL.
 *
 * The input is "URL\nORIGIN". Besides not crashing, the check must hold
 * three properties: a URL with userinfo (an '@' before its path) never
 * matches; a match implies both are http or https; and a URL always
 * matches its own origin (the part before the path), when it matches
 * anything at all.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xalloc.h"
#include "forge/git.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_origin_http(const char *s)
{
	return !strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	char *nl = strchr(text, '\n'), *origin, *own, *p;
	size_t head;

	if (!nl) {
		free(text);
		return 0;
	}
	*nl = '\0';
	origin = nl + 1;
	if (forge_git_same_origin(text, origin)) {
		p = strstr(text, "://");
		if (!p || !fuzz_origin_http(text) || !fuzz_origin_http(origin))
			abort();
		head = (size_t)(p + 3 - text) + strcspn(p + 3, "/?#");
		if (memchr(text, '@', head))
			abort();
		own = xstrndup(text, head);
		if (!forge_git_same_origin(text, own))
			abort();
		free(own);
	}
	free(text);
	return 0;
}
