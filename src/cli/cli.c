/* SPDX-License-Identifier: MIT */
/* What the subcommands share: help, usage errors, options, loading files. */
#include <assert.h>
#include <fcntl.h>
#include "erebus/catalog.h"
#include "erebus/plan.h"
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

/* As root, open path only if nobody but root or the invoking user can have
 * written it (open_trusted()); else as any file. Returns the fd, or -1
 * after saying why. */
static int open_experiment(const char *path, bool run)
{
	_cleanup_free_ char *why = NULL, *fix = NULL;
	int fd;

	if (run && geteuid() == 0)
		fd = open_trusted(path, invoking_uid(), &why, &fix);
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		fd = -errno;
	if (fd >= 0)
		return fd;
	if (why)
		fprintf(stderr, "%s: %s; as root, Erebus refuses to run it (%s)\n", path, why, fix);
	else
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(-fd));
	return -1;
}

int cli_load_experiment(const char *path, bool run, struct experiment **ret)
{
	struct diag d = { 0 };
	_cleanup_close_ int fd = open_experiment(path, run);
	int r;

	if (fd < 0)
		return EXIT_USAGE;
	r = experiment_load_fd(fd, path, &catalog_builtin, &d, ret);

	if (r < 0) {
		diag_print(&d, stderr);
		if (d.n > 1)
			fprintf(stderr, "%s: %zu problems; nothing was run\n", path, d.n);
	}
	diag_free(&d);
	return r < 0 ? EXIT_USAGE : 0;
}

int cli_check_interfaces(const struct experiment *x, bool match)
{
	struct diag d = { .file = x->file };
	size_t n = engine_check_interfaces(x, match, &d);

	diag_print(&d, stderr);
	diag_free(&d);
	return n ? EXIT_USAGE : 0;
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
