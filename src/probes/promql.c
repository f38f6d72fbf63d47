/* SPDX-License-Identifier: MIT */
/*
 * The expect_value comparison, Prometheus' sample values and the JSON
 * replies of the prometheus and alertmanager probes (promql.h).
 */
#include <ctype.h>
#include <math.h>
#include <strings.h>

#include "fetch.h"
#include "promql.h"

const struct json_limits promql_json_limits = {
	.max_bytes = FETCH_BODY_MAX,
	.max_depth = 16,
	.max_values = 256u << 10,
	.max_string = 64u << 10,
};

/* A number as Prometheus writes one: decimal digits with an optional
 * sign, fraction and exponent, or Inf with an optional sign, or NaN (any
 * case). No hex, no "infinity", no spaces. 0 and *ret, or -EINVAL. */
static int promql_number(const char *s, double *ret)
{
	const char *p = s;
	unsigned digits = 0;

	if (*p == '+' || *p == '-')
		p++;
	if (!strcasecmp(p, "inf")) {
		*ret = *s == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	if (p == s && !strcasecmp(p, "nan")) {
		*ret = NAN;
		return 0;
	}
	for (; isdigit((unsigned char)*p); p++)
		digits++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits++;
	if (!digits)
		return -EINVAL;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p)
		return -EINVAL;
	*ret = strtod(s, NULL);	/* overflow is ±HUGE_VAL, that is ±Inf */
	return 0;
}

int promql_value_parse(const char *s, double *ret)
{
	return promql_number(s, ret);
}

static const char *const promql_ops[] = {
	[PROMQL_GT] = ">", [PROMQL_GE] = ">=", [PROMQL_EQ] = "==",
	[PROMQL_NE] = "!=", [PROMQL_LT] = "<", [PROMQL_LE] = "<=",
};

int promql_cmp_parse(const char *s, struct promql_cmp *ret, char **ret_err)
{
	const char *p = s, *num;
	size_t oplen = 0, numlen;
	_cleanup_free_ char *n = NULL;
	int op = -1;
	double v;

	while (isspace((unsigned char)*p))
		p++;
	for (int i = 0; i < (int)ARRAY_SIZE(promql_ops); i++) {
		size_t l = strlen(promql_ops[i]);

		if (l > oplen && !strncmp(p, promql_ops[i], l)) {
			op = i;
			oplen = l;
		}
	}
	if (op < 0 || (p[oplen] && strchr("=<>!", p[oplen]))) {
		if (*p && !strchr("=<>!", *p))
			*ret_err = xasprintf("\"%s\" has no comparison: write one of >, >=, ==, !=, <, <= and a number, e.g. > 0",
					     s);
		else
			*ret_err = xasprintf("\"%s\" is not a comparison: write one of >, >=, ==, !=, <, <= and a number, e.g. > 0",
					     s);
		return -EINVAL;
	}
	for (num = p + oplen; isspace((unsigned char)*num); num++)
		;
	for (numlen = strlen(num); numlen && isspace((unsigned char)num[numlen - 1]); numlen--)
		;
	n = xstrndup(num, numlen);
	if (!*n) {
		*ret_err = xasprintf("\"%s\" has no number after %s", s, promql_ops[op]);
		return -EINVAL;
	}
	if (promql_number(n, &v) < 0 || numlen > 64) {
		*ret_err = xasprintf("\"%s\": \"%s\" is not a number (write it like 0, 0.5, 1e3 or +Inf)", s, n);
		return -EINVAL;
	}
	if (isnan(v)) {
		*ret_err = xasprintf("\"%s\": no value compares with NaN, not even NaN; compare with a number", s);
		return -EINVAL;
	}
	ret->op = (enum promql_op)op;
	ret->value = v;
	snprintf(ret->text, sizeof(ret->text), "%s %s", promql_ops[op], n);
	return 0;
}

bool promql_cmp_holds(const struct promql_cmp *c, double v)
{
	switch (c->op) {
	case PROMQL_GT: return v > c->value;
	case PROMQL_GE: return v >= c->value;
	case PROMQL_EQ: return v == c->value;
	case PROMQL_NE: return v != c->value;
	case PROMQL_LT: return v < c->value;
	case PROMQL_LE: return v <= c->value;
	}
	return false;
}

void promql_set_msg(char *msg, size_t msglen, const char *text)
{
	size_t n = strlen(text);

	if (!msglen)
		return;
	if (n >= msglen)
		n = utf8_cut(text, msglen - 1);
	memcpy(msg, text, n);
	msg[n] = '\0';
}

void promql_add_excerpt(struct sbuf *b, const char *body, size_t len, size_t max)
{
	const char *p = body, *end = body + (len < max ? len : utf8_cut(body, max));

	while (p < end && *p != '\n' && *p != '\r') {
		unsigned char c = (unsigned char)*p;

		if (c >= 0x80 && utf8_sequence(p, end)) {
			sbuf_add_utf8(b, &p, end);
			continue;
		}
		sbuf_addn(b, c >= 0x20 && c < 0x7f ? p : "?", 1);
		p++;
	}
	while (p < body + len && isspace((unsigned char)*p))
		p++;
	if (p < body + len)	/* cut, or more lines */
		sbuf_add(b, "...");
}

struct json *promql_reply_parse(const char *body, size_t len, long status, const char *who, char *msg,
				size_t msglen)
{
	_cleanup_free_ char *err = NULL;
	struct sbuf b = { 0 };
	struct json *j = NULL;

	if (json_parse(body ? body : "", len, &promql_json_limits, &j, &err) == 0)
		return j;
	if (status >= 200 && status < 300) {
		sbuf_addf(&b, "reply is not JSON: %s", err);
	} else if (!len) {
		sbuf_addf(&b, "status %ld from %s, with an empty body", status, who);
	} else {
		sbuf_addf(&b, "status %ld from %s: ", status, who);
		promql_add_excerpt(&b, body, len, 200);
	}
	promql_set_msg(msg, msglen, b.s);
	sbuf_free(&b);
	return NULL;
}

void promql_add_labels(struct sbuf *b, const struct json *obj)
{
	bool first = true;

	if (!obj || obj->type != JSON_OBJECT)
		return;
	for (size_t i = 0; i < obj->n; i++)
		if (!strcmp(obj->members[i].key, "__name__") && obj->members[i].value.type == JSON_STRING)
			sbuf_add(b, obj->members[i].value.text);
	sbuf_add(b, "{");
	for (size_t i = 0; i < obj->n; i++) {
		const struct json_member *m = &obj->members[i];

		if (!strcmp(m->key, "__name__") || m->value.type != JSON_STRING)
			continue;
		sbuf_addf(b, "%s%s=\"", first ? "" : ", ", m->key);
		for (const char *c = m->value.text; *c; c++) {
			if (*c == '"' || *c == '\\')
				sbuf_addf(b, "\\%c", *c);
			else if (*c == '\n')
				sbuf_add(b, "\\n");
			else
				sbuf_addn(b, c, 1);
		}
		sbuf_add(b, "\"");
		first = false;
	}
	sbuf_add(b, "}");
}
