/* SPDX-License-Identifier: MIT */
/*
 * The prometheus probe: one PromQL instant query per sample (GET
 * URL/api/v1/query?query=...), through the transfers the HTTP probe types
 * share (fetch.h: libcurl's multi-socket API on the loop, one easy handle
 * per probe, the probe's timeout, 1 MiB of body at most). The sample passes
 * when the result, an instant vector or a scalar, has at least one value
 * and every value satisfies expect_value (an empty vector passes with
 * empty = healthy); the reply is read with the bounded JSON reader
 * (promql.h).
 */
#include <math.h>

#include "fetch.h"
#include "promql.h"

struct prom_state {
	struct fetch f;			/* first: judge() gets &f */
	struct promql_cmp cmp;
	bool empty_ok;
};

/* The value of a [timestamp, "value"] pair: 0 with *ret and its text, or
 * -EINVAL. */
static int prom_pair(const struct json *pair, double *ret, const char **ret_text)
{
	if (!pair || pair->type != JSON_ARRAY || pair->n != 2 || pair->items[1].type != JSON_STRING ||
	    promql_value_parse(pair->items[1].text, ret) < 0)
		return -EINVAL;
	*ret_text = pair->items[1].text;
	return 0;
}

/* Judge result, a vector's array of series, into b (empty on a pass). */
static void prom_vector(const struct json *result, const struct promql_cmp *c, bool empty_ok,
			struct sbuf *b)
{
	size_t failed = 0;

	if (result->type != JSON_ARRAY) {
		sbuf_add(b, "reply is not a Prometheus query result: \"result\" is not an array");
		return;
	}
	if (!result->n) {
		if (!empty_ok)
			sbuf_add(b, "no data: the query returned no series");
		return;
	}
	for (size_t i = 0; i < result->n; i++) {
		const struct json *s = &result->items[i], *metric = json_get(s, "metric");
		const char *text;
		double v;

		if (prom_pair(json_get(s, "value"), &v, &text) < 0) {
			sbuf_free(b);
			sbuf_add(b, json_get(s, "histogram") ? "the query returns native histograms, not numbers" :
				 "reply is not a Prometheus query result: a series has no [time, \"value\"]");
			return;
		}
		if (promql_cmp_holds(c, v) || failed++)	/* the first failure is named */
			continue;
		promql_add_labels(b, metric);
		sbuf_addf(b, " = %s, expected %s", text, c->text);
	}
	if (failed && result->n > 1)
		sbuf_addf(b, " (%zu of %zu series fail)", failed, result->n);
}

/* Judge the "data" of a successful reply into b (empty on a pass). */
static void prom_data(const struct json *data, const struct promql_cmp *c, bool empty_ok, struct sbuf *b)
{
	const struct json *type = json_get(data, "resultType"), *result = json_get(data, "result");
	const char *text;
	double v;

	if (!type || type->type != JSON_STRING || !result) {
		sbuf_add(b, "reply is not a Prometheus query result: no \"data\" with \"resultType\" and \"result\"");
	} else if (!strcmp(type->text, "vector")) {
		prom_vector(result, c, empty_ok, b);
	} else if (!strcmp(type->text, "scalar")) {
		if (prom_pair(result, &v, &text) < 0)
			sbuf_add(b, "reply is not a Prometheus query result: a scalar that is not [time, \"value\"]");
		else if (!promql_cmp_holds(c, v))
			sbuf_addf(b, "scalar %s, expected %s", text, c->text);
	} else if (!strcmp(type->text, "matrix")) {
		sbuf_add(b, "the query returns a range vector; expect_value needs an instant vector or a scalar (drop the [range])");
	} else if (!strcmp(type->text, "string")) {
		sbuf_add(b, "the query returns a string, not a number");
	} else {
		sbuf_addf(b, "reply is not a Prometheus query result: resultType \"%.64s\"", type->text);
	}
}

bool prometheus_judge_reply(const char *body, size_t len, long status, const struct promql_cmp *c,
			    bool empty_ok, char *msg, size_t msglen)
{
	struct json *j = promql_reply_parse(body, len, status, "Prometheus", msg, msglen);
	const struct json *st, *err, *kind;
	struct sbuf b = { 0 };
	bool ok;

	if (!j)
		return false;
	st = json_get(j, "status");
	err = json_get(j, "error");
	kind = json_get(j, "errorType");
	if (st && st->type == JSON_STRING && !strcmp(st->text, "error")) {
		sbuf_add(&b, "Prometheus error");
		if (kind && kind->type == JSON_STRING)
			sbuf_addf(&b, " (%s)", kind->text);
		if (err && err->type == JSON_STRING)
			sbuf_addf(&b, ": %s", err->text);
		else
			sbuf_addf(&b, ", status %ld", status);
	} else if (status < 200 || status > 299) {
		sbuf_addf(&b, "status %ld from Prometheus", status);
	} else if (!st || st->type != JSON_STRING || strcmp(st->text, "success")) {
		sbuf_add(&b, "reply is not a Prometheus query result: no \"status\": \"success\"");
	} else {
		prom_data(json_get(j, "data"), c, empty_ok, &b);
	}
	json_free(j);
	ok = !b.len;
	if (!ok)
		promql_set_msg(msg, msglen, b.s);
	sbuf_free(&b);
	return ok;
}

static bool prom_judge(struct fetch *f, int64_t latency_us, char *msg, size_t len)
{
	const struct prom_state *st = (const struct prom_state *)f;

	return prometheus_judge_reply(f->buf, f->len, fetch_status(f), &st->cmp, st->empty_ok, msg, len);
}

/* URL/api/v1/query?query=QUERY (malloc'd). */
static char *prom_query_url(const char *url, const char *query)
{
	_cleanup_free_ char *base = fetch_url_join(url, "/api/v1/query?query=");
	struct sbuf b = { 0 };

	sbuf_add(&b, base);
	fetch_add_query_value(&b, query);
	return sbuf_take(&b);
}

/* A server's base URL: no ?query or #fragment of its own. */
static bool prom_base_url_ok(const char *url)
{
	return !strpbrk(url, "?#");
}

static void prom_check(const struct probe_spec *p, struct diag *d)
{
	const struct section *sec = p->sec;
	const char *url = section_str(sec, "url"), *expect = section_str(sec, "expect_value");
	struct promql_cmp c;

	fetch_check_url(p, d, "url");
	if (url && !prom_base_url_ok(url))
		diag_error(d, probe_key_line(p, "url"), sec->label, "url",
			   "\"%s\" has a query or fragment: write the server's URL alone (http://host:9090), the probe adds /api/v1/query",
			   url);
	if (expect) {
		_cleanup_free_ char *err = NULL;

		if (promql_cmp_parse(expect, &c, &err) < 0)
			diag_error(d, probe_key_line(p, "expect_value"), sec->label, "expect_value", "%s", err);
	}
}

static void prom_free(struct prom_state *st, bool end_of_run)
{
	if (!st)
		return;
	fetch_free(&st->f, end_of_run);
	free(st);
}

static int prom_init(struct probe_ctx *ctx, char **ret_err)
{
	const struct section *sec = ctx->spec->sec;
	const char *url = section_str(sec, "url"), *query = section_str(sec, "query");
	const char *expect = section_str(sec, "expect_value");
	struct prom_state *st;
	int rc;

	if (!url || !fetch_url_scheme_ok(url) || !prom_base_url_ok(url)) {
		*ret_err = xasprintf("url \"%s\" is not a Prometheus server's http:// or https:// URL",
				     url ? url : "");
		return -EINVAL;
	}
	if (!query || !expect) {	/* required keys: the model checked them */
		*ret_err = xstrdup("query and expect_value are required");
		return -EINVAL;
	}
	st = xcalloc(1, sizeof(*st));
	if ((rc = promql_cmp_parse(expect, &st->cmp, ret_err)) < 0)
		goto fail;
	st->empty_ok = section_int(sec, "empty") == 1;
	rc = fetch_init_json(&st->f, ctx, prom_query_url(url, query), "Prometheus", prom_judge, ret_err);
	if (rc < 0)
		goto fail;
	ctx->state = st;
	return 0;
fail:
	prom_free(st, false);
	return rc;
}

static void prom_destroy(struct probe_ctx *ctx)
{
	prom_free(ctx->state, true);
	ctx->state = NULL;
}

static void prom_describe(const struct probe_spec *p, struct sbuf *out)
{
	const struct section *sec = p->sec;
	const char *url = section_str(sec, "url"), *query = section_str(sec, "query");
	const char *expect = section_str(sec, "expect_value");
	struct promql_cmp c;
	_cleanup_free_ char *err = NULL;

	sbuf_addf(out, "query %s at %s, every value %s", query ? query : "?", url ? url : "?",
		  expect && promql_cmp_parse(expect, &c, &err) == 0 ? c.text : "?");
	sbuf_add(out, section_int(sec, "empty") == 1 ? ", no data passes" : ", no data fails");
	probe_describe_timing(p, out);
}

static const char *const prom_empty_choices[] = { "unhealthy", "healthy", NULL };

static const struct opt_def prom_options[] = {
	{ "url", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL,
	  "the Prometheus server, http:// or https:// (e.g. http://127.0.0.1:9090)" },
	{ "query", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL,
	  "PromQL expression, run as an instant query (/api/v1/query)" },
	{ "expect_value", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL,
	  "comparison every returned value must satisfy: > 0, >= 1, == 1, != 0, < 0.5, <= 2" },
	{ "empty", OPT_ENUM, 0, "unhealthy", 0, 0, prom_empty_choices,
	  "an empty result (no data): unhealthy fails the sample, healthy passes it" },
	OPT_END,
};

const struct probe_type probe_prometheus = {
	.name = "prometheus",
	.summary = "PromQL instant query: every value satisfies a comparison",
	.options = prom_options,
	.check = prom_check,
	.init = prom_init,
	.start = fetch_probe_start,
	.cancel = fetch_probe_cancel,
	.destroy = prom_destroy,
	.describe = prom_describe,
};
