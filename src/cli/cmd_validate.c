/* SPDX-License-Identifier: MIT */
/* `erebus validate FILE...`: check experiment files; touch nothing. */
#include "cli.h"

int cmd_validate(const struct command *self, int argc, char **argv)
{
	int code = 0;

	if (argc < 2)
		return cli_usage_error(self->name, "give at least one experiment file");
	for (int i = 1; i < argc; i++) {
		struct experiment *x = NULL;

		if (cli_load_experiment(argv[i], false, &x) || cli_check_interfaces(x, false))
			code = EXIT_USAGE;
		else
			printf("%s: ok (%zu targets, %zu faults, %zu probes)\n", argv[i], x->n_targets,
			       x->n_faults, x->n_probes);
		experiment_free(x);
	}
	return code;
}
