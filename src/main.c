/* SPDX-License-Identifier: MIT */
/* The command line: one row per subcommand. */
#include <getopt.h>
#include <sys/stat.h>

#include "erebus/engine.h"
#include "erebus/experiment.h"
#include "erebus/fault.h"
#include "erebus/probe.h"
#include "erebus/report.h"

#define EREBUS_VERSION "0.1.0"

enum { EXIT_USAGE = 2 };

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *summary;
};

static int cmd_help(int argc, char **argv);

static int usage_error(const char *cmd, const char *fmt, ...) _printf_(2, 3);
static int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "erebus %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'erebus %s --help'.\n", cmd);
	return EXIT_USAGE;
}

/* Load an experiment, printing every problem. Returns 0 or EXIT_USAGE. */
static int load(const char *path, struct experiment **ret)
{
	struct diag d = { 0 };
	int r = experiment_load(path, &d, ret);

	if (r < 0) {
		diag_print(&d, stderr);
		if (d.n > 1)
			fprintf(stderr, "%s: %zu problems; nothing was run\n", path, d.n);
	}
	diag_free(&d);
	return r < 0 ? EXIT_USAGE : 0;
}

static bool want_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

static int print_usage(const struct command *c);

static const struct command *find_command(const char *name);

static int cmd_validate(int argc, char **argv)
{
	int code = 0;

	if (want_help(argc, argv))
		return print_usage(find_command("validate"));
	if (argc < 2)
		return usage_error("validate", "give at least one experiment file");
	for (int i = 1; i < argc; i++) {
		struct experiment *x = NULL;
		if (load(argv[i], &x) == 0) {
			printf("%s: ok (%zu targets, %zu faults, %zu probes)\n", argv[i], x->n_targets,
			       x->n_faults, x->n_probes);
			experiment_free(x);
		} else {
			code = EXIT_USAGE;
		}
	}
	return code;
}

static int cmd_plan(int argc, char **argv)
{
	struct experiment *x = NULL;
	int code;

	if (want_help(argc, argv))
		return print_usage(find_command("plan"));
	if (argc != 2)
		return usage_error("plan", "give one experiment file");
	if ((code = load(argv[1], &x)))
		return code;
	code = engine_plan(x, stdout);
	experiment_free(x);
	return code;
}

/* Running as root, refuse a file that others could have changed. */
static int check_file_safety(const char *path)
{
	struct stat st;

	if (geteuid() != 0 || stat(path, &st) < 0)
		return 0;
	if (st.st_mode & S_IWOTH) {
		fprintf(stderr, "%s: writable by every user; as root, Erebus refuses to run it (chmod o-w %s)\n",
			path, path);
		return EXIT_USAGE;
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "seed", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct run_opts o = { .log = stderr };
	const char *json = NULL;
	struct experiment *x = NULL;
	struct report *rep = NULL;
	struct sbuf text = { 0 };
	int c, code;

	optind = 1;
	while ((c = getopt_long(argc, argv, "j:s:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = optarg;
			break;
		case 's': {
			char *end;
			errno = 0;
			o.seed = strtoull(optarg, &end, 10);
			if (errno || *end || !*optarg || o.seed > INT64_MAX)
				return usage_error("run", "--seed takes a whole number, not \"%s\"", optarg);
			o.seed_set = true;
			break;
		}
		case 'q':
			o.verbosity = LOG_QUIET;
			break;
		case 'v':
			o.verbosity = LOG_VERBOSE;
			break;
		case 'h':
			return print_usage(find_command("run"));
		default:
			return usage_error("run", "unknown option");
		}
	}
	if (optind != argc - 1)
		return usage_error("run", "give one experiment file");
	if ((code = check_file_safety(argv[optind])))
		return code;
	if (json && strcmp(json, "-")) {
		/* Find out now, not after the run, that the report cannot be written. */
		_cleanup_free_ char *dir = xstrdup(json);
		char *slash = strrchr(dir, '/');
		const char *d = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
		if (access(d, W_OK) < 0)
			return usage_error("run", "cannot write the report to %s: %s: %s", json, d,
					   strerror(errno));
	}
	if ((code = load(argv[optind], &x)))
		return code;
	o.live = isatty(STDERR_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb");

	code = engine_run(x, &o, &rep);

	if (json) {
		struct sbuf b = { 0 };
		report_render_json(rep, &b);
		if (!strcmp(json, "-")) {
			fputs(b.s, stdout);
		} else {
			int r = write_file_atomic(json, b.s, b.len);
			if (r < 0) {
				fprintf(stderr, "erebus: cannot write %s: %s\n", json, strerror(-r));
				if (!code)
					code = 1;	/* a pass nobody can read is not a pass */
			}
		}
		sbuf_free(&b);
	}
	if (o.verbosity > LOG_QUIET) {
		report_render_text(rep, &text);
		fputs(text.s, stderr);
		sbuf_free(&text);
	}
	report_free(rep);
	experiment_free(x);
	return code;
}

static void print_options(const struct opt_def *t, const char *indent)
{
	for (; t && t->key; t++) {
		printf("%s%-22s %-11s", indent, t->key, opt_type_name(t->type));
		if (t->flags & OPT_REQUIRED)
			printf(" required.");
		else if (t->def)
			printf(" default %s.", t->def);
		printf(" %s%s\n", t->help, t->flags & OPT_MULTI ? " (may be repeated)" : "");
	}
}

static int cmd_faults(int argc, char **argv)
{
	if (want_help(argc, argv))
		return print_usage(find_command("faults"));
	printf("Fault types (keys common to every [fault NAME]):\n");
	print_options(fault_options, "    ");
	for (size_t i = 0; fault_types[i]; i++) {
		const struct fault_type *ft = fault_types[i];
		const char *why = NULL;
		bool ok = !ft->supported || ft->supported(&why) == 0;
		printf("\n  %-10s %s\n  %-10s supported here: %s%s\n", ft->name, ft->summary, "",
		       ok ? "yes" : "NO: ", ok ? "" : why);
		print_options(ft->options, "    ");
	}
	printf("\nProbe types (keys common to every [probe NAME]):\n");
	print_options(probe_options, "    ");
	for (size_t i = 0; probe_types[i]; i++) {
		printf("\n  %-10s %s\n", probe_types[i]->name, probe_types[i]->summary);
		print_options(probe_types[i]->options, "    ");
	}
	printf("\n[target NAME] keys:\n");
	print_options(target_options, "    ");
	printf("\n[experiment] keys:\n");
	print_options(experiment_options, "    ");
	return 0;
}

static const struct command commands[] = {
	{ "run", cmd_run, "run FILE [--json PATH|-] [--seed N] [-q|-v]",
	  "Run an experiment: steady state, faults, recovery, report" },
	{ "validate", cmd_validate, "validate FILE...", "Check experiment files; touch nothing" },
	{ "plan", cmd_plan, "plan FILE", "Show what a run would do, with targets resolved now" },
	{ "faults", cmd_faults, "faults", "List fault and probe types, their options, and support here" },
	{ "help", cmd_help, "help [COMMAND]", "Show help" },
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int print_usage(const struct command *c)
{
	printf("usage: erebus %s\n\n%s.\n", c->usage, c->summary);
	if (c->fn == cmd_run)
		printf("\n  --json PATH   write the JSON report (schema " REPORT_SCHEMA ") to PATH, or - for stdout\n"
		       "  --seed N      seed for random choices (overrides the file's seed)\n"
		       "  -q, --quiet   print nothing but errors\n"
		       "  -v, --verbose print every sample, and launched commands' stderr\n");
	printf("\nExit codes: 0 passed, 1 failed, 2 usage or invalid experiment, 3 aborted,\n"
	       "4 cleanup incomplete, 5 environment unsupported. See erebus(1).\n");
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	if (argc > 1) {
		const struct command *c = find_command(argv[1]);
		if (!c)
			return usage_error("help", "unknown command \"%s\"", argv[1]);
		return print_usage(c);
	}
	printf("usage: erebus COMMAND [ARGS]\n\nErebus: chaos experiments that prove a service recovers.\n\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	printf("\n'erebus COMMAND --help' for each command. Exit codes: 0 passed, 1 failed,\n"
	       "2 usage or invalid experiment, 3 aborted, 4 cleanup incomplete, 5 unsupported.\n");
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2)
		return cmd_help(1, argv), EXIT_USAGE;
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv);
	if (!strcmp(argv[1], "--version")) {
		printf("erebus " EREBUS_VERSION "\n");
		return 0;
	}
	c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "erebus: unknown command \"%s\"\nTry 'erebus --help'.\n", argv[1]);
		return EXIT_USAGE;
	}
	return c->fn(argc - 1, argv + 1);
}
