/*
 * redact.c - the registry of secret values and the masking of text.
 *
 * This file knows only literal values tend was given. Recognising secrets
 * that appear in a diff by their shape is the job of the secrets rule pack
 * in review/, not of this file.
 */
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "xalloc.h"

const char *const redact_secret_env[] = {
	"GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "CI_JOB_TOKEN",
	"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENROUTER_API_KEY",
	"TEND_GITHUB_TOKEN", "TEND_GITLAB_TOKEN", "ACTIONS_RUNTIME_TOKEN",
	"ACTIONS_ID_TOKEN_REQUEST_TOKEN", NULL
};

static char **redact_values;
static size_t redact_nr, redact_alloc;

int redact_add(const char *value)
{
	size_t i, len;

	if (!value)
		return 0;
	len = strlen(value);
	if (len < REDACT_MIN_LEN)
		return 0;
	for (i = 0; i < redact_nr; i++)
		if (!strcmp(redact_values[i], value))
			return 0;
	ALLOC_GROW(redact_values, redact_nr, redact_alloc);
	redact_values[redact_nr++] = xstrdup(value);
	/*
	 * Longest first, so a secret that contains another is masked whole
	 * rather than leaving its tail visible.
	 */
	for (i = redact_nr - 1; i > 0; i--) {
		char *t;

		if (strlen(redact_values[i - 1]) >= len)
			break;
		t = redact_values[i - 1];
		redact_values[i - 1] = redact_values[i];
		redact_values[i] = t;
	}
	return 1;
}

void redact_add_env(const char *const *names)
{
	for (; *names; names++)
		redact_add(getenv(*names));
}

size_t redact_buf(struct buf *b)
{
	size_t i, n = 0;

	for (i = 0; i < redact_nr; i++)
		n += buf_replace_all(b, redact_values[i], REDACT_MASK);
	return n;
}

int redact_contains(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < redact_nr; i++)
		if (memmem(s, len, redact_values[i], strlen(redact_values[i])))
			return 1;
	return 0;
}

void redact_clear(void)
{
	size_t i;

	for (i = 0; i < redact_nr; i++)
		free(redact_values[i]);
	free(redact_values);
	redact_values = NULL;
	redact_nr = redact_alloc = 0;
}
