/* SPDX-License-Identifier: MIT */
/*
 * The http probe: one request per sample, on the transfers the types that
 * speak HTTP share (fetch.h: libcurl's multi-socket API on the engine's
 * loop, one easy handle per probe set up once in init(), the connection
 * handling of reuse = no and reuse = yes, the 1 MiB body limit). This file
 * adds the request (method, headers, body) and the checks of a response:
 * status, body, latency.
 *
 * With reuse = no (the default) each sample is a fresh connection, so it
 * measures connecting to the service too, as a new client sees it; the
 * request says "Connection: close", and the server closes first, so
 * TIME_WAIT stays on its side. With reuse = yes each sample takes the
 * probe's idle connection, as a warm client does; curl reopens one the
 * server has dropped within the same sample.
 */
#include <ctype.h>
#include <regex.h>
#include <strings.h>
#include "erebus/json.h"
#include "erebus/regex.h"
#include "fetch.h"

struct http_state {
	struct fetch f;			/* first: judge() gets &f */
	const char *body;
	char *method;			/* upper-cased copy */
	const char *expect_body;	/* as written, for messages */
	char *substr;			/* expect_body without a regex */
	regex_t re;
	bool has_re;
	const struct status_range *status;
	unsigned n_status;
	char *status_text;		/* "200-399" */
	int64_t max_latency_us;		/* 0: none */
};

/* Is expect_body written as /regex/? Returns the inner text (malloc'd)
 * or NULL for a plain substring. */
static char *http_body_regex(const char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '/' && s[n - 1] == '/')
		return xstrndup(s + 1, n - 2);
	return NULL;
}

/* Compile the /regex/ form; on failure returns -EINVAL with *ret_err. */
static int http_compile(const char *pattern, regex_t *re, char **ret_err)
{
	_cleanup_free_ char *why = NULL;

	if (!*pattern) {
		*ret_err = xstrdup("empty regular expression //: write a pattern between the slashes");
		return -EINVAL;
	}
	/* Bounded: the body is the service's, its size up to the probe's limit. */
	if (regex_compile_bounded(re, pattern, &why) < 0) {
		*ret_err = xasprintf("regular expression /%s/ %s", pattern, why);
		return -EINVAL;
	}
	return 0;
}

static char *http_status_text(const struct status_range *v, unsigned n)
{
	struct sbuf b = { 0 };

	for (unsigned i = 0; i < n; i++) {
		if (i)
			sbuf_add(&b, ",");
		if (v[i].lo == v[i].hi)
			sbuf_addf(&b, "%d", v[i].lo);
		else
			sbuf_addf(&b, "%d-%d", v[i].lo, v[i].hi);
	}
	return sbuf_take(&b);
}

/* An HTTP method is one token ("GET", "PURGE"). */
static bool http_method_ok(const char *m)
{
	if (!*m)
		return false;
	for (; *m; m++)
		if (!isalnum((unsigned char)*m) && !strchr("!#$%&'*+-.^_`|~", *m))
			return false;
	return true;
}

/* A header line is "Name: value" with a token name. */
static bool http_header_ok(const char *h)
{
	const char *colon = strchr(h, ':');
	_cleanup_free_ char *name = NULL;

	if (!colon || colon == h)
		return false;
	name = xstrndup(h, (size_t)(colon - h));
	return http_method_ok(name);
}

static void http_check(const struct probe_spec *p, struct diag *d)
{
	const struct section *sec = p->sec;
	const char *method = section_str(sec, "method");
	const char *expect = section_str(sec, "expect_body");
	const struct opt_value *hv = section_get(sec, "headers");
	const struct opt_value *ml = section_get(sec, "max_latency");

	fetch_check_url(p, d, "url");
	if (method && !http_method_ok(method))
		diag_error(d, probe_key_line(p, "method"), sec->label, "method",
			   "\"%s\" is not an HTTP method; write one word such as GET, POST or HEAD", method);
	if (hv && hv->list)
		for (char **h = hv->list; *h; h++)
			if (!http_header_ok(*h))
				diag_error(d, probe_key_line(p, "headers"), sec->label, "headers",
					   "expected \"Name: value\", got \"%s\"", *h);
	if (expect) {
		_cleanup_free_ char *pattern = http_body_regex(expect);
		_cleanup_free_ char *err = NULL;
		regex_t re;

		if (pattern) {
			if (http_compile(pattern, &re, &err) < 0)
				diag_error(d, probe_key_line(p, "expect_body"), sec->label, "expect_body", "%s", err);
			else
				regfree(&re);
		}
		if (method && strcasecmp(method, "HEAD") == 0)
			diag_error(d, probe_key_line(p, "expect_body"), sec->label, "expect_body",
				   "a HEAD response has no body to check; use method = GET");
	}
	if (ml && ml->present && p->timeout_us > 0 && ml->usec >= p->timeout_us) {
		char a[32], b[32];

		diag_error(d, probe_key_line(p, "max_latency"), sec->label, "max_latency",
			   "max_latency %s is not below timeout %s, so it could never fail a sample; raise timeout or lower max_latency",
			   format_duration(ml->usec, a, sizeof(a)), format_duration(p->timeout_us, b, sizeof(b)));
	}
}

/* How much of s a message quotes: at most 200 bytes, never part of a
 * character. */
static int cut200(const char *s)
{
	return (int)utf8_cut(s, strnlen(s, 200));
}

/* Judge a completed transfer: status, body, latency, in that order.
 * Returns true when the sample passes; otherwise msg says why. */
static bool http_judge(struct fetch *f, int64_t latency_us, char *msg, size_t len)
{
	const struct http_state *st = (const struct http_state *)f;
	long status = fetch_status(f);

	if (!status_set_contains(st->status, st->n_status, (int)status)) {
		snprintf(msg, len, "status %ld (expected %s)", status, st->status_text);
		return false;
	}
	if (st->has_re) {
		regmatch_t m = { .rm_so = 0, .rm_eo = (regoff_t)f->len };

		if (regexec(&st->re, f->buf ? f->buf : "", 1, &m, REG_STARTEND) != 0) {
			snprintf(msg, len, "body does not match %.*s", cut200(st->expect_body), st->expect_body);
			return false;
		}
	} else if (st->substr) {
		if (!memmem(f->buf ? f->buf : "", f->len, st->substr, strlen(st->substr))) {
			snprintf(msg, len, "body does not contain \"%.*s\"", cut200(st->substr), st->substr);
			return false;
		}
	}
	if (st->max_latency_us && latency_us > st->max_latency_us) {
		char a[32], b[32];

		snprintf(msg, len, "took %s, max_latency %s", format_duration(latency_us, a, sizeof(a)),
			 format_duration(st->max_latency_us, b, sizeof(b)));
		return false;
	}
	return true;
}

static void http_state_free(struct http_state *st, bool end_of_run)
{
	if (!st)
		return;
	fetch_free(&st->f, end_of_run);
	if (st->has_re)
		regfree(&st->re);
	free(st->substr);
	free(st->method);
	free(st->status_text);
	free(st);
}

/* The request's own options: method and body. */
static CURLcode http_setup(struct http_state *st, CURL *e)
{
	CURLcode c = CURLE_OK;

#define SET(opt, val) do { if (c == CURLE_OK) c = curl_easy_setopt(e, opt, val); } while (0)
	if (strcmp(st->method, "HEAD") == 0) {
		SET(CURLOPT_NOBODY, 1L);
	} else if (st->body) {
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(st->body));
		SET(CURLOPT_COPYPOSTFIELDS, st->body);
		if (strcmp(st->method, "POST") != 0)
			SET(CURLOPT_CUSTOMREQUEST, st->method);
	} else if (strcmp(st->method, "GET") != 0) {
		SET(CURLOPT_CUSTOMREQUEST, st->method);
	}
#undef SET
	return c;
}

static int http_init(struct probe_ctx *ctx, char **ret_err)
{
	const struct section *sec = ctx->spec->sec;
	const struct opt_value *hv = section_get(sec, "headers");
	const struct opt_value *sv = section_get(sec, "expect_status");
	const struct opt_value *ml = section_get(sec, "max_latency");
	const char *method = section_str(sec, "method");
	const char *url = section_str(sec, "url");
	struct fetch_opts o = { .url = url, .headers = hv ? hv->list : NULL, .judge = http_judge };
	struct http_state *st;
	CURLcode c;
	int rc;

	if (!url || !fetch_url_scheme_ok(url)) {
		*ret_err = xasprintf("url \"%s\" is not an http:// or https:// URL", url ? url : "");
		return -EINVAL;
	}
	st = xcalloc(1, sizeof(*st));
	st->method = xstrdup(method ? method : "GET");
	for (char *m = st->method; *m; m++)
		*m = (char)toupper((unsigned char)*m);
	st->body = section_str(sec, "body");
	st->expect_body = section_str(sec, "expect_body");
	if (st->expect_body) {
		_cleanup_free_ char *pattern = http_body_regex(st->expect_body);

		if (pattern) {
			rc = http_compile(pattern, &st->re, ret_err);
			if (rc < 0)
				goto fail;
			st->has_re = true;
		} else {
			st->substr = xstrdup(st->expect_body);
		}
	}
	if (sv && sv->present) {
		st->status = sv->status.v;
		st->n_status = sv->status.n;
	}
	st->status_text = http_status_text(st->status, st->n_status);
	st->max_latency_us = ml && ml->present ? ml->usec : 0;
	o.tls_verify = section_int(sec, "tls_verify") != 0;
	o.reuse = section_int(sec, "reuse") != 0;
	o.keep_body = st->has_re || st->substr;
	if ((rc = fetch_init(&st->f, ctx, &o, ret_err)) < 0)
		goto fail;
	if ((c = http_setup(st, st->f.easy)) != CURLE_OK) {
		*ret_err = fetch_setopt_error(c, &rc);
		goto fail;
	}
	ctx->state = st;
	return 0;
fail:
	http_state_free(st, false);
	return rc;
}

/* The end of the run: the loop no longer turns, so a kept connection is
 * reset. */
static void http_destroy(struct probe_ctx *ctx)
{
	http_state_free(ctx->state, true);
	ctx->state = NULL;
}

static void http_describe(const struct probe_spec *p, struct sbuf *out)
{
	const struct section *sec = p->sec;
	const char *method = section_str(sec, "method");
	const char *expect = section_str(sec, "expect_body");
	const struct opt_value *sv = section_get(sec, "expect_status");
	const struct opt_value *ml = section_get(sec, "max_latency");
	const struct opt_value *hv = section_get(sec, "headers");
	const char *url = section_str(sec, "url"), *body = section_str(sec, "body");
	_cleanup_free_ char *m = xstrdup(method ? method : "GET");
	_cleanup_free_ char *status = NULL;
	_cleanup_free_ char *pattern = NULL;
	size_t n_headers = hv ? strv_len(hv->list) : 0;

	for (char *c = m; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	sbuf_addf(out, "%s %s", m, url ? url : "?");
	if (n_headers)
		sbuf_addf(out, " with %zu header%s", n_headers, n_headers == 1 ? "" : "s");
	if (body)
		sbuf_addf(out, "%s a %zu-byte body", n_headers ? " and" : " with", strlen(body));
	if (sv && sv->present) {
		status = http_status_text(sv->status.v, sv->status.n);
		sbuf_addf(out, ", expect %s", status);
	}
	if (expect) {
		pattern = http_body_regex(expect);
		if (pattern)
			sbuf_addf(out, ", body matches %s", expect);
		else
			sbuf_addf(out, ", body contains \"%s\"", expect);
	}
	if (ml && ml->present) {
		char a[32];

		sbuf_addf(out, ", within %s", format_duration(ml->usec, a, sizeof(a)));
	}
	if (!section_int(sec, "tls_verify"))
		sbuf_add(out, ", TLS certificate not verified");
	if (section_int(sec, "reuse"))
		sbuf_add(out, ", connection kept between samples");
	probe_describe_timing(p, out);
}

static const struct opt_def http_options[] = {
	{ "url", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL,
	  "http:// or https:// URL to request" },
	{ "method", OPT_STRING, 0, "GET", 0, 0, NULL, "HTTP method" },
	{ "headers", OPT_STRING, OPT_MULTI, NULL, 0, 0, NULL,
	  "request header \"Name: value\"; repeat the key for more" },
	{ "body", OPT_STRING, 0, NULL, 0, 0, NULL, "request body" },
	{ "expect_status", OPT_STATUS_SET, 0, "200-399", 0, 0, NULL,
	  "accepted status codes, e.g. 200-299,304" },
	{ "expect_body", OPT_STRING, 0, NULL, 0, 0, NULL,
	  "text the body must contain, or /regex/ (POSIX extended) it must match" },
	{ "max_latency", OPT_DURATION, 0, NULL, 0, 0, NULL,
	  "a slower response fails the sample" },
	{ "tls_verify", OPT_BOOL, 0, "yes", 0, 0, NULL,
	  "verify the server's TLS certificate and name" },
	{ "reuse", OPT_BOOL, 0, "no", 0, 0, NULL,
	  "keep the connection between samples (a warm client); no: a new one each sample" },
	OPT_END,
};

const struct probe_type probe_http = {
	.name = "http",
	.summary = "HTTP(S) request: expected status, body and latency",
	.options = http_options,
	.check = http_check,
	.init = http_init,
	.start = fetch_probe_start,
	.cancel = fetch_probe_cancel,
	.destroy = http_destroy,
	.describe = http_describe,
};
