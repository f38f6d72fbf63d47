/* SPDX-License-Identifier: MIT */
/* `erebus recover`: replay ledgers left by runs whose engine and guardian
 * are both gone. */
#include <getopt.h>

#include "erebus/ledger.h"
#include "erebus/recovery.h"

int cmd_recover(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool dry = false;
	char **stale = NULL;
	int c, n, left = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "nh", longopts, NULL)) != -1) {
		if (c == 'n') {
			dry = true;
		} else if (c == 'h') {
			printf("usage: erebus recover [--dry-run]\n\n"
			       "Revert what runs that are over left behind: replay every ledger under %s\n"
			       "whose engine and guardian are both gone, newest record first.\n\n"
			       "  -n, --dry-run  say what would be done; change nothing\n\n"
			       "Exit codes: 0 nothing left behind, 4 something could not be removed.\n",
			       ledger_dir());
			return 0;
		} else {
			fprintf(stderr, "erebus recover: unknown option\nTry 'erebus recover --help'.\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "erebus recover: takes no arguments\n");
		return 2;
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
