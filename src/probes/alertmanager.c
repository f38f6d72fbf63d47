/* SPDX-License-Identifier: MIT */
/*
 * The alertmanager probe: one GET URL/api/v2/alerts per sample, through
 * the transfers the HTTP probe types share (fetch.h: libcurl's
 * multi-socket API on the loop, one easy handle per probe, the probe's
 * timeout, 1 MiB of body at most). The sample fails while an alert named
 * alertname and matching every matcher is active: neither silenced nor
 * inhibited. Alertmanager is asked to filter (filter=alertname="...",
 * silenced=false, inhibited=false) so that a busy one sends little, and
 * the reply, read with the bounded JSON reader, is judged again here
 * (promql.h).
 */
#include <ctype.h>

#include "fetch.h"
#include "promql.h"

struct am_state {
	struct fetch f;			/* first: judge() gets &f */
	const char *alertname;
	struct am_matcher *m;
	size_t n_m;
};

/* A Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*. */
static bool am_label_name_ok(const char *s, size_t n)
{
	if (!n || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

int am_matcher_parse(const char *s, struct am_matcher *ret, char **ret_err)
{
	const char *eq = strchr(s, '='), *nt = strstr(s, "!~"), *name = s, *val;
	size_t nlen, vlen;

	if ((nt && (!eq || nt < eq)) || (eq && ((eq > s && eq[-1] == '!') || eq[1] == '~'))) {
		*ret_err = xasprintf("\"%s\": only label=value matchers are supported, not !=, =~ or !~", s);
		return -EINVAL;
	}
	if (!eq) {
		*ret_err = xasprintf("\"%s\" is not label=value", s);
		return -EINVAL;
	}
	while (isspace((unsigned char)*name))
		name++;
	for (nlen = (size_t)(eq - name); nlen && isspace((unsigned char)name[nlen - 1]); nlen--)
		;
	if (!am_label_name_ok(name, nlen)) {
		*ret_err = xasprintf("\"%s\": \"%.*s\" is not a label name (letters, digits and _, not starting with a digit)",
				     s, (int)nlen, name);
		return -EINVAL;
	}
	for (val = eq + 1; isspace((unsigned char)*val); val++)
		;
	for (vlen = strlen(val); vlen && isspace((unsigned char)val[vlen - 1]); vlen--)
		;
	if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
		val++;
		vlen -= 2;
	}
	ret->name = xstrndup(name, nlen);
	ret->value = xstrndup(val, vlen);
	return 0;
}

/* Does the label set (a JSON object) have name = value (absent: "")? */
static bool am_label_is(const struct json *labels, const char *name, const char *value)
{
	const struct json *v = json_get(labels, name);

	if (!v)
		return !*value;
	return v->type == JSON_STRING && !strcmp(v->text, value);
}

/* Is the JSON array a (may be NULL) empty? */
static bool am_none(const struct json *a)
{
	return !a || (a->type == JSON_ARRAY && !a->n);
}

/* "Alertmanager error: status 500: ...", quoting its message: a JSON
 * string, an object's "message", or the body's first line. */
static void am_error(const char *body, size_t len, long status, struct sbuf *b)
{
	_cleanup_free_ char *err = NULL;
	struct json *j = NULL;
	const struct json *m;

	sbuf_addf(b, "Alertmanager error: status %ld", status);
	if (!len) {
		sbuf_add(b, ", with an empty body");
		return;
	}
	sbuf_add(b, ": ");
	if (json_parse(body, len, &promql_json_limits, &j, &err) == 0) {
		m = j->type == JSON_STRING ? j : json_get(j, "message");
		if (m && m->type == JSON_STRING) {
			promql_add_excerpt(b, m->text, m->len, 200);
			json_free(j);
			return;
		}
		json_free(j);
	}
	promql_add_excerpt(b, body, len, 200);
}

/* Judge the alert list a into b (empty on a pass). */
static void am_alerts(const struct json *a, const char *alertname, const struct am_matcher *m,
		      size_t n_m, struct sbuf *b)
{
	size_t firing = 0;

	if (a->type != JSON_ARRAY) {
		sbuf_addf(b, "reply is not an Alertmanager alert list: expected an array, got %s",
			  json_type_name(a->type));
		return;
	}
	for (size_t i = 0; i < a->n; i++) {
		const struct json *labels = json_get(&a->items[i], "labels");
		const struct json *st = json_get(&a->items[i], "status"), *state = json_get(st, "state");
		bool match;

		if (!labels || labels->type != JSON_OBJECT || !state || state->type != JSON_STRING) {
			sbuf_free(b);
			sbuf_add(b, "reply is not an Alertmanager alert list: an alert without \"labels\" or \"status\"");
			return;
		}
		match = am_label_is(labels, "alertname", alertname);
		for (size_t k = 0; match && k < n_m; k++)
			match = am_label_is(labels, m[k].name, m[k].value);
		if (!match || strcmp(state->text, "active") || !am_none(json_get(st, "silencedBy")) ||
		    !am_none(json_get(st, "inhibitedBy")))
			continue;
		if (firing++)
			continue;
		sbuf_addf(b, "alert %s is firing: ", alertname);
		promql_add_labels(b, labels);
	}
	if (firing > 1)
		sbuf_addf(b, " (and %zu more)", firing - 1);
}

bool alertmanager_judge_reply(const char *body, size_t len, long status, const char *alertname,
			      const struct am_matcher *m, size_t n_m, char *msg, size_t msglen)
{
	struct sbuf b = { 0 };
	struct json *j;
	bool ok;

	if (status < 200 || status > 299) {
		am_error(body, len, status, &b);
	} else if ((j = promql_reply_parse(body, len, status, "Alertmanager", msg, msglen))) {
		am_alerts(j, alertname, m, n_m, &b);
		json_free(j);
	} else {
		return false;
	}
	ok = !b.len;
	if (!ok)
		promql_set_msg(msg, msglen, b.s);
	sbuf_free(&b);
	return ok;
}

static bool am_judge(struct fetch *f, int64_t latency_us, char *msg, size_t len)
{
	const struct am_state *st = (const struct am_state *)f;

	return alertmanager_judge_reply(f->buf, f->len, fetch_status(f), st->alertname, st->m, st->n_m, msg,
					len);
}

/* Append "&filter=" and name="value" (an Alertmanager matcher, value
 * quoted), percent-encoded. */
static void am_add_filter(struct sbuf *b, const char *name, const char *value)
{
	struct sbuf q = { 0 };

	sbuf_addf(&q, "%s=\"", name);
	for (const char *c = value; *c; c++) {
		if (*c == '"' || *c == '\\')
			sbuf_addf(&q, "\\%c", *c);
		else if (*c == '\n')
			sbuf_add(&q, "\\n");
		else
			sbuf_addn(&q, c, 1);
	}
	sbuf_add(&q, "\"");
	sbuf_add(b, "&filter=");
	fetch_add_query_value(b, q.s);
	sbuf_free(&q);
}

/* URL/api/v2/alerts?... asking for the active alerts that match (malloc'd). */
static char *am_alerts_url(const char *url, const char *alertname, const struct am_matcher *m, size_t n_m)
{
	_cleanup_free_ char *base = fetch_url_join(url, "/api/v2/alerts?active=true&silenced=false&inhibited=false");
	struct sbuf b = { 0 };

	sbuf_add(&b, base);
	am_add_filter(&b, "alertname", alertname);
	for (size_t i = 0; i < n_m; i++)
		am_add_filter(&b, m[i].name, m[i].value);
	return sbuf_take(&b);
}

static void am_check(const struct probe_spec *p, struct diag *d)
{
	const struct section *sec = p->sec;
	const char *url = section_str(sec, "url");
	const struct opt_value *mv = section_get(sec, "matchers");

	fetch_check_url(p, d, "url");
	if (url && strpbrk(url, "?#"))
		diag_error(d, probe_key_line(p, "url"), sec->label, "url",
			   "\"%s\" has a query or fragment: write Alertmanager's URL alone (http://host:9093), the probe adds /api/v2/alerts",
			   url);
	for (char **s = mv && mv->list ? mv->list : NULL; s && *s; s++) {
		_cleanup_free_ char *err = NULL;
		struct am_matcher m;

		if (am_matcher_parse(*s, &m, &err) < 0) {
			diag_error(d, probe_key_line(p, "matchers"), sec->label, "matchers", "%s", err);
			continue;
		}
		free(m.name);
		free(m.value);
	}
}

static void am_free(struct am_state *st, bool end_of_run)
{
	if (!st)
		return;
	fetch_free(&st->f, end_of_run);
	for (size_t i = 0; i < st->n_m; i++) {
		free(st->m[i].name);
		free(st->m[i].value);
	}
	free(st->m);
	free(st);
}

static int am_init(struct probe_ctx *ctx, char **ret_err)
{
	const struct section *sec = ctx->spec->sec;
	const char *url = section_str(sec, "url");
	const struct opt_value *mv = section_get(sec, "matchers");
	struct am_state *st;
	int rc;

	if (!url || !fetch_url_scheme_ok(url) || strpbrk(url, "?#")) {
		*ret_err = xasprintf("url \"%s\" is not Alertmanager's http:// or https:// URL", url ? url : "");
		return -EINVAL;
	}
	st = xcalloc(1, sizeof(*st));
	st->alertname = section_str(sec, "alertname");
	if (mv && mv->list) {
		st->m = xcalloc(mv->n_list, sizeof(*st->m));
		for (; st->n_m < mv->n_list; st->n_m++)
			if ((rc = am_matcher_parse(mv->list[st->n_m], &st->m[st->n_m], ret_err)) < 0)
				goto fail;
	}
	rc = fetch_init_json(&st->f, ctx, am_alerts_url(url, st->alertname ? st->alertname : "", st->m, st->n_m), "Alertmanager",
			     am_judge, ret_err);
	if (rc < 0)
		goto fail;
	ctx->state = st;
	return 0;
fail:
	am_free(st, false);
	return rc;
}

static void am_destroy(struct probe_ctx *ctx)
{
	am_free(ctx->state, true);
	ctx->state = NULL;
}

static void am_describe(const struct probe_spec *p, struct sbuf *out)
{
	const struct section *sec = p->sec;
	const char *url = section_str(sec, "url"), *name = section_str(sec, "alertname");
	const struct opt_value *mv = section_get(sec, "matchers");

	sbuf_addf(out, "alert %s", name ? name : "?");
	for (char **s = mv && mv->list ? mv->list : NULL; s && *s; s++)
		sbuf_addf(out, "%s%s", s == mv->list ? " with " : ", ", *s);
	sbuf_addf(out, " at %s, down while it is active (not silenced or inhibited)", url ? url : "?");
	probe_describe_timing(p, out);
}

static const struct opt_def am_options[] = {
	{ "url", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL,
	  "Alertmanager's base URL, http:// or https:// (e.g. http://127.0.0.1:9093)" },
	{ "alertname", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL,
	  "the alert to watch (its alertname label)" },
	{ "matchers", OPT_STRING, OPT_MULTI, NULL, 0, 0, NULL,
	  "label=value the alert must also carry; repeat the key for more" },
	OPT_END,
};

const struct probe_type probe_alertmanager = {
	.name = "alertmanager",
	.summary = "down while a matching alert is active in Alertmanager",
	.options = am_options,
	.check = am_check,
	.init = am_init,
	.start = fetch_probe_start,
	.cancel = fetch_probe_cancel,
	.destroy = am_destroy,
	.describe = am_describe,
};
