/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the experiment model (src/model/: the reader in
 * experiment.c, the checks in check.c), with the option tables of faults/
 * and the check hooks of faults/ and src/probes/, handed to it in
 * catalog_builtin.
 *
 * Every message the parser can produce has its own test, which asserts
 * the exact line `NAME:LINE: [section] key: message`, that loading fails
 * with -EINVAL, and that *ret is left untouched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>

#include "erebus/catalog.h"
#include "erebus/experiment.h"
#include "erebus/fault.h"
#include "erebus/probe.h"

/* Per-test state: the diagnostics and the loaded experiment, freed in
 * teardown whatever happened. */
struct fx {
	struct diag d;
	struct experiment *x;
	char *path;		/* a temporary file, removed in teardown */
};

#include "scratch.h"

static struct experiment untouched;	/* *ret starts here; must stay here on failure */

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));

	f->x = &untouched;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->x != &untouched)
		experiment_free(f->x);
	diag_free(&f->d);
	scratch_free();
	if (f->path) {
		(void)unlink(f->path);
		free(f->path);
	}
	free(f);
	return 0;
}

static void dump(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("  diag[%zu]: %s\n", i, d->msgs[i]);
}

/* Load text as x.ini; it must succeed with no diagnostics. */
static struct experiment *load_ok(struct fx *f, const char *text)
{
	int r = experiment_load_string("x.ini", text, &catalog_builtin, &f->d, &f->x);

	if (r != 0 || f->d.n) {
		dump(&f->d);
		fail_msg("experiment_load_string returned %d with %zu messages", r, f->d.n);
	}
	assert_ptr_not_equal(f->x, &untouched);
	assert_non_null(f->x);
	return f->x;
}

/* Load text as x.ini; it must fail with -EINVAL and leave *ret alone. */
static void load_fail(struct fx *f, const char *text)
{
	int r = experiment_load_string("x.ini", text, &catalog_builtin, &f->d, &f->x);

	if (r != -EINVAL) {
		dump(&f->d);
		fail_msg("experiment_load_string returned %d, expected -EINVAL", r);
	}
	assert_ptr_equal(f->x, &untouched);
	assert_true(f->d.n > 0);
}

static bool diag_has(const struct diag *d, const char *line)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->msgs[i], line))
			return true;
	return false;
}

static void assert_diag_has(const struct diag *d, const char *line)
{
	if (!diag_has(d, line)) {
		dump(d);
		fail_msg("missing diagnostic:\n  %s", line);
	}
}

/* text must fail with exactly one message, line. */
static void expect_only(void **state, const char *text, const char *line)
{
	struct fx *f = *state;

	load_fail(f, text);
	if (f->d.n != 1 || strcmp(f->d.msgs[0], line)) {
		dump(&f->d);
		fail_msg("expected exactly one diagnostic:\n  %s", line);
	}
}

/* Lines 1-4 of most texts, and a probe to append at the end. */
#define HEAD                                                                   \
	"[experiment]\n"                                                       \
	"name = x\n"                                                           \
	"[target web]\n"                                                       \
	"process = nginx\n"
#define PROBE                                                                  \
	"[probe up]\n"                                                         \
	"type = tcp\n"                                                         \
	"host = 127.0.0.1\n"                                                   \
	"port = 80\n"

/* ---- a valid experiment ------------------------------------------------ */

static const char full_text[] =
	"# every section kind, fault type and probe type\n"	/* 1 */
	"[experiment]\n"					/* 2 */
	"name = full\n"						/* 3 */
	"description = every kind of section\n"			/* 4 */
	"\n"							/* 5 */
	"[target web]\n"					/* 6 */
	"process = nginx\n"					/* 7 */
	"\n"							/* 8 */
	"[target app]\n"					/* 9 */
	"command = sleep 30\n"					/* 10 */
	"\n"							/* 11 */
	"[target worker]\n"					/* 12 */
	"within = app\n"					/* 13 */
	"cmdline = ^sleep [0-9]+$\n"				/* 14 */
	"pick = 50%\n"						/* 15 */
	"\n"							/* 16 */
	"[target file]\n"					/* 17 */
	"pidfile = /run/nginx.pid\n"				/* 18 */
	"pid = 1234\n"						/* 19 */
	"\n"							/* 20 */
	"[fault k]\n"						/* 21 */
	"type = kill\n"						/* 22 */
	"target = web\n"					/* 23 */
	"at = 1s\n"						/* 24 */
	"\n"							/* 25 */
	"[fault k2]\n"						/* 26 */
	"type = kill\n"						/* 27 */
	"target = worker\n"					/* 28 */
	"signal = TERM\n"					/* 29 */
	"at = 2s\n"						/* 30 */
	"every = 500ms\n"					/* 31 */
	"duration = 2s\n"					/* 32 */
	"\n"							/* 33 */
	"[fault p]\n"						/* 34 */
	"type = pause\n"					/* 35 */
	"target = web\n"					/* 36 */
	"at = 500ms\n"						/* 37 */
	"duration = 1500ms\n"					/* 38 */
	"\n"							/* 39 */
	"[fault t]\n"						/* 40 */
	"type = throttle\n"					/* 41 */
	"target = worker\n"					/* 42 */
	"duration = 3s\n"					/* 43 */
	"cpu = 25%\n"						/* 44 */
	"\n"							/* 45 */
	"[probe h]\n"						/* 46 */
	"type = http\n"						/* 47 */
	"url = http://127.0.0.1:8080/health\n"			/* 48 */
	"headers = X-A: 1\n"					/* 49 */
	"headers = X-B: 2\n"					/* 50 */
	"expect_body = /^ok/\n"					/* 51 */
	"\n"							/* 52 */
	"[probe c]\n"						/* 53 */
	"type = tcp\n"						/* 54 */
	"host = 127.0.0.1\n"					/* 55 */
	"port = 8080\n"						/* 56 */
	"interval = 250ms\n"					/* 57 */
	"timeout = 2s\n"					/* 58 */
	"healthy_after = 3\n"					/* 59 */
	"during = may-fail\n"					/* 60 */
	"tolerance = 90%\n"					/* 61 */
	"recover_within = 1m\n"					/* 62 */
	"\n"							/* 63 */
	"[probe e]\n"						/* 64 */
	"type = exec\n"						/* 65 */
	"command = test -e /tmp\n"				/* 66 */
	"\n"							/* 67 */
	"[probe pr]\n"						/* 68 */
	"type = process\n"					/* 69 */
	"target = web\n"					/* 70 */
	"min_count = 2\n";					/* 71 */

static void test_valid_full(void **state)
{
	struct fx *f = *state;
	struct experiment *x = load_ok(f, full_text);
	struct target_spec *web, *app, *worker, *file;

	assert_string_equal(x->file, "x.ini");
	assert_string_equal(x->name, "full");
	assert_string_equal(x->description, "every kind of section");
	assert_false(x->seed_set);
	assert_int_equal(x->steady_timeout_us, 10 * USEC_PER_SEC);	/* default */
	assert_int_equal(x->n_sections, 13);
	assert_int_equal(x->n_targets, 4);
	assert_int_equal(x->n_faults, 4);
	assert_int_equal(x->n_probes, 4);

	/* targets */
	web = experiment_target(x, "web");
	app = experiment_target(x, "app");
	worker = experiment_target(x, "worker");
	file = experiment_target(x, "file");
	assert_non_null(web);
	assert_non_null(app);
	assert_non_null(worker);
	assert_non_null(file);
	assert_null(experiment_target(x, "nope"));
	assert_int_equal(web->line, 6);
	assert_string_equal(web->process, "nginx");
	assert_int_equal(web->pid, 0);
	assert_null(web->command);
	assert_null(web->cmdline);
	assert_null(web->within);
	assert_int_equal(web->pick.kind, PICK_ALL);	/* default */
	assert_string_equal(app->command, "sleep 30");
	assert_ptr_equal(worker->within, app);
	assert_non_null(worker->cmdline);
	assert_string_equal(worker->cmdline_src, "^sleep [0-9]+$");
	assert_int_equal(worker->pick.kind, PICK_PERCENT);
	assert_float_equal(worker->pick.n, 50, 1e-9);
	assert_string_equal(file->pidfile, "/run/nginx.pid");
	assert_int_equal(file->pid, 1234);

	/* faults, in file order */
	assert_string_equal(x->faults[0].name, "k");
	assert_ptr_equal(x->faults[0].type, fault_type_find("kill"));
	assert_ptr_equal(x->faults[0].target, web);
	assert_int_equal(x->faults[0].line, 21);
	assert_int_equal(x->faults[0].at_us, USEC_PER_SEC);
	assert_int_equal(x->faults[0].duration_us, 0);
	assert_int_equal(x->faults[0].every_us, 0);
	assert_int_equal(section_int(x->faults[0].sec, "signal"), SIGKILL);	/* default */
	assert_false(section_get(x->faults[0].sec, "signal")->set);

	assert_string_equal(x->faults[1].name, "k2");
	assert_ptr_equal(x->faults[1].target, worker);
	assert_int_equal(section_int(x->faults[1].sec, "signal"), SIGTERM);
	assert_int_equal(section_get(x->faults[1].sec, "signal")->line, 29);
	assert_int_equal(x->faults[1].at_us, 2 * USEC_PER_SEC);
	assert_int_equal(x->faults[1].every_us, 500 * USEC_PER_MSEC);
	assert_int_equal(x->faults[1].duration_us, 2 * USEC_PER_SEC);

	assert_ptr_equal(x->faults[2].type, fault_type_find("pause"));
	assert_ptr_equal(x->faults[2].target, web);
	assert_int_equal(x->faults[2].at_us, 500 * USEC_PER_MSEC);
	assert_int_equal(x->faults[2].duration_us, 1500 * USEC_PER_MSEC);

	assert_ptr_equal(x->faults[3].type, fault_type_find("throttle"));
	assert_int_equal(x->faults[3].at_us, 0);	/* default at = 0s */
	assert_float_equal(section_pct(x->faults[3].sec, "cpu"), 25, 1e-9);
	assert_int_equal(section_usec(x->faults[3].sec, "period"), 100 * USEC_PER_MSEC);

	/* probes: h has every default */
	{
		const struct probe_spec *h = &x->probes[0];
		const struct opt_value *hv = section_get(h->sec, "headers");
		const struct opt_value *st = section_get(h->sec, "expect_status");

		assert_string_equal(h->name, "h");
		assert_ptr_equal(h->type, probe_type_find("http"));
		assert_null(h->target);
		assert_int_equal(h->interval_us, USEC_PER_SEC);
		assert_int_equal(h->timeout_us, USEC_PER_SEC);
		assert_int_equal(h->healthy_after, 2);
		assert_int_equal(h->during, DURING_MUST_PASS);
		assert_float_equal(h->tolerance, 100, 1e-9);
		assert_int_equal(h->recover_within_us, 30 * USEC_PER_SEC);
		assert_string_equal(section_str(h->sec, "url"), "http://127.0.0.1:8080/health");
		assert_string_equal(section_str(h->sec, "method"), "GET");
		assert_int_equal(section_int(h->sec, "tls_verify"), 1);
		assert_null(section_str(h->sec, "body"));
		assert_false(section_has(h->sec, "body"));
		assert_int_equal(strv_len(hv->list), 2);
		assert_string_equal(hv->list[0], "X-A: 1");
		assert_string_equal(hv->list[1], "X-B: 2");
		assert_true(status_set_contains(st->status.v, st->status.n, 200));
		assert_true(status_set_contains(st->status.v, st->status.n, 399));
		assert_false(status_set_contains(st->status.v, st->status.n, 404));
	}
	{
		const struct probe_spec *c = &x->probes[1];

		assert_ptr_equal(c->type, probe_type_find("tcp"));
		assert_int_equal(section_int(c->sec, "port"), 8080);
		assert_int_equal(c->interval_us, 250 * USEC_PER_MSEC);
		assert_int_equal(c->timeout_us, 2 * USEC_PER_SEC);
		assert_int_equal(c->healthy_after, 3);
		assert_int_equal(c->during, DURING_MAY_FAIL);
		assert_float_equal(c->tolerance, 90, 1e-9);
		assert_int_equal(c->recover_within_us, 60 * USEC_PER_SEC);
	}
	assert_ptr_equal(x->probes[2].type, probe_type_find("exec"));
	assert_string_equal(section_str(x->probes[2].sec, "command"), "test -e /tmp");
	assert_int_equal(section_int(x->probes[2].sec, "expect_exit"), 0);
	assert_ptr_equal(x->probes[3].type, probe_type_find("process"));
	assert_ptr_equal(x->probes[3].target, web);
	assert_int_equal(section_int(x->probes[3].sec, "min_count"), 2);

	/* the fault window ends with k2's last repetition: 2s + 4 * 500ms */
	assert_int_equal(experiment_window_us(x), 4 * USEC_PER_SEC);
}

static void test_valid_seed_and_steady(void **state)
{
	struct fx *f = *state;
	struct experiment *x = load_ok(f,
		"[experiment]\n"
		"name = seeded\n"
		"seed = 42\n"
		"steady_state_timeout = 2m\n"
		PROBE);

	assert_true(x->seed_set);
	assert_int_equal(x->seed, 42);
	assert_int_equal(x->steady_timeout_us, 120 * USEC_PER_SEC);
	assert_null(x->description);
	assert_int_equal(x->n_faults, 0);
	assert_int_equal(experiment_window_us(x), 0);
}

/* An indented line continues the value above it. */
static void test_continuation_line(void **state)
{
	struct fx *f = *state;
	struct experiment *x = load_ok(f,
		"[experiment]\n"
		"name = x\n"
		"description = first\n"
		"  second part\n"
		"\tthird\n"
		"[target app]\n"
		"command = sleep\n"
		"    30\n"
		PROBE);

	assert_string_equal(x->description, "first second part third");
	assert_string_equal(experiment_target(x, "app")->command, "sleep 30");
}

static void test_comments_bom_and_inline(void **state)
{
	struct fx *f = *state;
	struct experiment *x = load_ok(f,
		"\xEF\xBB\xBF; a comment\n"
		"# another\n"
		"[experiment]\n"
		"name = x ; inline comment\n"
		"description = a;b\n"
		PROBE);

	assert_string_equal(x->name, "x");
	assert_string_equal(x->description, "a;b");
}

/* ---- experiment_window_us ---------------------------------------------- */

static int64_t window_of(struct fx *f, const char *faults)
{
	char *text = keep(xasprintf(HEAD "%s" PROBE, faults));
	int64_t w;

	load_ok(f, text);
	w = experiment_window_us(f->x);
	experiment_free(f->x);
	f->x = &untouched;
	return w;
}

static void test_window(void **state)
{
	struct fx *f = *state;

	/* an instant fault ends where it acts */
	assert_int_equal(window_of(f, "[fault k]\ntype = kill\ntarget = web\nat = 2s\n"),
			 2 * USEC_PER_SEC);
	/* a lasting one at at + duration */
	assert_int_equal(window_of(f, "[fault p]\ntype = pause\ntarget = web\nat = 1s\nduration = 3s\n"),
			 4 * USEC_PER_SEC);
	/* a repeating one at its last repetition: 1s + 3 * 300ms */
	assert_int_equal(window_of(f, "[fault k]\ntype = kill\ntarget = web\nat = 1s\n"
				      "every = 300ms\nduration = 1s\n"),
			 1900 * USEC_PER_MSEC);
	/* the latest of several */
	assert_int_equal(window_of(f, "[fault a]\ntype = pause\ntarget = web\nduration = 10s\n"
				      "[fault b]\ntype = kill\ntarget = web\nat = 4s\n"
				      "[fault c]\ntype = throttle\ntarget = web\nat = 5s\n"
				      "duration = 6s\ncpu = 50%\n"),
			 11 * USEC_PER_SEC);
	assert_int_equal(window_of(f, ""), 0);
}

/* A /0 holds every address: the hosts fit (the size of the network was
 * 1 << 32, undefined, and came out as 1 on x86). */
static void test_sandbox_subnet_sizes(void **state)
{
	struct fx *f = *state;
	struct experiment *x = load_ok(f, "[experiment]\nname = x\n[sandbox]\nhosts = a b\nsubnet = 0.0.0.0/0\n"
					  "[probe up]\ntype = exec\ncommand = true\n");

	assert_int_equal(x->sandbox.n_hosts, 2);
	assert_string_equal(x->sandbox.addrs[0], "0.0.0.1");
	assert_string_equal(x->sandbox.addrs[1], "0.0.0.2");
}

/* ---- several errors at once -------------------------------------------- */

static void test_several_errors_one_pass(void **state)
{
	struct fx *f = *state;

	load_fail(f,
		"[experiment]\n"		/* 1 */
		"name = x\n"			/* 2 */
		"colour = blue\n"		/* 3 */
		"[target web]\n"		/* 4 */
		"process = nginx\n"		/* 5 */
		"pick = none\n"			/* 6 */
		"[fault k]\n"			/* 7 */
		"type = kill\n"			/* 8 */
		"target = webb\n"		/* 9 */
		"at = soon\n"			/* 10 */
		"[fault p]\n"			/* 11 */
		"type = pause\n"		/* 12 */
		"target = web\n"		/* 13 */
		"[probe up]\n"			/* 14 */
		"type = tcp\n"			/* 15 */
		"host = 127.0.0.1\n"		/* 16 */
		"port = 99999\n");		/* 17 */
	assert_diag_has(&f->d, "x.ini:3: [experiment] colour: unknown key; valid keys here: name, description, seed, steady_state_timeout, hold, halt_on_lost_tolerance, annotate");
	assert_diag_has(&f->d, "x.ini:6: [target web] pick: \"none\" is not all, a count (2) or a share (30%)");
	assert_diag_has(&f->d, "x.ini:9: [fault k] target: unknown target \"webb\"; did you mean \"web\"?");
	assert_diag_has(&f->d, "x.ini:10: [fault k] at: \"soon\" is not a duration (write it like 250ms, 2s or 1m30s)");
	assert_diag_has(&f->d, "x.ini:11: [fault p] duration: missing required key (a pause fault lasts a while)");
	assert_diag_has(&f->d, "x.ini:17: [probe up] port: 99999 must be between 1 and 65535");
	if (f->d.n != 6) {
		dump(&f->d);
		fail_msg("expected 6 diagnostics, got %zu", f->d.n);
	}
}

/* ---- keys -------------------------------------------------------------- */

static void test_unknown_key_suggestion(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = kill\n"		/* 6 */
		"target = web\n"	/* 7 */
		"tyep = kill\n"		/* 8 */
		PROBE,
		"x.ini:8: [fault k] tyep: unknown key; did you mean \"type\"?");
}

static void test_unknown_key_suggestion_type_specific(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = kill\n"		/* 6 */
		"target = web\n"	/* 7 */
		"signl = TERM\n"	/* 8 */
		PROBE,
		"x.ini:8: [fault k] signl: unknown key; did you mean \"signal\"?");
}

static void test_unknown_key_list(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = kill\n"		/* 6 */
		"target = web\n"	/* 7 */
		"colour = red\n"	/* 8 */
		PROBE,
		"x.ini:8: [fault k] colour: unknown key; valid keys here: type, target, at, duration, every, signal");
}

/* Regression, fixed: when a fault or probe has no type at all, check_section() skips
 * every unknown key as if the type were unknown, so the typo that explains
 * the missing type ("tyep") is never pointed out; only "type: missing
 * required key" is reported. */
static void test_unknown_key_suggestion_when_type_missing(void **state)
{
	struct fx *f = *state;

	load_fail(f,
		HEAD
		"[fault k]\n"		/* 5 */
		"tyep = kill\n"		/* 6 */
		"target = web\n"	/* 7 */
		PROBE);
	assert_diag_has(&f->d, "x.ini:6: [fault k] tyep: unknown key; did you mean \"type\"?");
}

static void test_duplicate_key(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = kill\n"		/* 6 */
		"target = web\n"	/* 7 */
		"at = 1s\n"		/* 8 */
		"at = 2s\n"		/* 9 */
		PROBE,
		"x.ini:9: [fault k] at: duplicate key (first given on line 8)");
}

static void test_empty_value(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"description =\n"
		PROBE,
		"x.ini:3: [experiment] description: empty value");
}

/* [experiment] annotate: kept as given when it is an http(s) URL with a
 * host; anything else names the key and says why. */
static void test_annotate_url(void **state)
{
	struct fx *f = *state;
	struct experiment *x = load_ok(f, "[experiment]\nname = x\nannotate = HTTPS://grafana.example:3000/api/annotations\n" PROBE);

	assert_string_equal(x->annotate, "HTTPS://grafana.example:3000/api/annotations");
}

static void test_annotate_not_http(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"annotate = ftp://example.com/hook\n"
		PROBE,
		"x.ini:3: [experiment] annotate: \"ftp://example.com/hook\" is not an http:// or https:// URL: events are posted over HTTP only");
}

static void test_annotate_space(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"annotate = http://example.com/a hook\n"
		PROBE,
		"x.ini:3: [experiment] annotate: \"http://example.com/a hook\" has a space or control character: percent-encode it");
}

static void test_annotate_no_host(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"annotate = http:///hook\n"
		PROBE,
		"x.ini:3: [experiment] annotate: \"http:///hook\" names no host");
}

static void test_missing_required_key(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"description = no name\n"
		PROBE,
		"x.ini:1: [experiment] name: missing required key");
}

static void test_missing_required_type_key(void **state)
{
	expect_only(state,
		HEAD
		"[probe e]\n"		/* 5 */
		"type = exec\n"		/* 6 */
		"expect_exit = 1\n",	/* 7 */
		"x.ini:5: [probe e] command: missing required key");
}

static void test_missing_fault_type(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"target = web\n"	/* 6 */
		PROBE,
		"x.ini:5: [fault k] type: missing required key");
}

/* ---- values ------------------------------------------------------------ */

static void test_bad_int(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[probe up]\n"
		"type = tcp\n"
		"host = 127.0.0.1\n"
		"port = eighty\n",
		"x.ini:6: [probe up] port: \"eighty\" is not a whole number");
}

static void test_int_range(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		PROBE			/* 3-6 */
		"healthy_after = 0\n",	/* 7 */
		"x.ini:7: [probe up] healthy_after: 0 must be between 1 and 1000");
}

static void test_int_range_seed(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"seed = -1\n"
		PROBE,
		"x.ini:3: [experiment] seed: -1 must be between 0 and 9223372036854775807");
}

static void test_bad_duration(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = kill\n"		/* 6 */
		"target = web\n"	/* 7 */
		"at = 5\n"		/* 8 */
		PROBE,
		"x.ini:8: [fault k] at: \"5\" is not a duration (write it like 250ms, 2s or 1m30s)");
}

static void test_duration_range(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		PROBE			/* 3-6 */
		"interval = 0s\n",	/* 7 */
		"x.ini:7: [probe up] interval: 0s must be between 1ms and 60m00s");
}

static void test_bad_percent(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		PROBE			/* 3-6 */
		"tolerance = 101%\n",	/* 7 */
		"x.ini:7: [probe up] tolerance: \"101%\" is not a percentage between 0% and 100%");
}

/* A bare 0.9 may mean 90% or 0.9%: refused, with both spellings. */
static void test_percent_needs_its_sign(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		PROBE			/* 3-6 */
		"tolerance = 0.9\n",	/* 7 */
		"x.ini:7: [probe up] tolerance: \"0.9\" needs a % sign: write 90% or 0.9%");
}

static void test_throttle_cpu_range(void **state)
{
	expect_only(state,
		HEAD
		"[fault t]\n"		/* 5 */
		"type = throttle\n"	/* 6 */
		"target = web\n"	/* 7 */
		"duration = 1s\n"	/* 8 */
		"cpu = 100%\n"		/* 9 */
		PROBE,
		"x.ini:9: [fault t] cpu: 100% must be between 1% and 99%");
}

static void test_throttle_period_range(void **state)
{
	expect_only(state,
		HEAD
		"[fault t]\n"		/* 5 */
		"type = throttle\n"	/* 6 */
		"target = web\n"	/* 7 */
		"duration = 1s\n"	/* 8 */
		"cpu = 50%\n"		/* 9 */
		"period = 5ms\n"	/* 10 */
		PROBE,
		"x.ini:10: [fault t] period: 5ms must be between 10ms and 1.00s");
}

static void test_bad_signal(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = kill\n"		/* 6 */
		"target = web\n"	/* 7 */
		"signal = SIGFOO\n"	/* 8 */
		PROBE,
		"x.ini:8: [fault k] signal: \"SIGFOO\" is not a signal (write SIGKILL, KILL or 9)");
}

static void test_bad_enum(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		PROBE			/* 3-6 */
		"during = sometimes\n",	/* 7 */
		"x.ini:7: [probe up] during: \"sometimes\" is not one of: must-pass, may-fail");
}

static void test_bad_status(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[probe h]\n"
		"type = http\n"
		"url = http://localhost/\n"
		"expect_status = 300-200\n",
		"x.ini:6: [probe h] expect_status: \"300-200\" is not a list of HTTP statuses and ranges (like 200-299,304)");
}

static void test_bad_bool(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[probe h]\n"
		"type = http\n"
		"url = https://localhost/\n"
		"tls_verify = maybe\n",
		"x.ini:6: [probe h] tls_verify: \"maybe\" is not yes or no");
}

static void test_bad_pick(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[target web]\n"
		"process = nginx\n"
		"pick = 0%\n"
		PROBE,
		"x.ini:5: [target web] pick: \"0%\" is not all, a count (2) or a share (30%)");
}

static void test_bad_regex(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[target web]\n"
		"process = nginx\n"
		"cmdline = worker(\n"
		PROBE,
		"x.ini:5: [target web] cmdline: \"worker(\" is not a valid extended regular expression: Unmatched ( or \\(");
}

/* Regression, fixed: a selector given with an invalid value is treated as absent by
 * build_target(), which then also claims that no selector was given. */
static void test_bad_selector_no_cascade(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[target web]\n"
		"cmdline = worker(\n"
		PROBE,
		"x.ini:4: [target web] cmdline: \"worker(\" is not a valid extended regular expression: Unmatched ( or \\(");
}

/* Regression, fixed: an `every` given out of range is treated as absent by build_fault(),
 * which then also reports duration as if every had not been written. */
static void test_bad_every_no_cascade(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = kill\n"		/* 6 */
		"target = web\n"	/* 7 */
		"every = 5ms\n"		/* 8 */
		"duration = 1s\n"	/* 9 */
		PROBE,
		"x.ini:8: [fault k] every: 5ms must be between 10ms and 1440m00s");
}

/* ---- sections ---------------------------------------------------------- */

/* Regression, fixed (each test that says "doubles the colon"): diag_error() always
 * writes ": " after "FILE:" or "FILE:LINE:", so a message without section
 * and key comes out as "x.ini:3:: message" (or "x.ini:: message" without
 * a line) instead of the documented "x.ini:3: message". */

/* Regression, fixed: diag_error() doubles the colon ("x.ini:3:: ...") without section and key. */
static void test_unknown_section_kind_suggestion(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[faults k]\n"
		"type = kill\n"
		PROBE,
		"x.ini:3: unknown section kind \"faults\"; did you mean \"fault\"?");
}

/* Regression, fixed: diag_error() doubles the colon ("x.ini:3:: ...") without section and key. */
static void test_unknown_section_kind_list(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[service web]\n"
		"port = 80\n"
		PROBE,
		"x.ini:3: unknown section kind \"service\"; known: experiment, target, fault, probe, sandbox");
}

static void test_unnamed_section(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[target]\n"
		"process = nginx\n"
		PROBE,
		"x.ini:3: [target]: a [target] section needs a name: [target NAME]");
}

static void test_experiment_with_name(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		PROBE			/* 3-6 */
		"[experiment extra]\n"	/* 7 */
		"name = y\n",
		"x.ini:7: [experiment extra]: [experiment] takes no name");
}

static void test_duplicate_experiment(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		PROBE			/* 3-6 */
		"[experiment]\n"	/* 7 */
		"name = y\n",
		"x.ini:7: [experiment]: duplicate [experiment] section (first on line 1)");
}

/* Regression, fixed: build() finds duplicate sections by comparing the raw header
 * text, so "[target  web]" (two spaces, or a tab) is not caught as a
 * second [target web]: two targets named "web" load, and every reference
 * to "web" silently resolves to the first. */
static void test_duplicate_section_whitespace(void **state)
{
	expect_only(state,
		HEAD
		"[target  web]\n"	/* 5: the same after splitting */
		"process = apache\n"
		PROBE,
		"x.ini:5: [target web]: duplicate section (first on line 3)");
}

static void test_duplicate_section_exact(void **state)
{
	expect_only(state,
		HEAD
		PROBE			/* 5-8 */
		"[probe up]\n"		/* 9 */
		"type = tcp\n"
		"host = ::1\n"
		"port = 81\n",
		"x.ini:9: [probe up]: duplicate section (first on line 5)");
}

/* Regression, fixed: diag_error() doubles the colon ("x.ini:3:: ...") without section and key. */
static void test_missing_experiment(void **state)
{
	expect_only(state,
		PROBE,
		"x.ini: missing [experiment] section (with at least name = ...)");
}

/* Regression, fixed: diag_error() doubles the colon ("x.ini:3:: ...") without section and key. */
static void test_no_probe(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"
		"type = kill\n"
		"target = web\n",
		"x.ini: no [probe NAME] section: an experiment needs at least one probe to judge recovery");
}

/* ---- types ------------------------------------------------------------- */

static void test_unknown_fault_type_suggestion(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = pasue\n"	/* 6 */
		"target = web\n"
		"duration = 1s\n"
		"cpu = 20%\n"		/* a key of another type: not judged */
		PROBE,
		"x.ini:6: [fault k] type: unknown fault type \"pasue\"; did you mean \"pause\"?");
}

static void test_unknown_fault_type_list(void **state)
{
	struct sbuf want = { 0 };

	/* every registered type, in faults.def order */
	sbuf_add(&want, "x.ini:6: [fault k] type: unknown fault type \"netem\"; known: ");
	for (size_t i = 0; fault_types[i]; i++)
		sbuf_addf(&want, "%s%s", i ? ", " : "", fault_types[i]->name);
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = netem\n"	/* 6 */
		"target = web\n"
		PROBE,
		keep(sbuf_take(&want)));
}

static void test_unknown_probe_type_suggestion(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[probe h]\n"
		"type = htp\n"
		"url = http://localhost/\n",
		"x.ini:4: [probe h] type: unknown probe type \"htp\"; did you mean \"http\"?");
}

static void test_unknown_probe_type_list(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[probe h]\n"
		"type = dns\n"
		"service = x\n",
		"x.ini:4: [probe h] type: unknown probe type \"dns\"; known: http, tcp, exec, process, prometheus, alertmanager");
}

/* ---- references -------------------------------------------------------- */

static void test_fault_target_unknown_suggestion(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = kill\n"		/* 6 */
		"target = webb\n"	/* 7 */
		PROBE,
		"x.ini:7: [fault k] target: unknown target \"webb\"; did you mean \"web\"?");
}

static void test_fault_target_unknown_list(void **state)
{
	expect_only(state,
		HEAD
		"[target db]\n"		/* 5 */
		"process = postgres\n"
		"[fault k]\n"		/* 7 */
		"type = kill\n"
		"target = cache\n"	/* 9 */
		PROBE,
		"x.ini:9: [fault k] target: unknown target \"cache\"; known: web, db");
}

static void test_fault_target_missing(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = kill\n"
		PROBE,
		"x.ini:5: [fault k] target: missing required key");
}

static void test_probe_target_unknown(void **state)
{
	expect_only(state,
		HEAD
		"[probe pr]\n"		/* 5 */
		"type = process\n"
		"target = nginx\n",	/* 7 */
		"x.ini:7: [probe pr] target: unknown target \"nginx\"; known: web");
}

/* Regression, fixed: a process probe without target gets "missing required key" twice:
 * once from check_section() (the key is OPT_REQUIRED in the process
 * table) and once more from resolve_target(required = true). */
static void test_probe_target_missing_once(void **state)
{
	expect_only(state,
		HEAD
		"[probe pr]\n"		/* 5 */
		"type = process\n",
		"x.ini:5: [probe pr] target: missing required key");
}

/* ---- targets ----------------------------------------------------------- */

static void test_target_no_selector(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[target web]\n"	/* 3 */
		"pick = 2\n"
		PROBE,
		"x.ini:3: [target web]: a target needs at least one of pid, pidfile, process, cmdline, cgroup, command, within or netns");
}

static void test_target_pid_1(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[target init]\n"
		"pid = 1\n"		/* 4 */
		PROBE,
		"x.ini:4: [target init] pid: Erebus refuses to act on pid 1 (init)");
}

static void test_target_pid_range(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[target web]\n"
		"process = nginx\n"
		"pid = 4194305\n"	/* 5 */
		PROBE,
		"x.ini:5: [target web] pid: 4194305 must be between 1 and 4194304");
}

static void test_target_process_too_long(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[target web]\n"
		"process = nginx-worker-process\n"	/* 4: 20 characters */
		PROBE,
		"x.ini:4: [target web] process: \"nginx-worker-process\" is longer than 15 characters, the most a process name (comm) holds; use cmdline to match longer names");
}

static void test_target_process_15_ok(void **state)
{
	struct fx *f = *state;

	load_ok(f,
		"[experiment]\n"
		"name = x\n"
		"[target web]\n"
		"process = abcdefghijklmno\n"
		PROBE);
	assert_string_equal(experiment_target(f->x, "web")->process, "abcdefghijklmno");
}

static void test_target_command_and_pid(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[target app]\n"
		"pid = 1234\n"
		"command = sleep 30\n"	/* 5 */
		PROBE,
		"x.ini:5: [target app] command: command cannot be combined with pid or pidfile (Erebus launches the process itself)");
}

static void test_target_command_and_pidfile(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[target app]\n"
		"command = sleep 30\n"	/* 4 */
		"pidfile = /run/app.pid\n"
		PROBE,
		"x.ini:4: [target app] command: command cannot be combined with pid or pidfile (Erebus launches the process itself)");
}

static void test_target_command_unbalanced(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[target app]\n"
		"command = sh -c 'sleep 30\n"	/* 4 */
		PROBE,
		"x.ini:4: [target app] command: cannot split \"sh -c 'sleep 30\" into words (unbalanced quote?)");
}

static void test_within_unknown(void **state)
{
	expect_only(state,
		HEAD
		"[target w]\n"		/* 5 */
		"within = ap\n"		/* 6 */
		"process = worker\n"
		"[target app]\n"
		"command = sleep 30\n"
		PROBE,
		"x.ini:6: [target w] within: unknown target \"ap\"; did you mean \"app\"?");
}

static void test_within_unknown_list(void **state)
{
	expect_only(state,
		HEAD
		"[target w]\n"		/* 5 */
		"within = supervisor\n"	/* 6 */
		PROBE,
		"x.ini:6: [target w] within: unknown target \"supervisor\"; known: web, w");
}

static void test_within_without_command(void **state)
{
	expect_only(state,
		HEAD
		"[target w]\n"		/* 5 */
		"within = web\n"	/* 6 */
		"process = worker\n"
		PROBE,
		"x.ini:6: [target w] within: [target web] has no command; within names a target Erebus launches");
}

static void test_within_with_own_command(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[target app]\n"
		"command = sleep 30\n"
		"[target w]\n"		/* 5 */
		"command = sleep 40\n"
		"within = app\n"	/* 7 */
		PROBE,
		"x.ini:7: [target w] within: a target with its own command cannot also be within another");
}

/* ---- fault timing ------------------------------------------------------ */

static void test_every_on_lasting_fault(void **state)
{
	expect_only(state,
		HEAD
		"[fault p]\n"		/* 5 */
		"type = pause\n"
		"target = web\n"
		"duration = 2s\n"
		"every = 1s\n"		/* 9 */
		PROBE,
		"x.ini:9: [fault p] every: only instant faults (like kill) repeat; a pause fault lasts its duration");
}

static void test_every_without_duration(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = kill\n"
		"target = web\n"
		"every = 1s\n"		/* 8 */
		PROBE,
		"x.ini:8: [fault k] every: every needs duration, which bounds the repetitions");
}

static void test_duration_on_kill_without_every(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = kill\n"
		"target = web\n"
		"duration = 10s\n"	/* 8 */
		PROBE,
		"x.ini:8: [fault k] duration: a kill fault acts once; add every to repeat it for this duration, or remove duration");
}

static void test_every_longer_than_duration(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = kill\n"
		"target = web\n"
		"duration = 1s\n"
		"every = 1500ms\n"	/* 9 */
		PROBE,
		"x.ini:9: [fault k] every: every (1500ms) is longer than duration (1s): it would never repeat");
}

static void test_pause_without_duration(void **state)
{
	expect_only(state,
		HEAD
		"[fault p]\n"		/* 5 */
		"type = pause\n"
		"target = web\n"
		PROBE,
		"x.ini:5: [fault p] duration: missing required key (a pause fault lasts a while)");
}

static void test_throttle_without_duration_and_cpu(void **state)
{
	struct fx *f = *state;

	load_fail(f,
		HEAD
		"[fault t]\n"		/* 5 */
		"type = throttle\n"
		"target = web\n"
		PROBE);
	assert_diag_has(&f->d, "x.ini:5: [fault t] cpu: missing required key");
	assert_diag_has(&f->d, "x.ini:5: [fault t] duration: missing required key (a throttle fault lasts a while)");
	assert_int_equal(f->d.n, 2);
}

static void test_kill_signal_stop(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = kill\n"
		"target = web\n"
		"signal = STOP\n"	/* 8 */
		PROBE,
		"x.ini:8: [fault k] signal: STOP would leave the process stopped; use a pause fault, which resumes it");
}

static void test_kill_signal_tstp_by_number(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = kill\n"
		"target = web\n"
		"signal = 20\n"		/* 8: SIGTSTP */
		PROBE,
		"x.ini:8: [fault k] signal: 20 would leave the process stopped; use a pause fault, which resumes it");
}

static void test_kill_signal_cont(void **state)
{
	expect_only(state,
		HEAD
		"[fault k]\n"		/* 5 */
		"type = kill\n"
		"target = web\n"
		"signal = SIGCONT\n"	/* 8 */
		PROBE,
		"x.ini:8: [fault k] signal: SIGCONT is not a fault");
}

/* ---- http probe checks ------------------------------------------------- */

#define HTTP_HEAD                                                              \
	"[experiment]\n"                                                       \
	"name = x\n"                                                           \
	"[probe h]\n"                                                          \
	"type = http\n"

static void test_http_url_scheme(void **state)
{
	expect_only(state,
		HTTP_HEAD
		"url = ftp://localhost/\n",	/* 5 */
		"x.ini:5: [probe h] url: \"ftp://localhost/\" is not an http:// or https:// URL; the http probe speaks only those two");
}

static void test_http_url_invalid(void **state)
{
	expect_only(state,
		HTTP_HEAD
		"url = http://[::1/\n",		/* 5 */
		"x.ini:5: [probe h] url: \"http://[::1/\" is not a valid URL: Bad IPv6 address");
}

static void test_http_url_missing(void **state)
{
	expect_only(state,
		HTTP_HEAD
		"method = GET\n",
		"x.ini:3: [probe h] url: missing required key");
}

static void test_http_method(void **state)
{
	expect_only(state,
		HTTP_HEAD
		"url = http://localhost/\n"
		"method = GET /\n",		/* 6 */
		"x.ini:6: [probe h] method: \"GET /\" is not an HTTP method; write one word such as GET, POST or HEAD");
}

static void test_http_header(void **state)
{
	expect_only(state,
		HTTP_HEAD
		"url = http://localhost/\n"
		"headers = X-Ok: 1\n"
		"headers = no colon here\n",	/* 7 */
		"x.ini:7: [probe h] headers: expected \"Name: value\", got \"no colon here\"");
}

static void test_http_expect_body_regex(void **state)
{
	expect_only(state,
		HTTP_HEAD
		"url = http://localhost/\n"
		"expect_body = /ok(/\n",		/* 6 */
		"x.ini:6: [probe h] expect_body: regular expression /ok(/ is not a valid extended regular expression: Unmatched ( or \\(");
}

static void test_http_expect_body_empty_regex(void **state)
{
	expect_only(state,
		HTTP_HEAD
		"url = http://localhost/\n"
		"expect_body = //\n",		/* 6 */
		"x.ini:6: [probe h] expect_body: empty regular expression //: write a pattern between the slashes");
}

static void test_http_head_with_body_check(void **state)
{
	expect_only(state,
		HTTP_HEAD
		"url = http://localhost/\n"
		"method = HEAD\n"
		"expect_body = ok\n",		/* 7 */
		"x.ini:7: [probe h] expect_body: a HEAD response has no body to check; use method = GET");
}

static void test_http_max_latency(void **state)
{
	expect_only(state,
		HTTP_HEAD
		"url = http://localhost/\n"
		"timeout = 500ms\n"
		"max_latency = 500ms\n",		/* 7 */
		"x.ini:7: [probe h] max_latency: max_latency 500ms is not below timeout 500ms, so it could never fail a sample; raise timeout or lower max_latency");
}

/* ---- network faults' check hooks ----------------------------------------- */

/* Lines 1-8: a target and a fault of TYPE on eth0 lasting 5s. */
#define NET_FAULT(type)                                                        \
	HEAD                                                                   \
	"[fault n]\n"                                                          \
	"type = " type "\n"                                                    \
	"target = web\n"                                                       \
	"duration = 5s\n"

static void test_delay_distribution_needs_jitter(void **state)
{
	expect_only(state,
		NET_FAULT("delay")
		"interface = eth0\n"
		"delay = 100ms\n"
		"distribution = normal\n"	/* 11 */
		PROBE,
		"x.ini:11: [fault n] distribution: distribution normal needs a jitter: netem spreads delays over delay +/- jitter");
}

static void test_delay_correlation_needs_jitter(void **state)
{
	expect_only(state,
		NET_FAULT("delay")
		"interface = eth0\n"
		"delay = 100ms\n"
		"correlation = 25%\n"		/* 11 */
		PROBE,
		"x.ini:11: [fault n] correlation: a delay correlation needs a jitter: without one every packet gets the same delay");
}

static void test_loss_model_needs_its_key(void **state)
{
	expect_only(state,
		NET_FAULT("loss")
		"interface = eth0\n"
		"model = gemodel\n"		/* 10 */
		PROBE,
		"x.ini:10: [fault n] p: model gemodel needs p");
}

static void test_loss_key_of_another_model(void **state)
{
	expect_only(state,
		NET_FAULT("loss")
		"interface = eth0\n"
		"percent = 5%\n"
		"p13 = 10%\n"			/* 11 */
		PROBE,
		"x.ini:11: [fault n] p13: p13 belongs to model = state (the model is random unless you set it)");
}

static void test_rate_not_a_rate(void **state)
{
	expect_only(state,
		NET_FAULT("rate")
		"interface = eth0\n"
		"rate = 1000\n"			/* 10 */
		PROBE,
		"x.ini:10: [fault n] rate: \"1000\" is not a rate (write it as tc does: 1mbit, 500kbit, 10mbps)");
}

static void test_rate_out_of_range(void **state)
{
	expect_only(state,
		NET_FAULT("rate")
		"interface = eth0\n"
		"rate = 4bit\n"			/* 10 */
		PROBE,
		"x.ini:10: [fault n] rate: 4bit is out of range: from 8bit to 17gbit");
}

/* From 2^63 on a rate or size is refused where it was written (it was
 * silently 2^63). */
static void test_rate_too_large(void **state)
{
	expect_only(state,
		NET_FAULT("rate")
		"interface = eth0\n"
		"rate = 10000000tbit\n"		/* 10 */
		PROBE,
		"x.ini:10: [fault n] rate: \"10000000tbit\" is too large: a rate is at most 9223372036854775807 bit");
}

static void test_rate_limit_too_large(void **state)
{
	expect_only(state,
		NET_FAULT("rate")
		"interface = eth0\n"
		"rate = 1mbit\n"
		"limit = 8589934592g\n"		/* 11 */
		PROBE,
		"x.ini:11: [fault n] limit: \"8589934592g\" is too large: a size is at most 9223372036854775807 bytes");
}

static void test_rate_burst_not_a_size(void **state)
{
	expect_only(state,
		NET_FAULT("rate")
		"interface = eth0\n"
		"rate = 1mbit\n"
		"burst = lots\n"		/* 11 */
		PROBE,
		"x.ini:11: [fault n] burst: \"lots\" is not a size (like 1500, 32kb or 1mb)");
}

static void test_rate_burst_out_of_range(void **state)
{
	expect_only(state,
		NET_FAULT("rate")
		"interface = eth0\n"
		"rate = 1mbit\n"
		"burst = 63b\n"			/* 11 */
		PROBE,
		"x.ini:11: [fault n] burst: 63b is out of range: from 64b to 2gb");
}

static void test_rate_limit_out_of_range(void **state)
{
	expect_only(state,
		NET_FAULT("rate")
		"interface = eth0\n"
		"rate = 1mbit\n"
		"limit = 3gb\n"			/* 11 */
		PROBE,
		"x.ini:11: [fault n] limit: 3gb is out of range: from 64b to 2gb");
}

static void test_rate_limit_below_burst(void **state)
{
	expect_only(state,
		NET_FAULT("rate")
		"interface = eth0\n"
		"rate = 1mbit\n"
		"burst = 32kb\n"
		"limit = 16kb\n"		/* 12 */
		PROBE,
		"x.ini:12: [fault n] limit: limit 16kb is below burst 32kb: the queue must hold at least one burst");
}

static void test_reorder_needs_delay(void **state)
{
	expect_only(state,
		NET_FAULT("reorder")
		"interface = eth0\n"
		"percent = 25%\n"		/* 10 */
		PROBE,
		"x.ini:10: [fault n] delay: reordering not possible without a delay: add delay = 10ms (say), the delay of the packets that are not sent at once");
}

static void test_interface_name_too_long(void **state)
{
	expect_only(state,
		NET_FAULT("rate")
		"interface = a-sixteen-chars0\n"	/* 9 */
		"rate = 1mbit\n"
		PROBE,
		"x.ini:9: [fault n] interface: \"a-sixteen-chars0\" is not an interface name (at most 15 characters, no spaces or /)");
}

static void test_interface_name_with_slash(void **state)
{
	expect_only(state,
		NET_FAULT("rate")
		"interface = eth0/1\n"		/* 9 */
		"rate = 1mbit\n"
		PROBE,
		"x.ini:9: [fault n] interface: \"eth0/1\" is not an interface name (at most 15 characters, no spaces or /)");
}

/* ---- targets naming only a network namespace ---------------------------- */

#define NETNS_ONLY                                                             \
	"[experiment]\n"                                                       \
	"name = x\n"                                                           \
	"[target ns]\n"                                                        \
	"netns = blue\n"

static void test_netns_only_target_process_fault(void **state)
{
	expect_only(state,
		NETNS_ONLY
		"[fault p]\n"
		"type = pause\n"
		"target = ns\n"			/* 7 */
		"duration = 5s\n"
		PROBE,
		"x.ini:7: [fault p] target: [target ns] names only a network namespace; a pause fault acts on processes");
}

static void test_netns_only_target_process_probe(void **state)
{
	expect_only(state,
		NETNS_ONLY
		"[probe pr]\n"
		"type = process\n"
		"target = ns\n",		/* 7 */
		"x.ini:7: [probe pr] target: [target ns] names only a network namespace; a process probe counts processes");
}

/* ---- probe keys common to every type ------------------------------------- */

static void test_probe_halt(void **state)
{
	expect_only(state,
		HEAD PROBE
		"halt = soon\n",		/* 9 */
		"x.ini:9: [probe up] halt: \"soon\" is not yes, no or a duration (halt = yes, or halt = 1s)");
}

/* ---- detectors (expect = detect) ----------------------------------------- */

#define KILL_WEB                                                               \
	"[fault kill-web]\n"                                                   \
	"type = kill\n"                                                        \
	"target = web\n"

static void test_detector(void **state)
{
	struct fx *f = *state;
	struct experiment *x = load_ok(f,
		HEAD KILL_WEB
		"[fault pause-web]\n"
		"type = pause\n"
		"target = web\n"
		"duration = 1s\n"
		PROBE
		"expect = detect\n"
		"detect_within = 30s\n"
		"detects = pause-web\n"
		"[probe svc]\n"
		"type = tcp\n"
		"host = 127.0.0.1\n"
		"port = 81\n"
		"recover_within = 7s\n"
		"[probe all]\n"
		"type = tcp\n"
		"host = 127.0.0.1\n"
		"port = 82\n"
		"recover_within = 9s\n"
		"expect = detect\n"
		"detect_within = 1m\n"
		"clear_within = 2m\n");

	assert_true(x->probes[0].detector);
	assert_int_equal(x->probes[0].detect_within_us, 30 * USEC_PER_SEC);
	assert_int_equal(x->probes[0].clear_within_us, 30 * USEC_PER_SEC);	/* recover_within's default */
	assert_int_equal(x->probes[0].during, DURING_MAY_FAIL);
	assert_false(probe_detects(&x->probes[0], 0));
	assert_true(probe_detects(&x->probes[0], 1));
	assert_false(x->probes[1].detector);
	assert_false(probe_detects(&x->probes[1], 0));
	assert_true(probe_detects(&x->probes[2], 0) && probe_detects(&x->probes[2], 1));
	assert_int_equal(x->probes[2].clear_within_us, 120 * USEC_PER_SEC);
}

static void test_detector_needs_detect_within(void **state)
{
	expect_only(state,
		HEAD KILL_WEB PROBE
		"expect = detect\n",		/* 12 */
		"x.ini:12: [probe up] detect_within: missing required key (expect = detect: how soon monitoring must notice a fault)");
}

static void test_detector_keys_need_expect_detect(void **state)
{
	expect_only(state,
		HEAD KILL_WEB PROBE
		"clear_within = 3s\n",		/* 12 */
		"x.ini:12: [probe up] clear_within: only for a detector: add expect = detect, or remove clear_within");
}

static void test_detector_refuses_tolerance(void **state)
{
	expect_only(state,
		HEAD KILL_WEB PROBE
		"expect = detect\n"
		"detect_within = 1s\n"
		"tolerance = 90%\n",		/* 14 */
		"x.ini:14: [probe up] tolerance: a detector (expect = detect) is meant to fire: tolerance does not apply to it");
}

static void test_detects_names_a_fault(void **state)
{
	expect_only(state,
		HEAD KILL_WEB PROBE
		"expect = detect\n"
		"detect_within = 1s\n"
		"detects = kill-wbe\n",		/* 14 */
		"x.ini:14: [probe up] detects: unknown fault \"kill-wbe\"; did you mean \"kill-web\"?");
}

static void test_detects_names_a_fault_unlike_any(void **state)
{
	expect_only(state,
		HEAD KILL_WEB PROBE
		"expect = detect\n"
		"detect_within = 1s\n"
		"detects = zzz\n",		/* 14 */
		"x.ini:14: [probe up] detects: unknown fault \"zzz\"; known: kill-web");
}

static void test_percent_needs_its_sign_above_one(void **state)
{
	expect_only(state,
		HEAD PROBE
		"tolerance = 5\n",		/* 9 */
		"x.ini:9: [probe up] tolerance: \"5\" needs a % sign: write 5%");
}

/* ---- [sandbox] and ${host.NAME} ------------------------------------------ */

/* Regression, fixed: an IPv6 subnet was reported, then used anyway, and
 * "1 hosts do not fit in a /64" followed (after a shift by -32). */
static void test_sandbox_bad_subnet(void **state)
{
	expect_only(state,
		"[sandbox]\n"
		"hosts = web\n"
		"subnet = fd00::/64\n"		/* 3 */
		HEAD PROBE,
		"x.ini:3: [sandbox] subnet: \"fd00::/64\" is not an IPv4 network like 10.237.0.0/24");
}

static void test_sandbox_bad_host_name(void **state)
{
	expect_only(state,
		"[sandbox]\n"
		"hosts = web db.1\n"		/* 2 */
		HEAD PROBE,
		"x.ini:2: [sandbox] hosts: \"db.1\" is not a host name (letters, digits, - and _, at most 32)");
}

static void test_sandbox_host_named_twice(void **state)
{
	expect_only(state,
		"[sandbox]\n"
		"hosts = web, db, web\n"	/* 2 */
		HEAD PROBE,
		"x.ini:2: [sandbox] hosts: host \"web\" is named twice");
}

static void test_sandbox_hosts_do_not_fit(void **state)
{
	expect_only(state,
		"[sandbox]\n"
		"hosts = a b c\n"		/* 2 */
		"subnet = 10.1.0.0/30\n"
		HEAD PROBE,
		"x.ini:2: [sandbox] hosts: 3 hosts do not fit in a /30, which has room for 2");
}

/* A /32 has no room at all (not "1 hosts"); a /0 holds every address. */
static void test_sandbox_host_does_not_fit(void **state)
{
	expect_only(state,
		"[sandbox]\n"
		"hosts = a\n"			/* 2 */
		"subnet = 10.1.0.1/32\n"
		HEAD PROBE,
		"x.ini:2: [sandbox] hosts: 1 host does not fit in a /32, which has room for 0");
}

static void test_sandbox_host_needs_command(void **state)
{
	expect_only(state,
		"[sandbox]\n"
		"hosts = web\n"
		"[experiment]\n"
		"name = x\n"
		"[target web]\n"		/* 5 */
		"process = nginx\n"
		"host = web\n"			/* 7 */
		PROBE,
		"x.ini:7: [target web] host: host needs command: Erebus launches the command inside the sandbox host");
}

/* ---- user = (launched commands and exec probes) ---------------------- */

static void test_user_by_name_and_uid(void **state)
{
	struct fx *f = *state;
	struct experiment *x = load_ok(f,
		"[experiment]\n"
		"name = x\n"
		"[target web]\n"
		"command = sleep 100\n"
		"user = nobody\n"
		"[probe up]\n"
		"type = exec\n"
		"command = true\n"
		"user = 0\n");

	assert_string_equal(x->targets[0].user, "nobody");
	assert_int_equal(section_get(x->targets[0].sec, "user")->i, 65534);
	assert_int_equal(section_get(x->probes[0].sec, "user")->i, 0);
}

static void test_target_unknown_user(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[target web]\n"
		"command = sleep 100\n"
		"user = erebus-no-such-user\n"	/* 5 */
		PROBE,
		"x.ini:5: [target web] user: \"erebus-no-such-user\" is not a user on this machine (a name or uid in the user database, like nobody)");
}

static void test_exec_probe_unknown_uid(void **state)
{
	expect_only(state,
		HEAD
		"[probe up]\n"
		"type = exec\n"
		"command = true\n"
		"user = 4000000000\n",		/* 8 */
		"x.ini:8: [probe up] user: \"4000000000\" is not a user on this machine (a name or uid in the user database, like nobody)");
}

static void test_user_needs_command(void **state)
{
	expect_only(state,
		HEAD
		"user = nobody\n"		/* 5 */
		PROBE,
		"x.ini:5: [target web] user: user needs command: it is who the command Erebus launches runs as");
}

static void test_sandbox_unknown_host_suggestion(void **state)
{
	expect_only(state,
		"[sandbox]\n"
		"hosts = web client\n"
		HEAD PROBE
		"from = clinet\n",		/* 11 */
		"x.ini:11: [probe up] from: unknown sandbox host \"clinet\"; did you mean \"client\"?");
}

static void test_sandbox_unknown_host_list(void **state)
{
	expect_only(state,
		"[sandbox]\n"
		"hosts = web client\n"
		HEAD PROBE
		"from = elsewhere\n",		/* 11 */
		"x.ini:11: [probe up] from: unknown sandbox host \"elsewhere\"; known: web, client");
}

static void test_host_reference_unterminated(void **state)
{
	expect_only(state,
		"[sandbox]\n"
		"hosts = web\n"
		HEAD
		"[probe up]\n"
		"type = tcp\n"
		"host = ${host.web\n"		/* 9 */
		"port = 80\n",
		"x.ini:9: [probe up] host: unterminated ${host.NAME}");
}

static void test_host_reference_without_sandbox(void **state)
{
	expect_only(state,
		HEAD
		"[probe up]\n"
		"type = tcp\n"
		"host = ${host.web}\n"		/* 7 */
		"port = 80\n",
		"x.ini:7: [probe up] host: ${host.web} names a sandbox host, but there is no [sandbox] section");
}

/* ---- section headers ----------------------------------------------------- */

/* Regression, fixed: the keys after an unclosed header were reported as
 * unknown keys of the section before it; now they are dropped, as after a
 * header that is too long. */
static void test_section_header_unclosed(void **state)
{
	expect_only(state,
		HEAD
		"[probe up\n"			/* 5 */
		"type = tcp\n"
		"[probe up2]\n"
		"type = tcp\n"
		"host = 127.0.0.1\n"
		"port = 80\n",
		"x.ini:5: section header without a closing ]");
}

static void test_section_name_one_word(void **state)
{
	expect_only(state,
		HEAD
		"[target my web]\n"		/* 5 */
		"process = nginx\n"
		PROBE,
		"x.ini:5: [target my web]: a section name is one word (letters, digits, - and _): \"my web\"");
}

/* ---- syntax ------------------------------------------------------------ */

/* Regression, fixed: diag_error() doubles the colon ("x.ini:3:: ...") without section and key. */
static void test_unparseable_line(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"this line has no equals sign\n"	/* 3 */
		PROBE,
		"x.ini:3: cannot read this line: expected [section], key = value, or a comment");
}

/* Regression, fixed: ini_parse_stream() only returns the line of the first error, so a
 * second unreadable line is never reported, against "one run shows all
 * of them" (src/model/experiment.c). */
static void test_unparseable_lines_all_reported(void **state)
{
	struct fx *f = *state;

	load_fail(f,
		"[experiment]\n"
		"name = x\n"
		"first bad line\n"	/* 3 */
		PROBE			/* 4-7 */
		"second bad line\n");	/* 8 */
	assert_int_equal(f->d.n, 2);
	assert_diag_has(&f->d, "x.ini:3: cannot read this line: expected [section], key = value, or a comment");
	assert_diag_has(&f->d, "x.ini:8: cannot read this line: expected [section], key = value, or a comment");
}

/* inih's line buffer (INI_MAX_LINE, 200 in Debian's libinih) holds 198
 * characters, the newline and the NUL. */
static char *long_line_text(size_t value_len)
{
	_cleanup_free_ char *v = xmalloc(value_len + 1);

	memset(v, 'a', value_len);
	v[value_len] = '\0';
	return xasprintf("[experiment]\nname = x\ndescription = %s\n" PROBE, v);
}

/* Regression, fixed: diag_error() doubles the colon ("x.ini:3:: ...") without section and key. */
static void test_line_too_long(void **state)
{
	char *text = keep(long_line_text(199 - strlen("description = ")));

	expect_only(state, text, "x.ini:3: line is longer than 198 characters; shorten it");
}

static void test_line_longest_allowed(void **state)
{
	struct fx *f = *state;
	char *text = keep(long_line_text(198 - strlen("description = ")));

	load_ok(f, text);
	assert_int_equal(strlen(f->x->description), 198 - strlen("description = "));
}

/* Regression, fixed: diag_error() doubles the colon ("x.ini:3:: ...") without section and key. */
static void test_section_header_too_long(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[target aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n"	/* 3: 49 inside */
		PROBE,
		"x.ini:3: section header is longer than 48 characters; use a shorter name");
}

/* Regression, fixed: the keys under a refused over-long header are not dropped with it:
 * read_line() records no section, so on_value() files them under the
 * section before ([experiment] here), which then reports them as unknown
 * keys of [experiment]. (Also the doubled colon of diag_error().) */
static void test_section_header_too_long_keys_dropped(void **state)
{
	expect_only(state,
		"[experiment]\n"
		"name = x\n"
		"[target aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n"	/* 3 */
		"process = nginx\n"
		PROBE,
		"x.ini:3: section header is longer than 48 characters; use a shorter name");
}

static void test_section_header_48_ok(void **state)
{
	struct fx *f = *state;

	load_ok(f,
		"[experiment]\n"
		"name = x\n"
		"[target aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n"	/* 48 inside */
		"process = nginx\n"
		PROBE);
	assert_int_equal(f->x->n_targets, 1);
}

static void test_key_outside_section(void **state)
{
	expect_only(state,
		"name = x\n"
		"seed = 1\n"
		"[experiment]\n"
		"name = x\n"
		PROBE,
		"x.ini:1: name: key outside any section; start the file with [experiment]");
}

/* ---- experiment_load (files) ------------------------------------------- */

static char *write_temp(struct fx *f, const char *data, size_t len)
{
	char tmpl[] = "/tmp/erebus-test-XXXXXX";
	int fd = mkstemp(tmpl);

	assert_true(fd >= 0);
	f->path = xstrdup(tmpl);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return f->path;
}

static void test_load_file(void **state)
{
	struct fx *f = *state;
	const char *path = write_temp(f, full_text, strlen(full_text));

	assert_int_equal(experiment_load(path, &catalog_builtin, &f->d, &f->x), 0);
	assert_int_equal(f->d.n, 0);
	assert_string_equal(f->x->file, path);
	assert_string_equal(f->x->name, "full");
}

static void test_load_file_errors_name_the_file(void **state)
{
	struct fx *f = *state;
	static const char text[] = "[experiment]\nname = x\n" PROBE "interval = 1\n";
	const char *path = write_temp(f, text, strlen(text));
	char *want = keep(xasprintf("%s:7: [probe up] interval: \"1\" is not a duration (write it like 250ms, 2s or 1m30s)", path));

	assert_int_equal(experiment_load(path, &catalog_builtin, &f->d, &f->x), -EINVAL);
	assert_ptr_equal(f->x, &untouched);
	assert_int_equal(f->d.n, 1);
	assert_string_equal(f->d.msgs[0], want);
}

/* Regression, fixed: diag_error() doubles the colon ("x.ini:3:: ...") without section and key. */
static void test_load_missing_file(void **state)
{
	struct fx *f = *state;

	assert_int_equal(experiment_load("/nonexistent/erebus/x.ini", &catalog_builtin, &f->d, &f->x), -ENOENT);
	assert_ptr_equal(f->x, &untouched);
	assert_int_equal(f->d.n, 1);
	assert_string_equal(f->d.msgs[0], "/nonexistent/erebus/x.ini: cannot read: No such file or directory");
}

/* Regression, fixed: diag_error() doubles the colon ("x.ini:3:: ...") without section and key. */
static void test_load_nul_bytes(void **state)
{
	struct fx *f = *state;
	static const char text[] = "[experiment]\nname = x\0y\n";
	const char *path = write_temp(f, text, sizeof(text) - 1);
	char *want = keep(xasprintf("%s: file contains NUL bytes; is it a text file?", path));

	assert_int_equal(experiment_load(path, &catalog_builtin, &f->d, &f->x), -EINVAL);
	assert_ptr_equal(f->x, &untouched);
	assert_int_equal(f->d.n, 1);
	assert_string_equal(f->d.msgs[0], want);
}

static void test_load_file_too_large(void **state)
{
	struct fx *f = *state;
	size_t len = (1 << 20) + 1;
	char *text = keep(xcalloc(1, len));
	const char *path;
	char *want;

	memset(text, '#', len);
	path = write_temp(f, text, len);
	want = keep(xasprintf("%s: file is larger than 1 MiB", path));
	assert_int_equal(experiment_load(path, &catalog_builtin, &f->d, &f->x), -EFBIG);
	assert_ptr_equal(f->x, &untouched);
	assert_int_equal(f->d.n, 1);
	assert_string_equal(f->d.msgs[0], want);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_valid_full),
		T(test_user_by_name_and_uid),
		T(test_target_unknown_user),
		T(test_exec_probe_unknown_uid),
		T(test_user_needs_command),
		T(test_valid_seed_and_steady),
		T(test_continuation_line),
		T(test_comments_bom_and_inline),
		T(test_window),
		T(test_sandbox_subnet_sizes),
		T(test_several_errors_one_pass),
		T(test_unknown_key_suggestion),
		T(test_unknown_key_suggestion_type_specific),
		T(test_unknown_key_list),
		T(test_unknown_key_suggestion_when_type_missing),
		T(test_duplicate_key),
		T(test_empty_value),
		T(test_missing_required_key),
		T(test_annotate_url),
		T(test_annotate_not_http),
		T(test_annotate_space),
		T(test_annotate_no_host),
		T(test_missing_required_type_key),
		T(test_missing_fault_type),
		T(test_bad_int),
		T(test_int_range),
		T(test_int_range_seed),
		T(test_bad_duration),
		T(test_duration_range),
		T(test_bad_percent),
		T(test_percent_needs_its_sign),
		T(test_throttle_cpu_range),
		T(test_throttle_period_range),
		T(test_bad_signal),
		T(test_bad_enum),
		T(test_bad_status),
		T(test_bad_bool),
		T(test_bad_pick),
		T(test_bad_regex),
		T(test_bad_selector_no_cascade),
		T(test_bad_every_no_cascade),
		T(test_unknown_section_kind_suggestion),
		T(test_unknown_section_kind_list),
		T(test_unnamed_section),
		T(test_experiment_with_name),
		T(test_duplicate_experiment),
		T(test_duplicate_section_whitespace),
		T(test_duplicate_section_exact),
		T(test_missing_experiment),
		T(test_no_probe),
		T(test_unknown_fault_type_suggestion),
		T(test_unknown_fault_type_list),
		T(test_unknown_probe_type_suggestion),
		T(test_unknown_probe_type_list),
		T(test_fault_target_unknown_suggestion),
		T(test_fault_target_unknown_list),
		T(test_fault_target_missing),
		T(test_probe_target_unknown),
		T(test_probe_target_missing_once),
		T(test_target_no_selector),
		T(test_target_pid_1),
		T(test_target_pid_range),
		T(test_target_process_too_long),
		T(test_target_process_15_ok),
		T(test_target_command_and_pid),
		T(test_target_command_and_pidfile),
		T(test_target_command_unbalanced),
		T(test_within_unknown),
		T(test_within_unknown_list),
		T(test_within_without_command),
		T(test_within_with_own_command),
		T(test_every_on_lasting_fault),
		T(test_every_without_duration),
		T(test_duration_on_kill_without_every),
		T(test_every_longer_than_duration),
		T(test_pause_without_duration),
		T(test_throttle_without_duration_and_cpu),
		T(test_kill_signal_stop),
		T(test_kill_signal_tstp_by_number),
		T(test_kill_signal_cont),
		T(test_http_url_scheme),
		T(test_http_url_invalid),
		T(test_http_url_missing),
		T(test_http_method),
		T(test_http_header),
		T(test_http_expect_body_regex),
		T(test_http_expect_body_empty_regex),
		T(test_http_head_with_body_check),
		T(test_http_max_latency),
		T(test_unparseable_line),
		T(test_unparseable_lines_all_reported),
		T(test_line_too_long),
		T(test_line_longest_allowed),
		T(test_section_header_too_long),
		T(test_section_header_too_long_keys_dropped),
		T(test_section_header_48_ok),
		T(test_key_outside_section),
		T(test_load_file),
		T(test_load_file_errors_name_the_file),
		T(test_load_missing_file),
		T(test_load_nul_bytes),
		T(test_delay_distribution_needs_jitter),
		T(test_delay_correlation_needs_jitter),
		T(test_loss_model_needs_its_key),
		T(test_loss_key_of_another_model),
		T(test_rate_not_a_rate),
		T(test_rate_out_of_range),
		T(test_rate_burst_not_a_size),
		T(test_rate_burst_out_of_range),
		T(test_rate_too_large),
		T(test_rate_limit_too_large),
		T(test_rate_limit_out_of_range),
		T(test_rate_limit_below_burst),
		T(test_reorder_needs_delay),
		T(test_interface_name_too_long),
		T(test_interface_name_with_slash),
		T(test_netns_only_target_process_fault),
		T(test_netns_only_target_process_probe),
		T(test_probe_halt),
		T(test_detector),
		T(test_detector_needs_detect_within),
		T(test_detector_keys_need_expect_detect),
		T(test_detector_refuses_tolerance),
		T(test_detects_names_a_fault),
		T(test_detects_names_a_fault_unlike_any),
		T(test_percent_needs_its_sign_above_one),
		T(test_sandbox_bad_subnet),
		T(test_sandbox_bad_host_name),
		T(test_sandbox_host_named_twice),
		T(test_sandbox_hosts_do_not_fit),
		T(test_sandbox_host_does_not_fit),
		T(test_sandbox_host_needs_command),
		T(test_sandbox_unknown_host_suggestion),
		T(test_sandbox_unknown_host_list),
		T(test_host_reference_unterminated),
		T(test_host_reference_without_sandbox),
		T(test_section_header_unclosed),
		T(test_section_name_one_word),
		T(test_load_file_too_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
