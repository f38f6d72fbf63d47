/* SPDX-License-Identifier: MIT */
/* `erebus plan FILE`: what a run would do, with targets resolved now. */
#include "erebus/plan.h"

#include "cli.h"

int cmd_plan(const struct command *self, int argc, char **argv)
{
	struct experiment *x = NULL;
	int code;

	if (argc != 2)
		return cli_usage_error(self->name, "give one experiment file");
	if ((code = cli_load_experiment(argv[1], false, &x)))
		return code;
	code = engine_plan(x, stdout);
	if (cli_check_interfaces(x, true) && (!code || code == 5))
		code = EXIT_USAGE;
	experiment_free(x);
	return code;
}
