/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for what the prometheus and alertmanager probes make of a
 * reply (src/probes/promql.c, prometheus.c, alertmanager.c): the
 * expect_value comparison and its errors, Prometheus' sample values (NaN,
 * +Inf, -Inf), vector, scalar, empty and other results, several series,
 * Prometheus' own error text, replies that are not JSON, Alertmanager
 * replies with active, silenced and inhibited alerts, its errors; and the
 * file:line:key messages of both types' checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "erebus/catalog.h"
#include "erebus/experiment.h"
#include "../../src/probes/promql.h"

static struct promql_cmp cmp(const char *s)
{
	struct promql_cmp c;
	char *err = NULL;

	if (promql_cmp_parse(s, &c, &err) < 0)
		fail_msg("\"%s\" not parsed: %s", s, err);
	return c;
}

/* s is refused with exactly msg. */
static void cmp_refused(const char *s, const char *msg)
{
	struct promql_cmp c;
	char *err = NULL;

	assert_int_equal(promql_cmp_parse(s, &c, &err), -EINVAL);
	assert_non_null(err);
	assert_string_equal(err, msg);
	free(err);
}

static void test_comparisons(void **state)
{
	struct promql_cmp c;

	c = cmp("> 0");
	assert_int_equal(c.op, PROMQL_GT);
	assert_string_equal(c.text, "> 0");
	assert_true(promql_cmp_holds(&c, 0.1));
	assert_false(promql_cmp_holds(&c, 0));
	c = cmp(">=1");
	assert_int_equal(c.op, PROMQL_GE);
	assert_string_equal(c.text, ">= 1");
	assert_true(promql_cmp_holds(&c, 1));
	assert_false(promql_cmp_holds(&c, 0.999));
	c = cmp("  == 1  ");
	assert_int_equal(c.op, PROMQL_EQ);
	assert_string_equal(c.text, "== 1");
	assert_true(promql_cmp_holds(&c, 1));
	assert_false(promql_cmp_holds(&c, 1.0000001));
	c = cmp("!= 0");
	assert_true(promql_cmp_holds(&c, -1));
	assert_false(promql_cmp_holds(&c, 0));
	c = cmp("< 0.5");
	assert_int_equal(c.op, PROMQL_LT);
	assert_true(promql_cmp_holds(&c, 0.49));
	assert_false(promql_cmp_holds(&c, 0.5));
	c = cmp("<= -2.5e-1");
	assert_int_equal(c.op, PROMQL_LE);
	assert_true(c.value == -0.25);
	assert_true(promql_cmp_holds(&c, -0.25));
	assert_false(promql_cmp_holds(&c, 0));
	c = cmp("< +Inf");
	assert_true(isinf(c.value) && c.value > 0);
	assert_true(promql_cmp_holds(&c, 1e308));
	assert_false(promql_cmp_holds(&c, INFINITY));
	c = cmp("> -inf");
	assert_true(isinf(c.value) && c.value < 0);
	c = cmp(">.5");
	assert_true(c.value == 0.5);
}

static void test_comparison_errors(void **state)
{
	cmp_refused("5", "\"5\" has no comparison: write one of >, >=, ==, !=, <, <= and a number, e.g. > 0");
	cmp_refused("positive", "\"positive\" has no comparison: write one of >, >=, ==, !=, <, <= and a number, e.g. > 0");
	cmp_refused("= 1", "\"= 1\" is not a comparison: write one of >, >=, ==, !=, <, <= and a number, e.g. > 0");
	cmp_refused("=> 1", "\"=> 1\" is not a comparison: write one of >, >=, ==, !=, <, <= and a number, e.g. > 0");
	cmp_refused("<> 1", "\"<> 1\" is not a comparison: write one of >, >=, ==, !=, <, <= and a number, e.g. > 0");
	cmp_refused("=== 1", "\"=== 1\" is not a comparison: write one of >, >=, ==, !=, <, <= and a number, e.g. > 0");
	cmp_refused("!", "\"!\" is not a comparison: write one of >, >=, ==, !=, <, <= and a number, e.g. > 0");
	cmp_refused(">", "\">\" has no number after >");
	cmp_refused(">=  ", "\">=  \" has no number after >=");
	cmp_refused("> abc", "\"> abc\": \"abc\" is not a number (write it like 0, 0.5, 1e3 or +Inf)");
	cmp_refused("> 0x10", "\"> 0x10\": \"0x10\" is not a number (write it like 0, 0.5, 1e3 or +Inf)");
	cmp_refused("> 1 2", "\"> 1 2\": \"1 2\" is not a number (write it like 0, 0.5, 1e3 or +Inf)");
	cmp_refused("> 1e", "\"> 1e\": \"1e\" is not a number (write it like 0, 0.5, 1e3 or +Inf)");
	cmp_refused("> infinity", "\"> infinity\": \"infinity\" is not a number (write it like 0, 0.5, 1e3 or +Inf)");
	cmp_refused("== NaN", "\"== NaN\": no value compares with NaN, not even NaN; compare with a number");
}

/* Prometheus' values: NaN satisfies only !=, as in PromQL; +Inf is above
 * every number, -Inf below. */
static void test_values_nan_and_inf(void **state)
{
	struct promql_cmp gt = cmp("> 0"), ne = cmp("!= 0"), eq = cmp("== 1"), lt = cmp("< 1e300");
	double v;

	assert_int_equal(promql_value_parse("NaN", &v), 0);
	assert_true(isnan(v));
	assert_false(promql_cmp_holds(&gt, v));
	assert_false(promql_cmp_holds(&eq, v));
	assert_false(promql_cmp_holds(&lt, v));
	assert_true(promql_cmp_holds(&ne, v));
	assert_int_equal(promql_value_parse("+Inf", &v), 0);
	assert_true(isinf(v) && v > 0);
	assert_true(promql_cmp_holds(&gt, v));
	assert_false(promql_cmp_holds(&lt, v));
	assert_int_equal(promql_value_parse("-Inf", &v), 0);
	assert_true(isinf(v) && v < 0);
	assert_false(promql_cmp_holds(&gt, v));
	assert_true(promql_cmp_holds(&lt, v));
	assert_int_equal(promql_value_parse("1e+06", &v), 0);
	assert_true(v == 1e6);
	assert_int_equal(promql_value_parse("-0.25", &v), 0);
	assert_true(v == -0.25);
	assert_int_equal(promql_value_parse("", &v), -EINVAL);
	assert_int_equal(promql_value_parse("1,5", &v), -EINVAL);
	assert_int_equal(promql_value_parse(" 1", &v), -EINVAL);
	assert_int_equal(promql_value_parse("+NaN", &v), -EINVAL);
}

/* Judge body (status 200 unless given) against expect; returns the
 * message ("" on a pass). */
static char msgbuf[512];
static const char *prom(const char *body, long status, const char *expect, bool empty_ok)
{
	struct promql_cmp c = cmp(expect);

	strcpy(msgbuf, "(untouched)");
	if (prometheus_judge_reply(body, strlen(body), status, &c, empty_ok, msgbuf, sizeof(msgbuf))) {
		assert_string_equal(msgbuf, "(untouched)");
		return "";
	}
	return msgbuf;
}

#define VEC(series) "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[" series "]}}"
#define SERIES(labels, v) "{\"metric\":{" labels "},\"value\":[1796681262.775,\"" v "\"]}"
#define UP(inst, v) SERIES("\"__name__\":\"up\",\"instance\":\"" inst "\",\"job\":\"prometheus\"", v)
#define SCALAR(v) "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1796681259.272,\"" v "\"]}}"

static void test_prometheus_vector(void **state)
{
	assert_string_equal(prom(VEC(UP("a:9090", "1")), 200, "== 1", false), "");
	assert_string_equal(prom(VEC(UP("a:9090", "1")), 200, "> 1", false),
			    "up{instance=\"a:9090\", job=\"prometheus\"} = 1, expected > 1");
	/* A series without a name, and one without labels. */
	assert_string_equal(prom(VEC(SERIES("\"job\":\"x\"", "0.25")), 200, ">= 0.5", false),
			    "{job=\"x\"} = 0.25, expected >= 0.5");
	assert_string_equal(prom(VEC(SERIES("", "0")), 200, "!= 0", false), "{} = 0, expected != 0");
	/* A label value with a quote and a backslash is escaped as PromQL does. */
	assert_string_equal(prom(VEC(SERIES("\"path\":\"a\\\"b\\\\c\"", "0")), 200, "> 0", false),
			    "{path=\"a\\\"b\\\\c\"} = 0, expected > 0");
}

/* Every series must satisfy the comparison; the first that does not is
 * named, with how many fail. */
static void test_prometheus_several_series(void **state)
{
	const char *three = VEC(UP("a:1", "1") "," UP("b:1", "0") "," UP("c:1", "0"));

	assert_string_equal(prom(VEC(UP("a:1", "1") "," UP("b:1", "2")), 200, ">= 1", false), "");
	assert_string_equal(prom(three, 200, "== 1", false),
			    "up{instance=\"b:1\", job=\"prometheus\"} = 0, expected == 1 (2 of 3 series fail)");
	assert_string_equal(prom(three, 200, "< 1", false),
			    "up{instance=\"a:1\", job=\"prometheus\"} = 1, expected < 1 (1 of 3 series fail)");
	assert_string_equal(prom(three, 200, ">= 0", false), "");
}

static void test_prometheus_nan_and_inf_series(void **state)
{
	const char *nan = VEC(SERIES("\"job\":\"x\"", "NaN"));

	assert_string_equal(prom(nan, 200, "> 0", false), "{job=\"x\"} = NaN, expected > 0");
	assert_string_equal(prom(nan, 200, "< 0.01", false), "{job=\"x\"} = NaN, expected < 0.01");
	assert_string_equal(prom(nan, 200, "!= 0", false), "");
	assert_string_equal(prom(VEC(SERIES("", "+Inf")), 200, "> 1e300", false), "");
	assert_string_equal(prom(VEC(SERIES("", "+Inf")), 200, "< +Inf", false), "{} = +Inf, expected < +Inf");
	assert_string_equal(prom(VEC(SERIES("", "-Inf")), 200, "> -1e300", false),
			    "{} = -Inf, expected > -1e300");
	assert_string_equal(prom(VEC(SERIES("", "one")), 200, "> 0", false),
			    "reply is not a Prometheus query result: a series has no [time, \"value\"]");
}

static void test_prometheus_scalar(void **state)
{
	assert_string_equal(prom(SCALAR("1"), 200, "== 1", false), "");
	assert_string_equal(prom(SCALAR("0.3"), 200, "> 0.5", false), "scalar 0.3, expected > 0.5");
	assert_string_equal(prom(SCALAR("NaN"), 200, "== 0", false), "scalar NaN, expected == 0");
	assert_string_equal(prom(SCALAR("+Inf"), 200, "> 0", false), "");
	assert_string_equal(prom(SCALAR("-Inf"), 200, "> 0", false), "scalar -Inf, expected > 0");
	assert_string_equal(prom("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1]}}", 200,
				 "> 0", false),
			    "reply is not a Prometheus query result: a scalar that is not [time, \"value\"]");
}

/* An empty vector is "no data": a failure, unless empty = healthy. */
static void test_prometheus_empty(void **state)
{
	assert_string_equal(prom(VEC(""), 200, "> 0", false), "no data: the query returned no series");
	assert_string_equal(prom(VEC(""), 200, "> 0", true), "");
	/* empty = healthy does not make a failing series pass. */
	assert_string_equal(prom(VEC(SERIES("", "0")), 200, "> 0", true), "{} = 0, expected > 0");
}

static void test_prometheus_other_results(void **state)
{
	assert_string_equal(prom("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}", 200,
				 "> 0", false),
			    "the query returns a range vector; expect_value needs an instant vector or a scalar (drop the [range])");
	assert_string_equal(prom("{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1,\"abc\"]}}",
				 200, "> 0", false),
			    "the query returns a string, not a number");
	assert_string_equal(prom(VEC("{\"metric\":{},\"histogram\":[1,{\"count\":\"2\"}]}"), 200, "> 0", false),
			    "the query returns native histograms, not numbers");
	assert_string_equal(prom("{\"status\":\"success\",\"data\":{\"resultType\":\"table\",\"result\":[]}}", 200,
				 "> 0", false),
			    "reply is not a Prometheus query result: resultType \"table\"");
	assert_string_equal(prom("{\"status\":\"success\"}", 200, "> 0", false),
			    "reply is not a Prometheus query result: no \"data\" with \"resultType\" and \"result\"");
	assert_string_equal(prom("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":{}}}", 200,
				 "> 0", false),
			    "reply is not a Prometheus query result: \"result\" is not an array");
	assert_string_equal(prom("[]", 200, "> 0", false),
			    "reply is not a Prometheus query result: no \"status\": \"success\"");
}

/* Prometheus' own error text is quoted; a reply that is not JSON says so. */
static void test_prometheus_errors(void **state)
{
	assert_string_equal(
		prom("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter \\\"query\\\": 1:4: parse error: unexpected end of input inside braces\"}",
		     400, "> 0", false),
		"Prometheus error (bad_data): invalid parameter \"query\": 1:4: parse error: unexpected end of input inside braces");
	assert_string_equal(prom("{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out\"}", 503,
				 "> 0", false),
			    "Prometheus error (timeout): query timed out");
	assert_string_equal(prom("{\"status\":\"error\"}", 422, "> 0", false), "Prometheus error, status 422");
	assert_string_equal(prom("404 page not found\n", 404, "> 0", false),
			    "status 404 from Prometheus: 404 page not found");
	assert_string_equal(prom("", 502, "> 0", false), "status 502 from Prometheus, with an empty body");
	assert_string_equal(prom("{\"status\":\"success\"}", 500, "> 0", false), "status 500 from Prometheus");
	assert_string_equal(prom("<html>hello</html>", 200, "> 0", false),
			    "reply is not JSON: line 1, column 1: expected a value (object, array, string, number, true, false or null), not '<'");
	assert_string_equal(prom("{\"status\":\"success\",}", 200, "> 0", false),
			    "reply is not JSON: line 1, column 21: trailing comma before '}'");
}

/* A long message is cut on a character boundary, within the buffer. */
static void test_prometheus_message_cut(void **state)
{
	struct promql_cmp c = cmp("> 0");
	struct sbuf b = { 0 };
	char small[40];

	sbuf_add(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"l\":\"");
	for (int i = 0; i < 100; i++)
		sbuf_add(&b, "\xc3\xa9");	/* é */
	sbuf_add(&b, "\"},\"value\":[1,\"0\"]}]}}");
	assert_false(prometheus_judge_reply(b.s, b.len, 200, &c, false, small, sizeof(small)));
	assert_int_equal(strlen(small), 38);	/* {l=" and 17 two-byte characters: the 18th would not fit */
	assert_int_equal(utf8_cut(small, strlen(small)), strlen(small));
	sbuf_free(&b);
}

static void test_matchers(void **state)
{
	struct am_matcher m;
	char *err = NULL;

	assert_int_equal(am_matcher_parse("severity=page", &m, &err), 0);
	assert_string_equal(m.name, "severity");
	assert_string_equal(m.value, "page");
	free(m.name), free(m.value);
	assert_int_equal(am_matcher_parse(" job = \"demo app\" ", &m, &err), 0);
	assert_string_equal(m.name, "job");
	assert_string_equal(m.value, "demo app");
	free(m.name), free(m.value);
	assert_int_equal(am_matcher_parse("url=http://x/?a=b", &m, &err), 0);
	assert_string_equal(m.value, "http://x/?a=b");
	free(m.name), free(m.value);
	assert_int_equal(am_matcher_parse("team=", &m, &err), 0);
	assert_string_equal(m.value, "");
	free(m.name), free(m.value);

	assert_int_equal(am_matcher_parse("severity", &m, &err), -EINVAL);
	assert_string_equal(err, "\"severity\" is not label=value");
	free(err);
	assert_int_equal(am_matcher_parse("severity=~page|ticket", &m, &err), -EINVAL);
	assert_string_equal(err, "\"severity=~page|ticket\": only label=value matchers are supported, not !=, =~ or !~");
	free(err);
	assert_int_equal(am_matcher_parse("severity!=page", &m, &err), -EINVAL);
	free(err);
	assert_int_equal(am_matcher_parse("severity!~page", &m, &err), -EINVAL);
	free(err);
	assert_int_equal(am_matcher_parse("1x=page", &m, &err), -EINVAL);
	assert_string_equal(err,
			    "\"1x=page\": \"1x\" is not a label name (letters, digits and _, not starting with a digit)");
	free(err);
	assert_int_equal(am_matcher_parse("=page", &m, &err), -EINVAL);
	free(err);
}

static const char *am(const char *body, long status, const char *alertname, const struct am_matcher *m, size_t n)
{
	strcpy(msgbuf, "(untouched)");
	if (alertmanager_judge_reply(body, strlen(body), status, alertname, m, n, msgbuf, sizeof(msgbuf))) {
		assert_string_equal(msgbuf, "(untouched)");
		return "";
	}
	return msgbuf;
}

#define ALERT(labels, state, silenced, inhibited)                                                   \
	"{\"annotations\":{},\"endsAt\":\"2026-12-07T22:12:46.990Z\",\"fingerprint\":\"0b952fcb3e654b6d\"," \
	"\"receivers\":[{\"name\":\"none\"}],\"startsAt\":\"2026-12-07T22:07:46.990Z\","                \
	"\"status\":{\"inhibitedBy\":[" inhibited "],\"silencedBy\":[" silenced "],\"state\":\"" state  \
	"\"},\"updatedAt\":\"2026-12-07T22:07:46.990Z\",\"labels\":{" labels "}}"
#define DOWN_LABELS "\"alertname\":\"Down\",\"job\":\"demo\",\"severity\":\"page\""

static void test_alertmanager_active(void **state)
{
	const struct am_matcher page = { "severity", "page" }, ticket = { "severity", "ticket" };
	const struct am_matcher team = { "team", "" };

	assert_string_equal(am("[]", 200, "Down", NULL, 0), "");
	assert_string_equal(am("[" ALERT(DOWN_LABELS, "active", "", "") "]", 200, "Down", NULL, 0),
			    "alert Down is firing: {alertname=\"Down\", job=\"demo\", severity=\"page\"}");
	assert_string_equal(am("[" ALERT(DOWN_LABELS, "active", "", "") "]", 200, "Down", &page, 1),
			    "alert Down is firing: {alertname=\"Down\", job=\"demo\", severity=\"page\"}");
	/* Another name, a matcher that does not hold: not this probe's alert. */
	assert_string_equal(am("[" ALERT(DOWN_LABELS, "active", "", "") "]", 200, "Up", NULL, 0), "");
	assert_string_equal(am("[" ALERT(DOWN_LABELS, "active", "", "") "]", 200, "Down", &ticket, 1), "");
	/* label= matches an alert without that label. */
	assert_string_equal(am("[" ALERT(DOWN_LABELS, "active", "", "") "]", 200, "Down", &team, 1),
			    "alert Down is firing: {alertname=\"Down\", job=\"demo\", severity=\"page\"}");
	/* Several firing: the first is named, the rest counted. */
	assert_string_equal(am("[" ALERT("\"alertname\":\"Other\"", "active", "", "") ","
			       ALERT("\"alertname\":\"Down\",\"instance\":\"a\"", "active", "", "") ","
			       ALERT("\"alertname\":\"Down\",\"instance\":\"b\"", "active", "", "") ","
			       ALERT("\"alertname\":\"Down\",\"instance\":\"c\"", "active", "", "") "]",
			       200, "Down", NULL, 0),
			    "alert Down is firing: {alertname=\"Down\", instance=\"a\"} (and 2 more)");
}

/* Silenced and inhibited alerts do not count, nor do unprocessed ones. */
static void test_alertmanager_silenced_and_inhibited(void **state)
{
	assert_string_equal(am("[" ALERT(DOWN_LABELS, "suppressed", "\"88e837ea-a6e7-4eec-95dd-7175845d3a7b\"", "")
			       "]", 200, "Down", NULL, 0),
			    "");
	assert_string_equal(am("[" ALERT(DOWN_LABELS, "suppressed", "", "\"0bcfe451bf2b9164\"") "]", 200, "Down",
			       NULL, 0),
			    "");
	assert_string_equal(am("[" ALERT(DOWN_LABELS, "unprocessed", "", "") "]", 200, "Down", NULL, 0), "");
	/* An "active" state with a silence listed is not trusted as active. */
	assert_string_equal(am("[" ALERT(DOWN_LABELS, "active", "\"x\"", "") "]", 200, "Down", NULL, 0), "");
	/* One silenced, one not: the one not silenced fires. */
	assert_string_equal(am("[" ALERT("\"alertname\":\"Down\",\"i\":\"1\"", "suppressed", "\"s\"", "") ","
			       ALERT("\"alertname\":\"Down\",\"i\":\"2\"", "active", "", "") "]",
			       200, "Down", NULL, 0),
			    "alert Down is firing: {alertname=\"Down\", i=\"2\"}");
}

static void test_alertmanager_errors(void **state)
{
	assert_string_equal(am("internal error\n", 500, "Down", NULL, 0),
			    "Alertmanager error: status 500: internal error");
	assert_string_equal(am("", 503, "Down", NULL, 0), "Alertmanager error: status 503, with an empty body");
	assert_string_equal(am("\"bad matcher format: x\"", 400, "Down", NULL, 0),
			    "Alertmanager error: status 400: bad matcher format: x");
	assert_string_equal(am("{\"code\":400,\"message\":\"filter: bad matcher\"}", 400, "Down", NULL, 0),
			    "Alertmanager error: status 400: filter: bad matcher");
	assert_string_equal(am("<html>", 200, "Down", NULL, 0),
			    "reply is not JSON: line 1, column 1: expected a value (object, array, string, number, true, false or null), not '<'");
	assert_string_equal(am("{}", 200, "Down", NULL, 0),
			    "reply is not an Alertmanager alert list: expected an array, got an object");
	assert_string_equal(am("[{\"labels\":{\"alertname\":\"Down\"}}]", 200, "Down", NULL, 0),
			    "reply is not an Alertmanager alert list: an alert without \"labels\" or \"status\"");
}

/* ---- the checks' file:line:key messages -------------------------------- */

static void expect_only(const char *text, const char *line)
{
	struct experiment *x = NULL;
	struct diag d = { 0 };
	int r = experiment_load_string("x.ini", text, &catalog_builtin, &d, &x);

	if (r != -EINVAL || d.n != 1 || strcmp(d.msgs[0], line)) {
		for (size_t i = 0; i < d.n; i++)
			print_message("  diag[%zu]: %s\n", i, d.msgs[i]);
		diag_free(&d);
		fail_msg("returned %d; expected exactly one diagnostic:\n  %s", r, line);
	}
	assert_null(x);
	diag_free(&d);
}

static void load_ok(const char *text)
{
	struct experiment *x = NULL;
	struct diag d = { 0 };
	int r = experiment_load_string("x.ini", text, &catalog_builtin, &d, &x);

	for (size_t i = 0; i < d.n; i++)
		print_message("  diag[%zu]: %s\n", i, d.msgs[i]);
	assert_int_equal(r, 0);
	assert_int_equal(d.n, 0);
	experiment_free(x);
	diag_free(&d);
}

#define PROM_HEAD                                                              \
	"[experiment]\n"                                                       \
	"name = x\n"                                                           \
	"[probe p]\n"                                                          \
	"type = prometheus\n"
#define AM_HEAD                                                                \
	"[experiment]\n"                                                       \
	"name = x\n"                                                           \
	"[probe a]\n"                                                          \
	"type = alertmanager\n"

static void test_prometheus_checks(void **state)
{
	load_ok(PROM_HEAD "url = http://127.0.0.1:9090\nquery = up\nexpect_value = == 1\nempty = healthy\n");
	expect_only(PROM_HEAD
		    "url = ftp://127.0.0.1:9090\n"	/* 5 */
		    "query = up\n"
		    "expect_value = > 0\n",
		    "x.ini:5: [probe p] url: \"ftp://127.0.0.1:9090\" is not an http:// or https:// URL; the prometheus probe speaks only those two");
	expect_only(PROM_HEAD
		    "url = http://[::1:9090\n"	/* 5 */
		    "query = up\n"
		    "expect_value = > 0\n",
		    "x.ini:5: [probe p] url: \"http://[::1:9090\" is not a valid URL: Bad IPv6 address");
	expect_only(PROM_HEAD
		    "url = http://127.0.0.1:9090/api/v1/query?query=up\n"	/* 5 */
		    "query = up\n"
		    "expect_value = > 0\n",
		    "x.ini:5: [probe p] url: \"http://127.0.0.1:9090/api/v1/query?query=up\" has a query or fragment: write the server's URL alone (http://host:9090), the probe adds /api/v1/query");
	expect_only(PROM_HEAD
		    "url = http://127.0.0.1:9090\n"
		    "query = up\n",
		    "x.ini:3: [probe p] expect_value: missing required key");
	expect_only(PROM_HEAD
		    "url = http://127.0.0.1:9090\n"
		    "query = up\n"
		    "expect_value = 1\n",	/* 7 */
		    "x.ini:7: [probe p] expect_value: \"1\" has no comparison: write one of >, >=, ==, !=, <, <= and a number, e.g. > 0");
	expect_only(PROM_HEAD
		    "url = http://127.0.0.1:9090\n"
		    "query = up\n"
		    "expect_value = = 1\n",	/* 7 */
		    "x.ini:7: [probe p] expect_value: \"= 1\" is not a comparison: write one of >, >=, ==, !=, <, <= and a number, e.g. > 0");
	expect_only(PROM_HEAD
		    "url = http://127.0.0.1:9090\n"
		    "query = up\n"
		    "expect_value = >=\n",	/* 7 */
		    "x.ini:7: [probe p] expect_value: \">=\" has no number after >=");
	expect_only(PROM_HEAD
		    "url = http://127.0.0.1:9090\n"
		    "query = up\n"
		    "expect_value = > one\n",	/* 7 */
		    "x.ini:7: [probe p] expect_value: \"> one\": \"one\" is not a number (write it like 0, 0.5, 1e3 or +Inf)");
	expect_only(PROM_HEAD
		    "url = http://127.0.0.1:9090\n"
		    "query = up\n"
		    "expect_value = != NaN\n",	/* 7 */
		    "x.ini:7: [probe p] expect_value: \"!= NaN\": no value compares with NaN, not even NaN; compare with a number");
	expect_only(PROM_HEAD
		    "url = http://127.0.0.1:9090\n"
		    "query = up\n"
		    "expect_value = > 0\n"
		    "empty = ok\n",	/* 8 */
		    "x.ini:8: [probe p] empty: \"ok\" is not one of: unhealthy, healthy");
}

static void test_alertmanager_checks(void **state)
{
	load_ok(AM_HEAD "url = http://127.0.0.1:9093/\nalertname = Down\nmatchers = job=demo\nmatchers = severity=\"page\"\n");
	expect_only(AM_HEAD
		    "url = 127.0.0.1:9093\n"	/* 5 */
		    "alertname = Down\n",
		    "x.ini:5: [probe a] url: \"127.0.0.1:9093\" is not an http:// or https:// URL; the alertmanager probe speaks only those two");
	expect_only(AM_HEAD
		    "url = http://127.0.0.1:9093/#/alerts\n"	/* 5 */
		    "alertname = Down\n",
		    "x.ini:5: [probe a] url: \"http://127.0.0.1:9093/#/alerts\" has a query or fragment: write Alertmanager's URL alone (http://host:9093), the probe adds /api/v2/alerts");
	expect_only(AM_HEAD
		    "url = http://127.0.0.1:9093\n",
		    "x.ini:3: [probe a] alertname: missing required key");
	expect_only(AM_HEAD
		    "url = http://127.0.0.1:9093\n"
		    "alertname = Down\n"
		    "matchers = job=demo\n"
		    "matchers = severity\n",	/* 8 */
		    "x.ini:8: [probe a] matchers: \"severity\" is not label=value");
	expect_only(AM_HEAD
		    "url = http://127.0.0.1:9093\n"
		    "alertname = Down\n"
		    "matchers = severity=~page\n",	/* 7 */
		    "x.ini:7: [probe a] matchers: \"severity=~page\": only label=value matchers are supported, not !=, =~ or !~");
	expect_only(AM_HEAD
		    "url = http://127.0.0.1:9093\n"
		    "alertname = Down\n"
		    "matchers = se-verity=page\n",	/* 7 */
		    "x.ini:7: [probe a] matchers: \"se-verity=page\": \"se-verity\" is not a label name (letters, digits and _, not starting with a digit)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comparisons),
		cmocka_unit_test(test_comparison_errors),
		cmocka_unit_test(test_values_nan_and_inf),
		cmocka_unit_test(test_prometheus_vector),
		cmocka_unit_test(test_prometheus_several_series),
		cmocka_unit_test(test_prometheus_nan_and_inf_series),
		cmocka_unit_test(test_prometheus_scalar),
		cmocka_unit_test(test_prometheus_empty),
		cmocka_unit_test(test_prometheus_other_results),
		cmocka_unit_test(test_prometheus_errors),
		cmocka_unit_test(test_prometheus_message_cut),
		cmocka_unit_test(test_matchers),
		cmocka_unit_test(test_alertmanager_active),
		cmocka_unit_test(test_alertmanager_silenced_and_inhibited),
		cmocka_unit_test(test_alertmanager_errors),
		cmocka_unit_test(test_prometheus_checks),
		cmocka_unit_test(test_alertmanager_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
