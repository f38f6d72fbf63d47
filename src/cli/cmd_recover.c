/* SPDX-License-Identifier: MIT */
/* `erebus recover`: replay the ledgers left by runs whose engine and
 * guardian are both gone. */
#include "erebus/ledger.h"
#include "erebus/recovery.h"

#include "cli.h"

void cmd_recover_help(void)
{
	printf("usage: erebus recover [--dry-run]\n\n"
	       "Revert what runs that are over left behind: replay every ledger under %s\n"
	       "whose engine and guardian are both gone, newest record first.\n\n"
	       "  -n, --dry-run  say what would be done; change nothing\n\n"
	       "Exit codes: 0 nothing left behind, 4 something could not be removed.\n",
	       ledger_dir());
}

int cmd_recover(const struct command *self, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool dry = false;
	char **stale = NULL;
	int c, n, code = 0, left = 0;

	while ((c = cli_getopt(self, argc, argv, "nh", longopts, &code)) >= 0)
		dry = dry || c == 'n';
	if (c == CLI_OPT_EXIT)
		return code;
	if (optind != argc) {
		fprintf(stderr, "erebus recover: takes no arguments\n");
		return EXIT_USAGE;
	}
	n = ledger_find_stale(&stale);
	if (n < 0) {
		fprintf(stderr, "erebus recover: cannot read %s: %s\n", ledger_dir(), strerror(-n));
		return 4;
	}
	if (!n) {
		printf("erebus recover: nothing to recover in %s\n", ledger_dir());
		return 0;
	}
	for (int i = 0; i < n; i++) {
		int failed;

		printf("%s:\n", stale[i]);
		failed = ledger_replay(stale[i], dry, stdout, "  ");
		if (failed)
			left += failed < 0 ? 1 : failed;
	}
	strv_free(stale);
	if (left)
		printf("erebus recover: %d record(s) could not be undone; see above\n", left);
	else
		printf("erebus recover: %s\n", dry ? "dry run; nothing changed" : "everything reverted");
	return left ? 4 : 0;
}
