#include "common/buf.h"
#include "common/error.h"
#include "common/redact.h"
#include "tests/unit/test.h"
#include <stdlib.h>

void test_buf__append_and_invariants(void)
{
	struct buf b = BUF_INIT;

	CHECK(b.ptr[0] == '\0');
	CHECK(buf_puts(&b, "abc") == 0);
	CHECK(buf_printf(&b, "-%d", 42) == 0);
	CHECK_STR(b.ptr, "abc-42");
	CHECK_INT(b.len, 6);
	CHECK(buf_add(&b, "\0x", 2) == 0);
	CHECK_INT(b.len, 8);
	CHECK(b.ptr[8] == '\0');
	buf_truncate(&b, 3);
	CHECK_STR(b.ptr, "abc");
	buf_release(&b);
	CHECK_INT(b.len, 0);
	CHECK(b.ptr[0] == '\0');
}

void test_buf__cap_fails_without_change(void)
{
	struct buf b = BUF_INIT;

	b.max = 5;
	CHECK(buf_puts(&b, "1234") == 0);
	CHECK(buf_puts(&b, "56") == TEND_ETOOBIG);
	CHECK_STR(b.ptr, "1234");
	CHECK(buf_putc(&b, '5') == 0);
	CHECK(buf_putc(&b, '6') == TEND_ETOOBIG);
	buf_release(&b);
	CHECK_INT(b.max, 5);
}

void test_buf__detach_and_replace(void)
{
	struct buf b = BUF_INIT;
	char *p;
	size_t n;

	buf_puts(&b, "a-b-c");
	CHECK_INT(buf_replace_all(&b, "-", "=="), 2);
	CHECK_STR(b.ptr, "a==b==c");
	p = buf_detach(&b, &n);
	CHECK_STR(p, "a==b==c");
	CHECK_INT(n, 7);
	CHECK_INT(b.len, 0);
	free(p);
	p = buf_detach(&b, NULL);
	CHECK_STR(p, "");
	free(p);
}

void test_buf__error_set_and_wrap(void)
{
	struct buf err = BUF_INIT;

	CHECK(error_set(&err, TEND_EINVALID, "bad '%s'", "x") == TEND_EINVALID);
	CHECK(error_wrap(&err, TEND_ERROR, "cannot load") == TEND_ERROR);
	CHECK_STR(err.ptr, "cannot load: bad 'x'");
	CHECK(error_set(NULL, TEND_ERROR, "ignored") == TEND_ERROR);
	buf_release(&err);
}

void test_buf__redact_longest_first(void)
{
	struct buf b = BUF_INIT;

	redact_clear();
	CHECK(redact_add("short") == 0);
	CHECK(redact_add("secret-1") == 1);
	CHECK(redact_add("secret-1-longer") == 1);
	buf_puts(&b, "tok=secret-1-longer and secret-1.");
	CHECK_INT(redact_buf(&b), 2);
	CHECK_STR(b.ptr, "tok=*** and ***.");
	CHECK(redact_contains("xx secret-1 yy", 14));
	redact_clear();
	buf_release(&b);
}
