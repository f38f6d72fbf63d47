/* SPDX-License-Identifier: MIT */
/* Report files: the formats a report is written in, to paths or a folder. */
#include <assert.h>
#include <sys/stat.h>
#include <time.h>

#include "erebus/privs.h"

#include "cli.h"

/* Each format: its option (--FLAG PATH) and its extension in --report-dir,
 * in the order of CLI_OUT_*. */
static const struct output {
	const char *flag, *ext;
	void (*render)(const struct report *r, struct sbuf *out);
} outputs[CLI_N_OUTPUTS] = {
	[CLI_OUT_JSON] = { "json", "json", report_render_json },
	[CLI_OUT_JUNIT] = { "junit", "xml", report_render_junit },
	[CLI_OUT_HTML] = { "html", "html", report_render_html },
	[CLI_OUT_METRICS] = { "metrics", "prom", report_render_metrics },
};

/* The directory path is in, in buf (a copy of path the caller frees). */
static const char *dir_of(const char *path, char **buf)
{
	char *slash;

	*buf = xstrdup(path);
	slash = strrchr(*buf, '/');
	return slash ? (slash == *buf ? "/" : (*slash = '\0', *buf)) : ".";
}

/* Can a file be created at path? (Its directory is writable.) */
static int check_writable(const char *cmd, const char *flag, const char *path)
{
	_cleanup_free_ char *dir = NULL;
	const char *d = dir_of(path, &dir);

	if (!strcmp(path, "-") || access(d, W_OK) == 0)
		return 0;
	return cli_usage_error(cmd, "cannot write --%s %s: %s: %s", flag, path, d, strerror(errno));
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

int cli_outputs_set(const char *cmd, struct cli_outputs *o, int opt, const char *path)
{
	int which = opt - CLI_OUT_OPT;

	assert(which >= 0 && which < CLI_N_OUTPUTS && path);
	o->paths[which] = path;
	for (int i = 0; i < CLI_N_OUTPUTS; i++)
		if (i != which && o->paths[i] && !strcmp(path, "-") && !strcmp(o->paths[i], "-"))
			return cli_usage_error(cmd, "only one report can go to stdout (-)");
	return 0;
}

int cli_outputs_check(const char *cmd, const struct cli_outputs *o)
{
	int code;

	for (int i = 0; i < CLI_N_OUTPUTS; i++)
		if (o->paths[i] && (code = check_writable(cmd, outputs[i].flag, o->paths[i])))
			return code;
	return 0;
}

uint64_t cli_outputs_caps(const struct cli_outputs *o, const char *report_dir)
{
	const uint64_t dac = PRIVS_CAP(CAP_DAC_OVERRIDE) | PRIVS_CAP(CAP_DAC_READ_SEARCH);

	for (int i = 0; i < CLI_N_OUTPUTS; i++) {
		_cleanup_free_ char *dir = NULL;
		if (o->paths[i] && strcmp(o->paths[i], "-") &&
		    privs_access_without(dir_of(o->paths[i], &dir), W_OK | X_OK, dac) < 0)
			return PRIVS_CAP(CAP_DAC_OVERRIDE);
	}
	if (report_dir && privs_access_without(report_dir, W_OK | X_OK, dac) < 0)
		return PRIVS_CAP(CAP_DAC_OVERRIDE);
	return 0;
}

int cli_outputs_write(const struct cli_outputs *o, const struct report *rep)
{
	int failed = 0;

	for (int i = 0; i < CLI_N_OUTPUTS; i++)
		if (o->paths[i])
			failed |= write_output(&outputs[i], rep, o->paths[i]);
	return failed;
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

int cli_report_dir_write(const struct report *rep, const char *dir, bool quiet)
{
	_cleanup_free_ char *stem = file_stem(rep);
	char stamp[32];
	time_t t = (time_t)(rep->started_at / USEC_PER_SEC);
	struct tm tm;
	int failed = 0;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	for (int i = 0; i < CLI_N_OUTPUTS; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s-%s.%s", dir, stem, stamp, outputs[i].ext);
		int r = write_output(&outputs[i], rep, path);
		if (!r && !quiet)
			fprintf(stderr, "erebus: wrote %s\n", path);
		failed |= r;
	}
	return failed;
}

int cli_report_dir_prepare(const char *cmd, const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return cli_usage_error(cmd, "cannot create --report-dir %s: %s", dir, strerror(errno));
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return cli_usage_error(cmd, "--report-dir %s is not a directory", dir);
	if (access(dir, W_OK) < 0)
		return cli_usage_error(cmd, "cannot write into --report-dir %s: %s", dir, strerror(errno));
	return 0;
}
