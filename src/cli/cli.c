/* SPDX-License-Identifier: MIT */
/* What the subcommands share: help, usage errors, options, loading files. */
#include <assert.h>
#include "erebus/catalog.h"
#include "cli.h"

int cli_print_usage(const struct command *c)
{
	assert(c && c->usage && c->summary);
	printf("usage: erebus %s\n\n%s.\n", c->usage, c->summary);
	if (c->options)
		printf("\n%s", c->options);
	printf("\n%s", c->exit_codes ? c->exit_codes
				     : "Exit codes: 0 passed, 1 failed, 2 usage or invalid experiment, 3 aborted,\n"
				       "4 cleanup incomplete, 5 environment unsupported. See erebus(1).\n");
	return 0;
}

int cli_help(const struct command *c)
{
	if (!c->help)
		return cli_print_usage(c);
	c->help();
	return 0;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "erebus %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'erebus %s --help'.\n", cmd);
	return EXIT_USAGE;
}

int cli_getopt(const struct command *self, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, int *ret_exit)
{
	int c;

	assert(self && ret_exit);
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == 'h') {
		*ret_exit = cli_help(self);
		return CLI_OPT_EXIT;
	}
	if (c == '?') {	/* getopt has said which */
		*ret_exit = cli_usage_error(self->name, "unknown option");
		return CLI_OPT_EXIT;
	}
	return c;
}

int cli_load_experiment(const char *path, struct experiment **ret)
{
	struct diag d = { 0 };
	int r = experiment_load(path, &catalog_builtin, &d, ret);

	if (r < 0) {
		diag_print(&d, stderr);
		if (d.n > 1)
			fprintf(stderr, "%s: %zu problems; nothing was run\n", path, d.n);
	}
	diag_free(&d);
	return r < 0 ? EXIT_USAGE : 0;
}

int cli_load_report(const char *path, struct report **ret)
{
	_cleanup_free_ char *err = NULL;

	if (report_load(path, ret, &err) < 0) {
		fprintf(stderr, "erebus: %s\n", err);
		return EXIT_USAGE;
	}
	return 0;
}
