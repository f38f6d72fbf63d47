/* SPDX-License-Identifier: MIT */
/* The command line: one row per subcommand. */
#include <getopt.h>
#include <sys/stat.h>
#include <time.h>

#include "erebus/engine.h"
#include "erebus/experiment.h"
#include "erebus/fault.h"
#include "erebus/gate.h"
#include "erebus/plan.h"
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

/* ---- report files --------------------------------------------------------- */

/* The formats a report is written in: --FLAG PATH, and DIR/NAME.EXT with
 * --report-dir. */
static const struct output {
	const char *flag, *ext;
	void (*render)(const struct report *r, struct sbuf *out);
} outputs[] = {
	{ "json", "json", report_render_json },
	{ "junit", "xml", report_render_junit },
	{ "html", "html", report_render_html },
	{ "metrics", "prom", report_render_metrics },
};
enum { N_OUTPUTS = ARRAY_SIZE(outputs) };

/* Can a file be created at path? (Its directory is writable.) Checked
 * before a run, so a run is not wasted on a report nobody can read. */
static int check_writable(const char *cmd, const char *flag, const char *path)
{
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	const char *d = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";

	if (!strcmp(path, "-") || access(d, W_OK) == 0)
		return 0;
	return usage_error(cmd, "cannot write --%s %s: %s: %s", flag, path, d, strerror(errno));
}

/* Render rep in one format to path ("-": stdout), atomically. Returns 0,
 * or 1 after printing why it could not be written. */
static int write_output(const struct output *o, const struct report *rep, const char *path)
{
	struct sbuf b = { 0 };
	int r = 0;

	o->render(rep, &b);
	if (!strcmp(path, "-")) {
		fputs(b.s, stdout);
		fflush(stdout);
	} else {
		r = write_file_atomic(path, b.s, b.len);
		if (r < 0)
			fprintf(stderr, "erebus: cannot write %s: %s\n", path, strerror(-r));
	}
	sbuf_free(&b);
	return r < 0;
}

/* "checkout-v2" from any experiment name: safe in a file name. */
static char *file_stem(const struct report *rep)
{
	char *s = xstrdup(rep->experiment[0] ? rep->experiment : "experiment");

	for (char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.'))
			*p = '_';
	if (s[0] == '.')
		s[0] = '_';
	return s;
}

/* Every format into dir as EXPERIMENT-YYYYMMDDTHHMMSSZ.EXT. Returns 0, or
 * 1 if any could not be written. */
static int write_report_dir(const struct report *rep, const char *dir, bool quiet)
{
	_cleanup_free_ char *stem = file_stem(rep);
	char stamp[32];
	time_t t = (time_t)(rep->started_at / USEC_PER_SEC);
	struct tm tm;
	int failed = 0;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (size_t i = 0; i < N_OUTPUTS; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s-%s.%s", dir, stem, stamp, outputs[i].ext);
		int r = write_output(&outputs[i], rep, path);
		if (!r && !quiet)
			fprintf(stderr, "erebus: wrote %s\n", path);
		failed |= r;
	}
	return failed;
}

/* --report-dir: make the directory (not its parents) if it is missing. */
static int prepare_report_dir(const char *cmd, const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return usage_error(cmd, "cannot create --report-dir %s: %s", dir, strerror(errno));
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return usage_error(cmd, "--report-dir %s is not a directory", dir);
	if (access(dir, W_OK) < 0)
		return usage_error(cmd, "cannot write into --report-dir %s: %s", dir, strerror(errno));
	return 0;
}

/* Parse --json/--junit/--html/--metrics (long option index 0..3 of
 * outputs) into paths[]; at most one may be "-". */
static int set_output(const char *cmd, const char *paths[N_OUTPUTS], int which, const char *path)
{
	paths[which] = path;
	for (size_t i = 0; i < N_OUTPUTS; i++)
		if ((int)i != which && paths[i] && !strcmp(path, "-") && !strcmp(paths[i], "-"))
			return usage_error(cmd, "only one report can go to stdout (-)");
	return 0;
}

/* Every output given can be written (see check_writable()). */
static int check_outputs(const char *cmd, const char *paths[N_OUTPUTS])
{
	int code;

	for (size_t i = 0; i < N_OUTPUTS; i++)
		if (paths[i] && (code = check_writable(cmd, outputs[i].flag, paths[i])))
			return code;
	return 0;
}

static int write_outputs(const struct report *rep, const char *paths[N_OUTPUTS])
{
	int failed = 0;

	for (size_t i = 0; i < N_OUTPUTS; i++)
		if (paths[i])
			failed |= write_output(&outputs[i], rep, paths[i]);
	return failed;
}

#define OUTPUT_OPTIONS                                                 \
	{ "json", required_argument, NULL, 0x100 },                    \
	{ "junit", required_argument, NULL, 0x101 },                   \
	{ "html", required_argument, NULL, 0x102 },                    \
	{ "metrics", required_argument, NULL, 0x103 }

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		OUTPUT_OPTIONS,
		{ "report-dir", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct run_opts o = { .log = stderr };
	const char *paths[N_OUTPUTS] = { 0 }, *report_dir = NULL;
	struct experiment *x = NULL;
	struct report *rep = NULL;
	struct sbuf text = { 0 };
	int c, code;

	optind = 1;
	while ((c = getopt_long(argc, argv, "j:s:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			c = 0x100;
			/* fall through */
		case 0x100 ... 0x103:
			if ((code = set_output("run", paths, c - 0x100, optarg)))
				return code;
			break;
		case 'd':
			report_dir = optarg;
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
	/* Find out now, not after the run, that a report cannot be written. */
	if ((code = check_outputs("run", paths)))
		return code;
	if (report_dir && (code = prepare_report_dir("run", report_dir)))
		return code;
	if ((code = load(argv[optind], &x)))
		return code;
	o.live = isatty(STDERR_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb");

	code = engine_run(x, &o, &rep);

	/* a pass nobody can read is not a pass */
	if ((write_outputs(rep, paths) |
	     (report_dir ? write_report_dir(rep, report_dir, o.verbosity == LOG_QUIET) : 0)) && !code)
		code = 1;
	if (o.verbosity > LOG_QUIET) {
		report_render_text(rep, &text);
		fputs(text.s, stderr);
		sbuf_free(&text);
	}
	report_free(rep);
	experiment_free(x);
	return code;
}

/* Load a saved report, printing why not. */
static int load_report(const char *path, struct report **ret)
{
	_cleanup_free_ char *err = NULL;

	if (report_load(path, ret, &err) < 0) {
		fprintf(stderr, "erebus: %s\n", err);
		return EXIT_USAGE;
	}
	return 0;
}

static int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		OUTPUT_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *paths[N_OUTPUTS] = { 0 };
	struct report *rep = NULL;
	bool any = false;
	int c, code;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 0x100 ... 0x103:
			if ((code = set_output("report", paths, c - 0x100, optarg)))
				return code;
			any = true;
			break;
		case 'h':
			return print_usage(find_command("report"));
		default:
			return usage_error("report", "unknown option");
		}
	}
	if (optind != argc - 1)
		return usage_error("report", "give one JSON report");
	if ((code = check_outputs("report", paths)))
		return code;
	if ((code = load_report(argv[optind], &rep)))
		return code;
	if (any) {
		code = write_outputs(rep, paths);
	} else {
		struct sbuf text = { 0 };
		report_render_text(rep, &text);
		fputs(text.s + (text.s[0] == '\n'), stdout);
		sbuf_free(&text);
	}
	report_free(rep);
	return code;
}

static int cmd_gate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "max-recovery", required_argument, NULL, 'r' },
		{ "min-availability", required_argument, NULL, 'a' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "max-regression", required_argument, NULL, 'g' },
		{ "regression-floor", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct gate_opts o = { .max_recovery_us = -1, .min_availability = -1, .max_regression = 20,
			       .regression_floor_us = USEC_PER_MSEC };
	struct report *base = NULL;
	struct gate_input *in = NULL;
	struct sbuf out = { 0 };
	bool regression_set = false;
	size_t n = 0;
	int c, code = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
		case 'f': {
			int64_t *v = c == 'r' ? &o.max_recovery_us : &o.regression_floor_us;
			if (parse_duration(optarg, v) < 0)
				return usage_error("gate", "--%s takes a duration like 500ms or 5s, not \"%s\"",
						   c == 'r' ? "max-recovery" : "regression-floor", optarg);
			break;
		}
		case 'a':
			if (parse_percent(optarg, &o.min_availability) < 0)
				return usage_error("gate", "--min-availability takes a percentage like 99%% or 99.9%%, not \"%s\"",
						   optarg);
			break;
		case 'g': {
			/* a growth, so more than 100% is allowed: 150% is 2.5 times */
			char *end;
			errno = 0;
			o.max_regression = strtod(optarg, &end);
			if (errno || end == optarg || (*end && strcmp(end, "%")) || !(o.max_regression >= 0) ||
			    o.max_regression > 1e6)
				return usage_error("gate", "--max-regression takes a percentage like 20%% or 150%%, not \"%s\"",
						   optarg);
			regression_set = true;
			break;
		}
		case 'b':
			o.baseline_file = optarg;
			break;
		case 'h':
			return print_usage(find_command("gate"));
		default:
			return usage_error("gate", "unknown option");
		}
	}
	if (optind >= argc)
		return usage_error("gate", "give at least one JSON report");
	if (regression_set && !o.baseline_file)
		return usage_error("gate", "--max-regression needs --baseline OLD.json");
	if (o.baseline_file && (code = load_report(o.baseline_file, &base)))
		return code;
	o.baseline = base;
	in = xcalloc((size_t)(argc - optind), sizeof(*in));
	for (int i = optind; i < argc && !code; i++) {
		struct report *r = NULL;
		if ((code = load_report(argv[i], &r)))
			break;
		in[n++] = (struct gate_input){ .file = argv[i], .report = r };
	}
	if (!code) {
		code = gate_check(in, n, &o, &out) ? 1 : 0;
		fputs(out.s, stdout);
	}
	sbuf_free(&out);
	for (size_t i = 0; i < n; i++)
		report_free((struct report *)in[i].report);
	free(in);
	report_free(base);
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

int cmd_recover(int argc, char **argv);	/* src/recover.c */

static const struct command commands[] = {
	{ "run", cmd_run,
	  "run FILE [--json PATH|-] [--junit PATH] [--html PATH] [--metrics PATH] [--report-dir DIR] [--seed N] [-q|-v]",
	  "Run an experiment: steady state, faults, recovery, report" },
	{ "validate", cmd_validate, "validate FILE...", "Check experiment files; touch nothing" },
	{ "plan", cmd_plan, "plan FILE", "Show what a run would do, with targets resolved now" },
	{ "report", cmd_report, "report REPORT.json [--json|--junit|--html|--metrics PATH|-]...",
	  "Render a saved JSON report again: JUnit, HTML, metrics, or a summary" },
	{ "gate", cmd_gate,
	  "gate REPORT.json... [--max-recovery DUR] [--min-availability PCT] [--baseline OLD.json [--max-regression PCT]]",
	  "Pass or fail CI on saved reports: verdicts, thresholds, regressions" },
	{ "recover", cmd_recover, "recover [--dry-run]",
	  "Revert what crashed runs left behind (their undo ledgers)" },
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
		printf("\n  --json PATH       write the JSON report (schema " REPORT_SCHEMA ") to PATH, or - for stdout\n"
		       "  --junit PATH      write a JUnit XML report (a testcase per probe and phase)\n"
		       "  --html PATH       write a self-contained HTML page with a timeline per probe\n"
		       "  --metrics PATH    write Prometheus metrics for node_exporter's textfile collector\n"
		       "  --report-dir DIR  write every format to DIR/EXPERIMENT-YYYYMMDDTHHMMSSZ.{json,xml,html,prom}\n"
		       "  --seed N          seed for random choices (overrides the file's seed)\n"
		       "  -q, --quiet       print nothing but errors\n"
		       "  -v, --verbose     print every sample, and launched commands' stderr\n");
	if (c->fn == cmd_report)
		printf("\n  --json PATH       the JSON report again\n"
		       "  --junit PATH      JUnit XML\n"
		       "  --html PATH       the HTML page\n"
		       "  --metrics PATH    Prometheus text exposition\n"
		       "PATH may be - for stdout (one of them). Without an option, print the summary.\n");
	if (c->fn == cmd_gate) {
		printf("\n  --max-recovery DUR      every probe's time to recover at most DUR (e.g. 5s)\n"
		       "  --min-availability PCT  every probe's availability in the fault window at least PCT\n"
		       "  --baseline OLD.json     compare with an earlier report of the same experiment\n"
		       "  --max-regression PCT    with --baseline: time to recover and p95 latency in the fault\n"
		       "                          window may grow by at most PCT (default 20%%)\n"
		       "  --regression-floor DUR  changes smaller than DUR are never regressions (default 1ms)\n"
		       "\nPrints one line per breach. Exit codes: 0 every report passed and met the thresholds,\n"
		       "1 a breach, 2 usage error or a report that cannot be read.\n");
		return 0;
	}
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
