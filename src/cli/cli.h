/* SPDX-License-Identifier: MIT */
/*
 * The command line's own header (src/cli only): the subcommand table's
 * row, every subcommand, and what subcommands share. A cmd_*() gets its
 * own row of the table (for its name and help), its arguments with argv[0]
 * its name and getopt reset to argv[1], and returns the process's exit
 * code (docs/exit-codes.md): a usage error is EXIT_USAGE after a message
 * on stderr that names the command. Pointer arguments of the helpers must
 * not be NULL (checked with assert()).
 */
#ifndef EREBUS_CLI_H
#define EREBUS_CLI_H

#include <getopt.h>

#include "erebus/experiment.h"
#include "erebus/report.h"

enum { EXIT_USAGE = 2 };

/* What main() does for a command before calling it (struct command.flags). */
enum {
	/* --help or -h anywhere among the arguments prints the usage and runs
	 * nothing (for commands without options of their own). */
	CMD_HELP_ANYWHERE = 1 << 0,
};

/* One row of the subcommand table (src/cli/main.c). */
struct command {
	const char *name;
	int (*fn)(const struct command *self, int argc, char **argv);
	unsigned flags;			/* CMD_* */
	const char *usage;		/* after "usage: erebus " */
	const char *summary;		/* one line for `erebus help`, without the final stop */
	const char *options;		/* printed under the usage by --help; NULL: none */
	const char *exit_codes;		/* its own exit codes paragraph; NULL: the common one */
	/* Prints the whole of `erebus NAME --help` instead of the above (it
	 * says something known only when run); NULL: the table's text. */
	void (*help)(void);
};

int cmd_run(const struct command *self, int argc, char **argv);
int cmd_validate(const struct command *self, int argc, char **argv);
int cmd_plan(const struct command *self, int argc, char **argv);
int cmd_report(const struct command *self, int argc, char **argv);
int cmd_gate(const struct command *self, int argc, char **argv);
int cmd_recover(const struct command *self, int argc, char **argv);
int cmd_faults(const struct command *self, int argc, char **argv);
int cmd_help(const struct command *self, int argc, char **argv);

/* `erebus recover --help`: the ledger directory in the text. */
void cmd_recover_help(void);

/* ---- shared by the subcommands (src/cli/cli.c) ----------------------- */

/* Print the table's usage text of c: `erebus help NAME`. Returns 0. */
int cli_print_usage(const struct command *c);
/* Print `erebus NAME --help` of c: its help() if it has one, else the
 * table's text. Returns 0. */
int cli_help(const struct command *c);

/* Print "erebus CMD: MESSAGE" and how to get help to stderr. Returns
 * EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) _printf_(2, 3);

/*
 * getopt_long() over the command's arguments, answering what every
 * command answers alike: 'h' (which longopts must map --help to) prints
 * the usage, an unknown option is a usage error. Returns the next other
 * option, -1 after the last, or CLI_OPT_EXIT with the exit code in
 * *ret_exit.
 */
enum { CLI_OPT_EXIT = -2 };
int cli_getopt(const struct command *self, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, int *ret_exit);

/* Load an experiment, printing every problem. With run, as root, the file
 * is refused unless only root or the invoking user can have written it
 * and its directory (open_trusted()). Returns 0 with *ret (free with
 * experiment_free()), or EXIT_USAGE. */
int cli_load_experiment(const char *path, bool run, struct experiment **ret);
/* Every network fault's interface is where its target's namespace can be
 * found now (engine_check_interfaces(); with match, through the processes
 * targets match now): 0, or EXIT_USAGE after printing each one missing. */
int cli_check_interfaces(const struct experiment *x, bool match);
/* Load a saved JSON report, printing why not. Returns 0 with *ret (free
 * with report_free()), or EXIT_USAGE. */
int cli_load_report(const char *path, struct report **ret);

/* ---- report files: --json, --junit, --html, --metrics, --report-dir
 * (src/cli/outputs.c; run and report) -------------------------------- */

enum { CLI_OUT_JSON, CLI_OUT_JUNIT, CLI_OUT_HTML, CLI_OUT_METRICS, CLI_N_OUTPUTS };
/* getopt values of the output options: CLI_OUT_OPT + CLI_OUT_*. */
#define CLI_OUT_OPT 0x100
#define CLI_OUTPUT_OPTIONS                                                       \
	{ "json", required_argument, NULL, CLI_OUT_OPT + CLI_OUT_JSON },         \
	{ "junit", required_argument, NULL, CLI_OUT_OPT + CLI_OUT_JUNIT },       \
	{ "html", required_argument, NULL, CLI_OUT_OPT + CLI_OUT_HTML },         \
	{ "metrics", required_argument, NULL, CLI_OUT_OPT + CLI_OUT_METRICS }
/* case CLI_OUT_CASES: in a switch over getopt values */
#define CLI_OUT_CASES CLI_OUT_OPT ... CLI_OUT_OPT + CLI_N_OUTPUTS - 1

/* Where each format goes: a path, "-" for stdout, or NULL (not asked). */
struct cli_outputs {
	const char *paths[CLI_N_OUTPUTS];
};

/* Take output option opt (CLI_OUT_OPT + CLI_OUT_*) and its path; only one
 * may be "-". Returns 0, or EXIT_USAGE after saying why. */
int cli_outputs_set(const char *cmd, struct cli_outputs *o, int opt, const char *path);
/* Can every output asked for be created (its directory writable)?
 * Checked before the work, so that none is wasted on a report nobody can
 * read. Returns 0, or EXIT_USAGE after saying why. */
int cli_outputs_check(const char *cmd, const struct cli_outputs *o);
/* The capabilities writing them after the run needs beyond being the
 * directories' owner: CAP_DAC_OVERRIDE when root may write into one of
 * them (or report_dir, NULL: none) only through it (another user's home),
 * else 0. For run_opts.keep_caps: the engine drops the rest. */
uint64_t cli_outputs_caps(const struct cli_outputs *o, const char *report_dir);
/* Render rep into every output asked for, each atomically. Returns 0, or
 * 1 if any could not be written (said on stderr). */
int cli_outputs_write(const struct cli_outputs *o, const struct report *rep);

/* --report-dir: make dir (not its parents) if it is missing; it must be a
 * writable directory. Returns 0, or EXIT_USAGE after saying why. */
int cli_report_dir_prepare(const char *cmd, const char *dir);
/* Every format into dir as EXPERIMENT-YYYYMMDDTHHMMSSZ.EXT, each path
 * said on stderr unless quiet. Returns 0, or 1 if any could not be
 * written. */
int cli_report_dir_write(const struct report *rep, const char *dir, bool quiet);

#endif
