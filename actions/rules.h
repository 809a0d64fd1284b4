/*
 * rules.h - the rule set a review runs, built from the configuration:
 * every built-in pack, then the user's `checks.rules`, then
 * `checks.disable` applied. `tend review` and `tend rules` build it the
 * same way, so what `tend rules` lists is what a review runs.
 */
#ifndef ACTIONS_RULES_H
#define ACTIONS_RULES_H

#include "common/buf.h"
#include "actions/trust.h"
#include "common/config.h"
#include "review/rules.h"
#include "review/structure.h"

/*
 * Fill `rules` and `structure` (both initialised by the caller;
 * `structure` may be NULL to skip structural rules) from `cfg` (may be
 * NULL: the built-in packs only). checks.queries[].query_file is read
 * through `src` (NULL: the work tree at "."): from the work tree, or from
 * the base commit when the run does not trust its work tree; the path
 * must stay inside the repository. A user rule or query that does not compile
 * fails with TEND_EINVALID and a message that starts with "CONFIG:LINE: ".
 * A checks.disable entry that matches nothing in either set is a warning
 * in the log.
 */
int actions_rules_load(struct review_rules *rules,
		       struct review_structure *structure,
		       const struct tend_config *cfg,
		       const struct actions_trust *src, struct buf *err);

#endif
