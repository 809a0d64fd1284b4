/* C with macros the grammar cannot expand, as real code has. */
#include <stddef.h>

#define LIST_FOREACH(v, l) for ((v) = (l); (v); (v) = (v)->next)
#define BEGIN_DECLS
#define END_DECLS

BEGIN_DECLS

struct node {
	struct node *next;
	int value;
};

static int sum(const struct node *list)
{
	const struct node *n;
	int total = 0;

	LIST_FOREACH(n, list) {
		total += n->value;
	}
	return total;
}

int count(const struct node *list)
{
	int n = 0;

	while (list) {
		n++;
		list = list->next;
	}
	return n;
}

const char *name(int level)
{
	switch (level) {
	case 0:
		return "low";
	default:
		return "high";
	}
}

END_DECLS
