/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the option value parsers (src/base/options.c) and the
 * string helpers they lean on (src/base/util.c): percentages, signals,
 * status sets, picks, booleans, opt_parse() messages, suggestions, edit
 * distance and command splitting. Durations: test_duration.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>

#include "erebus/options.h"
#include "erebus/util.h"

/* ---- parse_percent ----------------------------------------------------- */

static void test_parse_percent(void **state)
{
	double v = -1;

	assert_int_equal(parse_percent("95%", &v), 0);
	assert_float_equal(v, 95, 1e-9);
	assert_int_equal(parse_percent("95", &v), -EDOM);	/* needs its % sign */
	assert_int_equal(parse_percent("0.9", &v), -EDOM);
	assert_float_equal(v, 95, 1e-9);
	assert_int_equal(parse_percent("12.5%", &v), 0);
	assert_float_equal(v, 12.5, 1e-9);
	assert_int_equal(parse_percent("0%", &v), 0);
	assert_float_equal(v, 0, 1e-9);
	assert_int_equal(parse_percent("100%", &v), 0);
	assert_float_equal(v, 100, 1e-9);

	v = -1;
	assert_int_equal(parse_percent("", &v), -EINVAL);
	assert_int_equal(parse_percent("101%", &v), -EINVAL);
	assert_int_equal(parse_percent("100.5%", &v), -EINVAL);
	assert_int_equal(parse_percent("-1%", &v), -EINVAL);
	assert_int_equal(parse_percent("5%%", &v), -EINVAL);
	assert_int_equal(parse_percent("%", &v), -EINVAL);
	assert_int_equal(parse_percent(" 5%", &v), -EINVAL);
	assert_int_equal(parse_percent("abc", &v), -EINVAL);
	assert_int_equal(parse_percent("nan", &v), -EINVAL);
	assert_int_equal(parse_percent("inf", &v), -EINVAL);
	/* decimal digits only: strtod would read these as 16 and 10 */
	assert_int_equal(parse_percent("0x10%", &v), -EINVAL);
	assert_int_equal(parse_percent("1e1%", &v), -EINVAL);
	assert_int_equal(parse_percent("1E1%", &v), -EINVAL);
	assert_int_equal(parse_percent("+5%", &v), -EINVAL);
	assert_int_equal(parse_percent(".5%", &v), -EINVAL);
	assert_int_equal(parse_percent("0x10", &v), -EINVAL);
	assert_float_equal(v, -1, 1e-9);
}

/* ---- parse_rate, parse_size -------------------------------------------- */

/* Up to 2^63 - 1 is a value; from 2^63 on it is too large (it became 2^63
 * silently: llround() saturated). Decimal digits only. */
static void test_rate_and_size_limits(void **state)
{
	uint64_t u = 42;

	assert_int_equal(parse_rate("9007199254740991bit", &u), 0);
	assert_true(u == UINT64_C(9007199254740991));
	assert_int_equal(parse_rate("9tbit", &u), 0);
	assert_true(u == UINT64_C(9000000000000));
	assert_int_equal(parse_rate("9000000tbit", &u), 0);	/* 9e18 < 2^63 */
	assert_true(u == UINT64_C(9000000000000000000));
	assert_int_equal(parse_rate("9300000tbit", &u), -ERANGE);	/* 9.3e18 */
	assert_int_equal(parse_rate("10000000tbit", &u), -ERANGE);
	assert_int_equal(parse_rate("99999999999999999999999tbit", &u), -ERANGE);
	assert_int_equal(parse_size("8589934591g", &u), 0);	/* 2^63 - 2^30 */
	assert_true(u == (UINT64_C(1) << 63) - (UINT64_C(1) << 30));
	assert_int_equal(parse_size("8589934592g", &u), -ERANGE);	/* 2^63 */
	assert_int_equal(parse_size("0x10", &u), -EINVAL);
	assert_int_equal(parse_size("1e3", &u), -EINVAL);
	assert_int_equal(parse_rate("1e3kbit", &u), -EINVAL);
	assert_int_equal(parse_rate("0x10kbit", &u), -EINVAL);
}

/* ---- parse_signal, signal_name ----------------------------------------- */

static void test_parse_signal(void **state)
{
	int sig = -1;

	assert_int_equal(parse_signal("SIGKILL", &sig), 0);
	assert_int_equal(sig, SIGKILL);
	sig = -1;
	assert_int_equal(parse_signal("KILL", &sig), 0);
	assert_int_equal(sig, SIGKILL);
	sig = -1;
	assert_int_equal(parse_signal("kill", &sig), 0);
	assert_int_equal(sig, SIGKILL);
	sig = -1;
	assert_int_equal(parse_signal("9", &sig), 0);
	assert_int_equal(sig, 9);
	assert_int_equal(parse_signal("sigterm", &sig), 0);
	assert_int_equal(sig, SIGTERM);
	assert_int_equal(parse_signal("STOP", &sig), 0);
	assert_int_equal(sig, SIGSTOP);
	assert_int_equal(parse_signal("USR1", &sig), 0);
	assert_int_equal(sig, SIGUSR1);

	sig = -1;
	assert_int_equal(parse_signal("SIGFOO", &sig), -EINVAL);
	assert_int_equal(parse_signal("0", &sig), -EINVAL);
	assert_int_equal(parse_signal("99", &sig), -EINVAL);
	assert_int_equal(parse_signal("", &sig), -EINVAL);
	assert_int_equal(parse_signal("SIG", &sig), -EINVAL);
	assert_int_equal(parse_signal("9x", &sig), -EINVAL);
	assert_int_equal(sig, -1);
}

static void test_signal_name(void **state)
{
	assert_string_equal(signal_name(SIGKILL), "SIGKILL");
	assert_string_equal(signal_name(SIGTERM), "SIGTERM");
	assert_string_equal(signal_name(SIGSTOP), "SIGSTOP");
	assert_string_equal(signal_name(SIGCONT), "SIGCONT");
	/* stable: the same string each time */
	assert_ptr_equal(signal_name(SIGHUP), signal_name(SIGHUP));
	assert_null(signal_name(0));
	assert_null(signal_name(-1));
	assert_null(signal_name(65));
	/* real-time signals are named relative to SIGRTMIN */
	assert_string_equal(signal_name(SIGRTMIN), "SIGRTMIN");
	assert_string_equal(signal_name(SIGRTMIN + 3), "SIGRTMIN+3");
}

/* ---- parse_status_set, status_set_contains ----------------------------- */

static void test_status_set_range(void **state)
{
	struct status_range *v = NULL;
	unsigned n = 0;

	assert_int_equal(parse_status_set("200-399", &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].lo, 200);
	assert_int_equal(v[0].hi, 399);
	assert_true(status_set_contains(v, n, 200));
	assert_true(status_set_contains(v, n, 302));
	assert_true(status_set_contains(v, n, 399));
	assert_false(status_set_contains(v, n, 199));
	assert_false(status_set_contains(v, n, 400));
	free(v);
}

static void test_status_set_list(void **state)
{
	struct status_range *v = NULL;
	unsigned n = 0;

	assert_int_equal(parse_status_set("200,204,300-302", &v, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].lo, 200);
	assert_int_equal(v[0].hi, 200);
	assert_int_equal(v[1].lo, 204);
	assert_int_equal(v[1].hi, 204);
	assert_int_equal(v[2].lo, 300);
	assert_int_equal(v[2].hi, 302);
	assert_true(status_set_contains(v, n, 200));
	assert_true(status_set_contains(v, n, 204));
	assert_true(status_set_contains(v, n, 301));
	assert_false(status_set_contains(v, n, 201));
	assert_false(status_set_contains(v, n, 303));
	assert_false(status_set_contains(v, 0, 200));	/* an empty set has nothing */
	free(v);

	/* spaces around items are allowed */
	assert_int_equal(parse_status_set(" 404 , 500-599 ", &v, &n), 0);
	assert_int_equal(n, 2);
	assert_true(status_set_contains(v, n, 404));
	assert_true(status_set_contains(v, n, 599));
	free(v);
}

static void test_status_set_rejects(void **state)
{
	static const char *const bad[] = { "99", "600", "300-200", "", ",", "abc", "200-", "-200",
					   "200-600", "2xx", "200;204" };
	struct status_range *sentinel = (struct status_range *)&sentinel, *v = sentinel;
	unsigned n = 77;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (parse_status_set(bad[i], &v, &n) != -EINVAL)
			fail_msg("parse_status_set(\"%s\") accepted", bad[i]);
		assert_ptr_equal(v, sentinel);
		assert_int_equal(n, 77);
	}
}

/* ---- parse_pick -------------------------------------------------------- */

static void test_parse_pick(void **state)
{
	struct pick p;

	assert_int_equal(parse_pick("all", &p), 0);
	assert_int_equal(p.kind, PICK_ALL);
	assert_int_equal(parse_pick("ALL", &p), 0);
	assert_int_equal(p.kind, PICK_ALL);
	assert_int_equal(parse_pick("3", &p), 0);
	assert_int_equal(p.kind, PICK_COUNT);
	assert_float_equal(p.n, 3, 1e-9);
	assert_int_equal(parse_pick("30%", &p), 0);
	assert_int_equal(p.kind, PICK_PERCENT);
	assert_float_equal(p.n, 30, 1e-9);
	assert_int_equal(parse_pick("100%", &p), 0);
	assert_int_equal(p.kind, PICK_PERCENT);
	assert_float_equal(p.n, 100, 1e-9);
}

static void test_parse_pick_rejects(void **state)
{
	static const char *const bad[] = { "0", "0%", "101%", "1.5", "", "-1", "some", "3 ", "3%%",
					   "%", "0x10", "1e1", "1e1%", "0x10%" };
	struct pick p = { PICK_COUNT, 42 };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (parse_pick(bad[i], &p) != -EINVAL)
			fail_msg("parse_pick(\"%s\") accepted", bad[i]);
		assert_int_equal(p.kind, PICK_COUNT);
		assert_float_equal(p.n, 42, 1e-9);
	}
}

/* ---- parse_bool -------------------------------------------------------- */

static void test_parse_bool(void **state)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "YES", "True" };
	static const char *const no[] = { "no", "false", "off", "0", "NO", "Off" };
	static const char *const bad[] = { "", "maybe", "2", "y", "n", "yes " };
	bool b;

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		b = false;
		assert_int_equal(parse_bool(yes[i], &b), 0);
		assert_true(b);
	}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
		b = true;
		assert_int_equal(parse_bool(no[i], &b), 0);
		assert_false(b);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		b = true;
		if (parse_bool(bad[i], &b) != -EINVAL)
			fail_msg("parse_bool(\"%s\") accepted", bad[i]);
		assert_true(b);
	}
}

/* ---- opt_parse --------------------------------------------------------- */

static const char *const color_choices[] = { "red", "green", NULL };

static const struct opt_def defs[] = {
	{ "count", OPT_INT, 0, NULL, 1, 10, NULL, "h" },
	{ "wait", OPT_DURATION, 0, NULL, 1000, 60 * USEC_PER_SEC, NULL, "h" },
	{ "share", OPT_PERCENT, 0, NULL, 1, 99, NULL, "h" },
	{ "sig", OPT_SIGNAL, 0, NULL, 0, 0, NULL, "h" },
	{ "color", OPT_ENUM, 0, NULL, 0, 0, color_choices, "h" },
	{ "status", OPT_STATUS_SET, 0, NULL, 0, 0, NULL, "h" },
	{ "pick", OPT_PICK, 0, NULL, 0, 0, NULL, "h" },
	{ "re", OPT_REGEX, 0, NULL, 0, 0, NULL, "h" },
	{ "flag", OPT_BOOL, 0, NULL, 0, 0, NULL, "h" },
	{ "who", OPT_USER, 0, NULL, 0, 0, NULL, "h" },
	{ "header", OPT_STRING, OPT_MULTI, NULL, 0, 0, NULL, "h" },
	{ "any", OPT_INT, 0, NULL, 0, 0, NULL, "h" },
	{ "rate", OPT_RATE, 0, NULL, 0, 0, NULL, "h" },
	{ "size", OPT_SIZE, 0, NULL, 0, 0, NULL, "h" },
	OPT_END
};

/* opt_parse(key, text) must fail with exactly msg, leaving v not present. */
static void assert_opt_error(const char *key, const char *text, const char *msg)
{
	const struct opt_def *def = opt_find(defs, key);
	struct opt_value v = { .def = def };
	char *err = NULL;

	assert_non_null(def);
	if (opt_parse(def, text, &v, &err) != -EINVAL)
		fail_msg("opt_parse(%s, \"%s\") accepted", key, text);
	assert_non_null(err);
	if (strcmp(err, msg))
		fail_msg("opt_parse(%s, \"%s\"):\n  got  %s\n  want %s", key, text, err, msg);
	assert_false(v.present);
	assert_null(v.raw);
	free(err);
	opt_value_clear(&v);
	/* without errmsg it fails the same way (and frees its message) */
	assert_int_equal(opt_parse(def, text, &v, NULL), -EINVAL);
	opt_value_clear(&v);
}

static void test_opt_parse_errors(void **state)
{
	assert_opt_error("count", "", "empty value");
	assert_opt_error("count", "abc", "\"abc\" is not a whole number");
	assert_opt_error("count", "5x", "\"5x\" is not a whole number");
	assert_opt_error("count", "99999999999999999999", "\"99999999999999999999\" is not a whole number");
	assert_opt_error("count", "0", "0 must be between 1 and 10");
	assert_opt_error("count", "11", "11 must be between 1 and 10");
	assert_opt_error("wait", "5", "\"5\" is not a duration (write it like 250ms, 2s or 1m30s)");
	assert_opt_error("wait", "500us", "500us must be between 1ms and 1m00s");
	assert_opt_error("wait", "2m", "2m must be between 1ms and 1m00s");
	assert_opt_error("share", "150%", "\"150%\" is not a percentage between 0% and 100%");
	assert_opt_error("share", "100%", "100% must be between 1% and 99%");
	assert_opt_error("share", "0.5", "\"0.5\" needs a % sign: write 50% or 0.5%");
	assert_opt_error("share", "50", "\"50\" needs a % sign: write 50%");
	assert_opt_error("share", "1e1%", "\"1e1%\" is not a percentage between 0% and 100%");
	assert_opt_error("rate", "10000000tbit",
			 "\"10000000tbit\" is too large: a rate is at most 9223372036854775807 bit");
	assert_opt_error("size", "8589934592g",
			 "\"8589934592g\" is too large: a size is at most 9223372036854775807 bytes");
	assert_opt_error("sig", "SIGFOO", "\"SIGFOO\" is not a signal (write SIGKILL, KILL or 9)");
	assert_opt_error("color", "blue", "\"blue\" is not one of: red, green");
	assert_opt_error("status", "300-200",
			 "\"300-200\" is not a list of HTTP statuses and ranges (like 200-299,304)");
	assert_opt_error("pick", "0%", "\"0%\" is not all, a count (2) or a share (30%)");
	assert_opt_error("flag", "maybe", "\"maybe\" is not yes or no");
	assert_opt_error("who", "erebus-no-such-user",
			 "\"erebus-no-such-user\" is not a user on this machine (a name or uid in the user database, like nobody)");
	assert_opt_error("re", "a(",
			 "\"a(\" is not a valid extended regular expression: Unmatched ( or \\(");
}

static void test_opt_parse_values(void **state)
{
	struct opt_value v = { .def = opt_find(defs, "count") };
	char *err = NULL;

	assert_int_equal(opt_parse(v.def, "10", &v, &err), 0);
	assert_null(err);
	assert_int_equal(v.i, 10);
	assert_true(v.present);
	assert_string_equal(v.raw, "10");
	opt_value_clear(&v);
	assert_false(v.present);
	assert_ptr_equal(v.def, opt_find(defs, "count"));

	/* min = max = 0 means no range */
	v = (struct opt_value){ .def = opt_find(defs, "any") };
	assert_int_equal(opt_parse(v.def, "-123456", &v, NULL), 0);
	assert_int_equal(v.i, -123456);
	opt_value_clear(&v);

	v = (struct opt_value){ .def = opt_find(defs, "wait") };
	assert_int_equal(opt_parse(v.def, "1m", &v, NULL), 0);
	assert_int_equal(v.usec, 60 * USEC_PER_SEC);
	opt_value_clear(&v);

	v = (struct opt_value){ .def = opt_find(defs, "sig") };
	assert_int_equal(opt_parse(v.def, "TERM", &v, NULL), 0);
	assert_int_equal(v.i, SIGTERM);
	opt_value_clear(&v);

	v = (struct opt_value){ .def = opt_find(defs, "color") };
	assert_int_equal(opt_parse(v.def, "green", &v, NULL), 0);
	assert_int_equal(v.i, 1);
	opt_value_clear(&v);

	v = (struct opt_value){ .def = opt_find(defs, "flag") };
	assert_int_equal(opt_parse(v.def, "off", &v, NULL), 0);
	assert_int_equal(v.i, 0);
	opt_value_clear(&v);

	/* a status set given twice keeps the last one, without leaking */
	v = (struct opt_value){ .def = opt_find(defs, "status") };
	assert_int_equal(opt_parse(v.def, "200", &v, NULL), 0);
	assert_int_equal(opt_parse(v.def, "500-599,404", &v, NULL), 0);
	assert_int_equal(v.status.n, 2);
	assert_true(status_set_contains(v.status.v, v.status.n, 404));
	assert_false(status_set_contains(v.status.v, v.status.n, 200));
	opt_value_clear(&v);

	/* likewise a regex */
	v = (struct opt_value){ .def = opt_find(defs, "re") };
	assert_int_equal(opt_parse(v.def, "^a", &v, NULL), 0);
	assert_int_equal(opt_parse(v.def, "b+$", &v, NULL), 0);
	assert_non_null(v.regex);
	assert_string_equal(v.raw, "b+$");
	opt_value_clear(&v);
	assert_null(v.regex);
}

static void test_opt_parse_multi(void **state)
{
	struct opt_value v = { .def = opt_find(defs, "header") };

	assert_int_equal(opt_parse(v.def, "A: 1", &v, NULL), 0);
	assert_int_equal(opt_parse(v.def, "B: 2", &v, NULL), 0);
	assert_int_equal(opt_parse(v.def, "C: 3", &v, NULL), 0);
	assert_int_equal(strv_len(v.list), 3);
	assert_string_equal(v.list[0], "A: 1");
	assert_string_equal(v.list[1], "B: 2");
	assert_string_equal(v.list[2], "C: 3");
	assert_null(v.list[3]);
	assert_string_equal(v.raw, "C: 3");
	opt_value_clear(&v);
	assert_null(v.list);
}

static void test_opt_find(void **state)
{
	assert_ptr_equal(opt_find(defs, "pick"), &defs[6]);
	assert_null(opt_find(defs, "nope"));
	assert_null(opt_find(defs, "Pick"));	/* keys are case-sensitive */
	assert_null(opt_find(NULL, "pick"));
}

/* ---- opt_suggest, edit_distance ---------------------------------------- */

static const struct opt_def fault_like[] = {
	{ "type", OPT_STRING, 0, NULL, 0, 0, NULL, "h" },
	{ "target", OPT_STRING, 0, NULL, 0, 0, NULL, "h" },
	{ "duration", OPT_DURATION, 0, NULL, 0, 0, NULL, "h" },
	{ "every", OPT_DURATION, 0, NULL, 0, 0, NULL, "h" },
	OPT_END
};
static const struct opt_def kill_like[] = {
	{ "signal", OPT_SIGNAL, 0, NULL, 0, 0, NULL, "h" },
	OPT_END
};

static void test_opt_suggest(void **state)
{
	const struct opt_def *const tables[] = { fault_like, kill_like, NULL };
	const char *s;

	s = opt_suggest(tables, "tyep");
	assert_non_null(s);
	assert_string_equal(s, "type");
	s = opt_suggest(tables, "duraton");
	assert_non_null(s);
	assert_string_equal(s, "duration");
	s = opt_suggest(tables, "signl");	/* found in the second table */
	assert_non_null(s);
	assert_string_equal(s, "signal");
	s = opt_suggest(tables, "TARGET");	/* case does not count */
	assert_non_null(s);
	assert_string_equal(s, "target");

	assert_null(opt_suggest(tables, "banana"));
	assert_null(opt_suggest(tables, "zzzzzzzz"));
	assert_null(opt_suggest(tables, "x"));
}

static void test_edit_distance(void **state)
{
	assert_int_equal(edit_distance("kitten", "sitting"), 3);
	assert_int_equal(edit_distance("flaw", "lawn"), 2);
	assert_int_equal(edit_distance("", "abc"), 3);
	assert_int_equal(edit_distance("abc", ""), 3);
	assert_int_equal(edit_distance("", ""), 0);
	assert_int_equal(edit_distance("type", "type"), 0);
	assert_int_equal(edit_distance("tyep", "type"), 1);	/* a transposition costs 1 */
	assert_int_equal(edit_distance("Type", "tYPE"), 0);
	assert_int_equal(edit_distance("abc", "abcd"), 1);
	assert_int_equal(edit_distance("abcd", "acd"), 1);
}

/* ---- split_command ----------------------------------------------------- */

static void assert_split(const char *cmd, const char *const *want, size_t n)
{
	char **argv = NULL;

	if (split_command(cmd, &argv) != 0)
		fail_msg("split_command(\"%s\") failed", cmd);
	if (strv_len(argv) != n)
		fail_msg("split_command(\"%s\"): %zu words, expected %zu", cmd, strv_len(argv), n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(argv[i], want[i]))
			fail_msg("split_command(\"%s\")[%zu] = \"%s\", expected \"%s\"", cmd, i, argv[i],
				 want[i]);
	assert_null(argv[n]);
	strv_free(argv);
}

#define SPLIT(cmd, ...)                                                        \
	do {                                                                   \
		static const char *const w_[] = { __VA_ARGS__ };               \
		assert_split(cmd, w_, ARRAY_SIZE(w_));                         \
	} while (0)

static void test_split_command(void **state)
{
	SPLIT("sleep 30", "sleep", "30");
	SPLIT("  sleep\t 30  ", "sleep", "30");
	SPLIT("sh -c 'echo \"a b\"'", "sh", "-c", "echo \"a b\"");
	SPLIT("echo \"it's here\"", "echo", "it's here");
	SPLIT("a\\ b c", "a b", "c");
	SPLIT("\"a\\\"b\"", "a\"b");
	SPLIT("'a\\b'", "a\\b");	/* no escapes inside single quotes */
	SPLIT("x'y z'w", "xy zw");
	SPLIT("a '' b", "a", "", "b");
	SPLIT("\"\"", "");
	SPLIT("\\'", "'");
}

static void test_split_command_errors(void **state)
{
	static const char *const bad[] = { "", "   ", "\t", "echo 'abc", "echo \"abc", "echo abc\\",
					   "'", "a \"b' c" };
	char **sentinel = (char **)&sentinel, **argv = sentinel;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (split_command(bad[i], &argv) != -EINVAL)
			fail_msg("split_command(\"%s\") accepted", bad[i]);
		assert_ptr_equal(argv, sentinel);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_percent),
		cmocka_unit_test(test_rate_and_size_limits),
		cmocka_unit_test(test_parse_signal),
		cmocka_unit_test(test_signal_name),
		cmocka_unit_test(test_status_set_range),
		cmocka_unit_test(test_status_set_list),
		cmocka_unit_test(test_status_set_rejects),
		cmocka_unit_test(test_parse_pick),
		cmocka_unit_test(test_parse_pick_rejects),
		cmocka_unit_test(test_parse_bool),
		cmocka_unit_test(test_opt_parse_errors),
		cmocka_unit_test(test_opt_parse_values),
		cmocka_unit_test(test_opt_parse_multi),
		cmocka_unit_test(test_opt_find),
		cmocka_unit_test(test_opt_suggest),
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_split_command),
		cmocka_unit_test(test_split_command_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
