/* SPDX-License-Identifier: MIT */
/* `erebus recover`: replay the ledgers left by runs that are over (no live
 * run holds their lock), or move them aside with --forget. */
#include "erebus/ledger.h"
#include "erebus/recovery.h"

#include "cli.h"

void cmd_recover_help(void)
{
	printf("usage: erebus recover [--dry-run] [--forget FILE|all]\n\n"
	       "Revert what runs that are over left behind: replay every ledger under %s\n"
	       "that no live run holds, newest record first. As root, with EREBUS_RUN_DIR unset,\n"
	       "also the ledgers of other users' runs in /tmp/erebus-UID and /run/user/UID/erebus\n"
	       "(the directory and the ledger must belong to that user, the directory mode 0700),\n"
	       "replayed with that user's rights.\n\n"
	       "  -n, --dry-run      say what would be done; change nothing\n"
	       "  -f, --forget FILE  move the ledger FILE aside as FILE.forgotten without replaying\n"
	       "                     it (after fixing by hand what recover could not undo);\n"
	       "                     all: every ledger recover would replay\n\n"
	       "Exit codes: 0 nothing left behind (or moved aside), 2 usage, 4 something could not\n"
	       "be undone (its ledger is kept) or moved aside.\n",
	       rundir_path());
}

int cmd_recover(const struct command *self, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "forget", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *forget = NULL;
	bool dry = false;
	char **dirs = NULL;
	uid_t *uids = NULL;
	size_t n_dirs = 0;
	unsigned found = 0;
	int c, code = 0, left;
	enum recover_mode mode;

	while ((c = cli_getopt(self, argc, argv, "nf:h", longopts, &code)) >= 0) {
		if (c == 'n')
			dry = true;
		else if (c == 'f')
			forget = optarg;
	}
	if (c == CLI_OPT_EXIT)
		return code;
	if (optind != argc)
		return cli_usage_error(self->name, "takes no arguments (give a ledger with --forget FILE)");
	if (forget && strcmp(forget, "all")) {
		int r = recover_forget(forget, dry, stdout);
		return r == -EINVAL ? EXIT_USAGE : r < 0 ? 4 : 0;
	}
	mode = forget ? (dry ? RECOVER_FORGET_DRY_RUN : RECOVER_FORGET) : dry ? RECOVER_DRY_RUN : RECOVER_REPLAY;
	left = recover_dir(rundir_path(), geteuid(), mode, stdout, &found);
	if (geteuid() == 0 && !getenv("EREBUS_RUN_DIR"))
		n_dirs = recover_fallback_dirs(&dirs, &uids);
	for (size_t i = 0; i < n_dirs; i++)
		left += recover_dir_as(dirs[i], uids[i], mode, stdout, &found);
	strv_free(dirs);
	free(uids);
	if (!found && !left) {
		printf("erebus recover: nothing to recover in %s%s\n", rundir_path(),
		       n_dirs ? " or in other users' run directories" : "");
		return 0;
	}
	if (left)
		printf("erebus recover: %d problem(s); see above. A ledger with records that could not be "
		       "undone is kept: fix what is listed by hand, then move it aside with "
		       "`erebus recover --forget FILE`\n", left);
	else if (forget)
		printf("erebus recover: %s\n", dry ? "dry run; nothing moved" : "moved aside; nothing was replayed");
	else
		printf("erebus recover: %s\n", dry ? "dry run; nothing changed" : "everything reverted");
	return left ? 4 : 0;
}
