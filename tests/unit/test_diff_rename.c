/*
 * test_diff_rename.c - rename detection against git's own choices.
 *
 * Each test builds a repository with the git CLI, two commits apart, and
 * compares what review_diff_git() makes of the change with
 * `git diff -M --name-status` on the same commits: the same files, in the
 * same order, with the same status, the same pairs and the same
 * similarity. The cases: pure renames, renames with edits from 50% to 99%
 * similar and below the threshold, copies (which -M does not report),
 * many identical files, a rename next to a new file of the same content,
 * git's basename preference, symlinks, empty files, CRLF, binaries, a mode
 * change, a typechange, the rename limit and another threshold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "common/buf.h"
#include "review/diff.h"
#include "review/diff_git.h"
#include "review/diff_rename.h"
#include "tests/unit/test.h"

/* A file of `n` distinct numbered lines tagged `tag`, via the shell. */
#define LINES(tag, n) \
	"awk -v t=" tag " 'BEGIN{for(i=1;i<=" #n ";i++) print t \" line \" " \
	"i \" of some text\"}'"

static int capture(struct buf *out, const char *cmd)
{
	char chunk[4096];
	FILE *p;
	size_t n;

	buf_reset(out);
	if (!(p = popen(cmd, "r")))
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_add(out, chunk, n);
	return pclose(p);
}

/* A fresh repository with one commit made by `setup`. */
static const char *make_repo(const char *setup)
{
	const char *dir = test_tmpdir();

	if (test_sh("cd '%s' && git init -q . && git config user.name t && "
		    "git config user.email t@t && git config core.autocrlf "
		    "false && (%s) && git add -A && git commit -qm one "
		    "--allow-empty", dir, setup) != 0)
		return NULL;
	return dir;
}

/* Commit what `change` does. */
static int commit(const char *dir, const char *change)
{
	return test_sh("cd '%s' && (%s) && git add -A && git commit -qm two "
		       "--allow-empty", dir, change);
}

/*
 * Our changes between HEAD~ and HEAD as git's --name-status prints them (a
 * typechange, which we show as a deletion and an addition like git's
 * patch output, folded back to one "T" line).
 */
static void ours(struct buf *out, const char *dir, int threshold)
{
	struct review_diff_git_opts opts = REVIEW_DIFF_GIT_OPTS_INIT;
	struct review_diff d;
	struct buf err = BUF_INIT, revs = BUF_INIT, cmd = BUF_INIT;
	git_repository *repo = NULL;
	git_oid a, b;
	size_t i;

	buf_reset(out);
	git_libgit2_init();
	buf_printf(&cmd, "git -C '%s' rev-parse HEAD~ HEAD", dir);
	if (capture(&revs, cmd.ptr) != 0 || revs.len < 82 ||
	    git_oid_fromstrn(&a, revs.ptr, 40) < 0 ||
	    git_oid_fromstrn(&b, revs.ptr + 41, 40) < 0 ||
	    git_repository_open(&repo, dir) < 0) {
		buf_puts(out, "cannot open the repository");
		goto out;
	}
	opts.rename_threshold = threshold;
	review_diff_init(&d);
	if (review_diff_git(&d, repo, &a, &b, &opts, &err) < 0) {
		buf_printf(out, "error: %s", err.ptr);
		goto out;
	}
	for (i = 0; i < d.nr_files; i++) {
		const struct review_diff_file *f = &d.files[i];

		switch (f->status) {
		case REVIEW_FILE_RENAMED:
			buf_printf(out, "R%03d\t%s\t%s\n", f->similarity,
				   f->old_path, f->new_path);
			break;
		case REVIEW_FILE_ADDED:
			buf_printf(out, "A\t%s\n", f->new_path);
			break;
		case REVIEW_FILE_DELETED:
			if (i + 1 < d.nr_files &&
			    d.files[i + 1].status == REVIEW_FILE_ADDED &&
			    !strcmp(d.files[i + 1].new_path, f->old_path)) {
				buf_printf(out, "T\t%s\n", f->old_path);
				i++;
			} else {
				buf_printf(out, "D\t%s\n", f->old_path);
			}
			break;
		default:
			buf_printf(out, "M\t%s\n", f->path);
			break;
		}
	}
	review_diff_release(&d);
out:
	git_repository_free(repo);
	git_libgit2_shutdown();
	buf_release(&err);
	buf_release(&revs);
	buf_release(&cmd);
}

/* Ours and git's agree; returns the number of renames git found. */
static int same_as_git(const char *dir, int threshold)
{
	struct buf mine = BUF_INIT, git = BUF_INIT, cmd = BUF_INIT;
	const char *p;
	int renames = 0;

	ours(&mine, dir, threshold);
	buf_printf(&cmd, "git -C '%s' -c core.quotepath=false diff -M%d%% "
		   "--name-status HEAD~ HEAD", dir, threshold);
	CHECK(capture(&git, cmd.ptr) == 0);
	CHECK_STR(mine.ptr, git.ptr);
	for (p = git.ptr; (p = strchr(p, 'R')); p++)
		if (p == git.ptr || p[-1] == '\n')
			renames++;
	buf_release(&mine);
	buf_release(&git);
	buf_release(&cmd);
	return renames;
}

void test_diff_rename__pure_renames(void)
{
	const char *dir = make_repo(
		"for i in 1 2 3 4 5 6 7 8; do " LINES("f$i", 30) " > f$i.c; "
		"done; mkdir -p lib && " LINES("u", 12) " > lib/util.h");
	REQUIRE(dir);
	REQUIRE(commit(dir, "mkdir -p src && for i in 1 2 3 4; do "
			    "git mv f$i.c src/f$i.c; done && git mv f5.c g5.c "
			    "&& git mv f6.c src/h6.c && git mv lib/util.h "
			    "util.h") == 0);
	CHECK_INT(same_as_git(dir, 50), 7);
}

void test_diff_rename__edited_renames(void)
{
	/*
	 * 100 lines, k of them rewritten after the move: 99% down to 51%
	 * similar, and below the threshold (a deletion and an addition).
	 */
	const char *dir = make_repo(
		"for k in 1 2 5 10 20 30 40 45 48 60 75; do "
		LINES("file$k", 100) " > old$k.txt; done");
	REQUIRE(dir);
	REQUIRE(commit(dir, "mkdir -p moved && for k in 1 2 5 10 20 30 40 45 "
			    "48 60 75; do awk -v k=$k '{ if (NR <= k) print "
			    "\"rewritten \" NR; else print }' old$k.txt > moved/new$k.txt && "
			    "rm old$k.txt; done") == 0);
	CHECK_INT(same_as_git(dir, 50), 9);
}

void test_diff_rename__copies_not_reported(void)
{
	/* -M shows a copy as an addition, whether the original changed. */
	const char *dir = make_repo(LINES("orig", 40) " > orig.c && "
				    LINES("kept", 40) " > kept.c");
	REQUIRE(dir);
	REQUIRE(commit(dir, "cp orig.c copy.c && echo more >> orig.c && "
			    "cp kept.c kept-copy.c && cp kept.c sub-copy.c") ==
		0);
	CHECK_INT(same_as_git(dir, 50), 0);
}

void test_diff_rename__many_identical_files(void)
{
	/*
	 * Eight identical files go, five come back under new names, three
	 * keeping their basename in a new directory: which source pairs with
	 * which destination is git's choice, not just any.
	 */
	const char *dir = make_repo(
		"mkdir -p old && for i in 1 2 3 4 5 6 7 8; do "
		LINES("same", 20) " > old/n$i.txt; done");
	REQUIRE(dir);
	REQUIRE(commit(dir, "mkdir -p new && cp old/n1.txt new/a.txt && "
			    "cp old/n1.txt new/n7.txt && cp old/n1.txt "
			    "new/n3.txt && cp old/n1.txt new/b.txt && cp "
			    "old/n1.txt new/n5.txt && rm -r old") == 0);
	CHECK_INT(same_as_git(dir, 50), 5);
}

void test_diff_rename__rename_and_new_file_of_same_content(void)
{
	const char *dir = make_repo(LINES("a", 25) " > a.txt && "
				    LINES("c", 25) " > c.txt");
	REQUIRE(dir);
	REQUIRE(commit(dir, "mkdir -p x && cp a.txt b.txt && git mv a.txt "
			    "x/a.txt && cp c.txt d.txt && cp c.txt e.txt && "
			    "rm c.txt") == 0);
	CHECK_INT(same_as_git(dir, 50), 2);
}

void test_diff_rename__basename_preferred(void)
{
	/*
	 * dir1/util.c goes; dir2/util.c (about 80% alike) and misc.c (about
	 * 96% alike) come. git pairs the unique basenames first when they
	 * are at least 75% alike, so misc.c stays an addition.
	 */
	const char *dir = make_repo("mkdir dir1 && " LINES("u", 50)
				    " > dir1/util.c");
	REQUIRE(dir);
	REQUIRE(commit(dir, "mkdir -p dir2 && awk '{ if (NR <= 10) print "
			    "\"changed \" NR; else print }' dir1/util.c > "
			    "dir2/util.c && awk '{ if (NR <= 2) print "
			    "\"changed \" NR; else print }' dir1/util.c > "
			    "misc.c && rm -r dir1") == 0);
	CHECK_INT(same_as_git(dir, 50), 1);
}

void test_diff_rename__symlinks_empty_crlf_binary_modes(void)
{
	const char *dir = make_repo(
		"ln -s target1 link1 && ln -s target2 link2 && : > empty1 && "
		": > empty2 && " LINES("crlf", 30) " > unix.txt && "
		"awk 'BEGIN{for(i=0;i<300;i++) printf \"%c%c\", i % 256, "
		"0}' > blob.bin && " LINES("x", 20) " > run.sh");
	REQUIRE(dir);
	REQUIRE(commit(dir,
		       "git mv link1 link1-moved && rm link2 && "
		       "ln -s elsewhere link2-moved && git mv empty1 e1 && "
		       "git mv empty2 sub-e2 && sed 's/$/\\r/' unix.txt > "
		       "dos.txt && rm unix.txt && cp blob.bin blob2.bin && "
		       "printf 'tail' >> blob2.bin && rm blob.bin && "
		       "git mv run.sh run2.sh && chmod +x run2.sh && "
		       "echo more >> run2.sh") == 0);
	same_as_git(dir, 50);
}

void test_diff_rename__typechange_is_no_rename(void)
{
	/* A file that becomes a symlink is not a rename source. */
	const char *dir = make_repo(LINES("t", 30) " > thing.txt");
	REQUIRE(dir);
	REQUIRE(commit(dir, "cp thing.txt other.txt && rm thing.txt && "
			    "ln -s other.txt thing.txt") == 0);
	CHECK_INT(same_as_git(dir, 50), 0);
}

void test_diff_rename__threshold_and_limit(void)
{
	const char *dir = make_repo(
		"for i in 1 2 3; do " LINES("lim$i", 50) " > s$i.txt; done");
	REQUIRE(dir);
	REQUIRE(commit(dir, "for i in 1 2 3; do awk -v i=$i '{ if (NR <= 5 * "
			    "i) print \"x\" NR; else print }' s$i.txt > "
			    "d$i.txt && rm s$i.txt; done") == 0);
	/* 90%, 80% and 70% alike: -M75% keeps two of the three. */
	CHECK_INT(same_as_git(dir, 75), 2);
	CHECK_INT(same_as_git(dir, 50), 3);
	/* A 3x3 matrix over a limit of 2: no inexact renames at all. */
	REQUIRE(test_sh("git -C '%s' config diff.renameLimit 2", dir) == 0);
	CHECK_INT(same_as_git(dir, 50), 0);
}

void test_diff_rename__ties_follow_git(void)
{
	/*
	 * d1 is 70% alike to s1, s2 and s4 and 80% to s3, which d0 (90%)
	 * takes first. Of the three ties git keeps, in a destination's four
	 * best, the one that replaced the weakest (the symlink s0, scored 0)
	 * in the first slot: s4, not s1.
	 */
	const char *dir = make_repo(
		"L() { for i in $*; do echo \"line-$i-abc\"; done; }; "
		"ln -s nowhere s0 && L 01 02 03 04 05 06 07 a1 a2 a3 > s1 && "
		"L 01 02 03 04 05 06 07 b1 b2 b3 > s2 && "
		"L 01 02 03 04 05 06 07 08 e1 e2 > s3 && "
		"L 01 02 03 04 05 06 07 c1 c2 c3 > s4");
	REQUIRE(dir);
	REQUIRE(commit(dir, "L() { for i in $*; do echo \"line-$i-abc\"; "
			    "done; }; L 01 02 03 04 05 06 07 08 e1 ff > d0 && "
			    "L 01 02 03 04 05 06 07 08 09 10 > d1 && "
			    "rm s0 s1 s2 s3 s4") == 0);
	CHECK_INT(same_as_git(dir, 50), 2);
}

/* The module on its own: sizes prune pairs before any content is read. */
struct counting_io {
	const char *const *content;
	int loads;
};

static int counting_size(void *data, const struct review_diff_rename_file *f,
			 size_t *out)
{
	struct counting_io *io = data;

	*out = strlen(io->content[f->id[0]]);
	return 0;
}

static int counting_load(void *data, const struct review_diff_rename_file *f,
			 struct buf *out)
{
	struct counting_io *io = data;

	io->loads++;
	buf_puts(out, io->content[f->id[0]]);
	return 0;
}

void test_diff_rename__size_pruning(void)
{
	static const char *const content[] = {
		"one\ntwo\nthree\nfour\n",
		"one\ntwo\nthree\nfour\nfive\n",
		"a much longer file that is nothing like the others at all, "
		"not in size and not in content\n",
	};
	struct counting_io cio = { content, 0 };
	struct review_diff_rename_io io = { counting_size, counting_load,
					    &cio };
	struct review_diff_rename_file src[1], dst[2];

	memset(src, 0, sizeof(src));
	memset(dst, 0, sizeof(dst));
	src[0].path = "a";
	src[0].id[0] = 0;
	src[0].mode = 0100644;
	dst[0].path = "b";
	dst[0].id[0] = 2;
	dst[0].mode = 0100644;
	dst[1].path = "c";
	dst[1].id[0] = 1;
	dst[1].mode = 0100644;
	CHECK_INT(review_diff_rename_find(src, 1, dst, 2, NULL, &io), 0);
	CHECK_INT(dst[0].match, -1);
	CHECK_INT(dst[1].match, 0);
	CHECK_INT(dst[1].score, 79);	/* 19 of 24 bytes */
	CHECK_INT(cio.loads, 2);	/* "b" was never read */
}
