/* SPDX-License-Identifier: MIT */
/* A strict, bounded JSON reader: recursive descent over a byte range. */
#include <math.h>

#include "erebus/json.h"

const struct json_limits json_default_limits = {
	.max_bytes = 64u << 20,
	.max_depth = 32,
	.max_values = 4u << 20,
	.max_string = 1u << 20,
};

struct parser {
	const char *s, *p, *end;
	const struct json_limits *lim;
	unsigned depth, line;
	const char *line_start;
	size_t values;
	int code;	/* 0, or the first error's -errno */
	char *err;
};

static int fail(struct parser *P, const char *at, int code, const char *fmt, ...) _printf_(4, 5);
static int fail(struct parser *P, const char *at, int code, const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;

	if (P->code)
		return P->code;
	sbuf_addf(&b, "line %u, column %zu: ", P->line, (size_t)(at - P->line_start) + 1);
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	P->err = sbuf_take(&b);
	P->code = code;
	return code;
}

/* Whitespace is the only place a raw newline may appear. */
static void skip_ws(struct parser *P)
{
	while (P->p < P->end) {
		char c = *P->p;
		if (c == '\n') {
			P->line++;
			P->line_start = P->p + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return;
		}
		P->p++;
	}
}

/* A printable description of the byte at p, for messages. */
static const char *describe_at(const struct parser *P, const char *p, char buf[static 16])
{
	unsigned char c;

	if (p >= P->end)
		return "the end of the input";
	c = (unsigned char)*p;
	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, 16, "'%c'", c);
	else
		snprintf(buf, 16, "byte 0x%02x", c);
	return buf;
}

static int parse_value(struct parser *P, struct json *v);

static bool take_literal(struct parser *P, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(P->end - P->p) < n || memcmp(P->p, lit, n))
		return false;
	P->p += n;
	return true;
}

static int parse_number(struct parser *P, struct json *v)
{
	const char *start = P->p, *q = P->p;
	char *endp;

	if (q < P->end && *q == '-')
		q++;
	if (q >= P->end || *q < '0' || *q > '9')
		return fail(P, q, -EINVAL, "expected a digit in the number");
	if (*q == '0') {
		q++;
		if (q < P->end && *q >= '0' && *q <= '9')
			return fail(P, start, -EINVAL, "a number cannot start with 0 followed by digits");
	} else {
		while (q < P->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < P->end && *q == '.') {
		q++;
		if (q >= P->end || *q < '0' || *q > '9')
			return fail(P, q, -EINVAL, "expected a digit after the decimal point");
		while (q < P->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < P->end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < P->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= P->end || *q < '0' || *q > '9')
			return fail(P, q, -EINVAL, "expected a digit in the exponent");
		while (q < P->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q - start > 64)
		return fail(P, start, -E2BIG, "number longer than 64 characters");
	v->type = JSON_NUMBER;
	v->text = xstrndup(start, (size_t)(q - start));
	v->len = (size_t)(q - start);
	errno = 0;
	v->number = strtod(v->text, &endp);
	if (*endp || !isfinite(v->number))
		return fail(P, start, -ERANGE, "number %s is out of range", v->text);
	P->p = q;
	return 0;
}

static int hex4(const char *p, const char *end, unsigned *ret)
{
	unsigned v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*ret = v;
	return 0;
}

static void add_utf8(struct sbuf *b, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	sbuf_addn(b, u, n);
}

size_t utf8_sequence(const char *s, const char *end)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if ((size_t)(end - s) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

size_t utf8_cut(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t k = 1; k <= 3 && k <= len; k++) {
		unsigned char c = p[len - k];
		size_t n;

		if (c < 0x80)
			return len;
		if (c < 0xc0)
			continue;	/* a continuation byte: look further back */
		n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		return n > k ? len - k : len;
	}
	return len;
}

void sbuf_add_utf8(struct sbuf *b, const char **p, const char *end)
{
	size_t n = (unsigned char)**p < 0x80 ? 1 : utf8_sequence(*p, end);

	if (n) {
		sbuf_addn(b, *p, n);
		*p += n;
	} else {
		sbuf_add(b, "\xef\xbf\xbd");	/* U+FFFD */
		(*p)++;
	}
}

void sbuf_add_json_string(struct sbuf *b, const char *s)
{
	const char *end;

	if (!s) {
		sbuf_add(b, "null");
		return;
	}
	end = s + strlen(s);
	sbuf_add(b, "\"");
	while (*s) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x80) {
			sbuf_add_utf8(b, &s, end);
			continue;
		}
		if (c == '"' || c == '\\')
			sbuf_addf(b, "\\%c", c);
		else if (c == '\n')
			sbuf_add(b, "\\n");
		else if (c == '\r')
			sbuf_add(b, "\\r");
		else if (c == '\t')
			sbuf_add(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			sbuf_addf(b, "\\u%04x", c);
		else
			sbuf_addn(b, s, 1);
		s++;
	}
	sbuf_add(b, "\"");
}

/* A string at P->p (on its opening quote), decoded into *ret. */
static int parse_string(struct parser *P, char **ret, size_t *ret_len)
{
	struct sbuf b = { 0 };
	const char *q = P->p + 1;

	sbuf_add(&b, "");
	for (;;) {
		unsigned char c;

		if (b.len > P->lim->max_string) {
			sbuf_free(&b);
			return fail(P, P->p, -E2BIG, "string longer than %zu bytes", P->lim->max_string);
		}
		if (q >= P->end) {
			sbuf_free(&b);
			return fail(P, P->p, -EINVAL, "string not closed: the input ends inside it");
		}
		c = (unsigned char)*q;
		if (c == '"')
			break;
		if (c < 0x20) {
			sbuf_free(&b);
			return fail(P, q, -EINVAL, "raw control character 0x%02x in a string (write it as \\u%04x)",
				    c, c);
		}
		if (c >= 0x80) {
			size_t n = utf8_sequence(q, P->end);
			if (!n) {
				sbuf_free(&b);
				return fail(P, q, -EINVAL, "invalid UTF-8 in a string");
			}
			sbuf_addn(&b, q, n);
			q += n;
			continue;
		}
		if (c != '\\') {
			const char *run = q;
			while (q < P->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20 &&
			       (unsigned char)*q < 0x80)
				q++;
			sbuf_addn(&b, run, (size_t)(q - run));
			continue;
		}
		if (q + 1 >= P->end) {
			sbuf_free(&b);
			return fail(P, P->p, -EINVAL, "string not closed: the input ends inside it");
		}
		switch (q[1]) {
		case '"': sbuf_add(&b, "\""); break;
		case '\\': sbuf_add(&b, "\\"); break;
		case '/': sbuf_add(&b, "/"); break;
		case 'b': sbuf_add(&b, "\b"); break;
		case 'f': sbuf_add(&b, "\f"); break;
		case 'n': sbuf_add(&b, "\n"); break;
		case 'r': sbuf_add(&b, "\r"); break;
		case 't': sbuf_add(&b, "\t"); break;
		case 'u': {
			unsigned cp, lo;
			if (hex4(q + 2, P->end, &cp) < 0) {
				sbuf_free(&b);
				return fail(P, q, -EINVAL, "\\u must be followed by four hex digits");
			}
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				sbuf_free(&b);
				return fail(P, q, -EINVAL, "\\u%04x is a low surrogate without a high one", cp);
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (P->end - q < 12 || q[6] != '\\' || q[7] != 'u' || hex4(q + 8, P->end, &lo) < 0 ||
				    lo < 0xdc00 || lo > 0xdfff) {
					sbuf_free(&b);
					return fail(P, q, -EINVAL, "\\u%04x is a high surrogate without a low one", cp);
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				q += 6;
			}
			if (cp == 0) {
				sbuf_free(&b);
				return fail(P, q, -EINVAL, "\\u0000 (NUL) is not allowed in strings here");
			}
			add_utf8(&b, cp);
			q += 4;
			break;
		}
		default:
			sbuf_free(&b);
			return fail(P, q, -EINVAL, "invalid escape \\%c in a string",
				    (unsigned char)q[1] >= 0x20 && (unsigned char)q[1] < 0x7f ? q[1] : '?');
		}
		q += 2;
	}
	if (b.len > P->lim->max_string) {
		sbuf_free(&b);
		return fail(P, P->p, -E2BIG, "string longer than %zu bytes", P->lim->max_string);
	}
	P->p = q + 1;
	*ret_len = b.len;
	*ret = sbuf_take(&b);
	return 0;
}

/* Past the opening bracket at P->p: 0 if the closing one follows at
 * once (empty), 1 if elements do. */
static int open_bracket(struct parser *P, char close)
{
	P->p++;
	skip_ws(P);
	if (P->p < P->end && *P->p == close) {
		P->p++;
		return 0;
	}
	return 1;
}

/* After an element: 1 past a ',' (another element follows), 0 past the
 * closing bracket, or an error. */
static int next_element(struct parser *P, char close, const char *what)
{
	char d[16];

	skip_ws(P);
	if (P->p < P->end && *P->p == ',') {
		P->p++;
		skip_ws(P);
		if (P->p < P->end && *P->p == close)
			return fail(P, P->p, -EINVAL, "trailing comma before '%c'", close);
		return 1;
	}
	if (P->p < P->end && *P->p == close) {
		P->p++;
		return 0;
	}
	return fail(P, P->p, -EINVAL, "expected ',' or '%c' after %s, not %s", close, what, describe_at(P, P->p, d));
}

static int parse_array(struct parser *P, struct json *v)
{
	size_t cap = 0;
	int r;

	v->type = JSON_ARRAY;
	for (r = open_bracket(P, ']'); r > 0; r = next_element(P, ']', "an array element")) {
		GROW(v->items, cap, v->n + 1);
		if ((r = parse_value(P, &v->items[v->n++])) < 0)
			return r;
	}
	return r;
}

/* The keys of one object so far, as an open-addressing hash set of
 * member indices (+1), so that finding a duplicate stays linear. */
struct keyset {
	size_t *slot, cap;
};

static size_t key_hash(const char *k)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ULL;
	return (size_t)h;
}

/* Add member i of m; false if its key is already there. */
static bool keyset_add(struct keyset *ks, const struct json_member *m, size_t i)
{
	size_t h;

	if (2 * (i + 1) > ks->cap) {
		free(ks->slot);
		ks->cap = ks->cap ? 2 * ks->cap : 16;
		ks->slot = xcalloc(ks->cap, sizeof(*ks->slot));
		for (size_t j = 0; j < i; j++) {
			for (h = key_hash(m[j].key) & (ks->cap - 1); ks->slot[h]; h = (h + 1) & (ks->cap - 1))
				;
			ks->slot[h] = j + 1;
		}
	}
	for (h = key_hash(m[i].key) & (ks->cap - 1); ks->slot[h]; h = (h + 1) & (ks->cap - 1))
		if (!strcmp(m[ks->slot[h] - 1].key, m[i].key))
			return false;
	ks->slot[h] = i + 1;
	return true;
}

static void keyset_free(struct keyset *ks) { free(ks->slot); }

static int parse_object(struct parser *P, struct json *v)
{
	_cleanup_(keyset_free) struct keyset ks = { 0 };
	size_t cap = 0;
	char d[16];
	int r;

	v->type = JSON_OBJECT;
	for (r = open_bracket(P, '}'); r > 0; r = next_element(P, '}', "an object member")) {
		struct json_member *m;
		const char *key_at = P->p;
		size_t klen;

		if (P->p >= P->end || *P->p != '"')
			return fail(P, P->p, -EINVAL, "expected a string as object key, not %s", describe_at(P, P->p, d));
		GROW(v->members, cap, v->n + 1);
		m = &v->members[v->n++];
		if ((r = parse_string(P, &m->key, &klen)) < 0)
			return r;
		if (!keyset_add(&ks, v->members, v->n - 1))
			return fail(P, key_at, -EINVAL, "duplicate key \"%.64s\"", m->key);
		skip_ws(P);
		if (P->p >= P->end || *P->p != ':')
			return fail(P, P->p, -EINVAL, "expected ':' after the key \"%.64s\", not %s", m->key,
				    describe_at(P, P->p, d));
		P->p++;
		if ((r = parse_value(P, &m->value)) < 0)
			return r;
	}
	return r;
}

static int parse_value(struct parser *P, struct json *v)
{
	char d[16];
	int r;

	skip_ws(P);
	v->line = P->line;
	v->col = (unsigned)(P->p - P->line_start) + 1;
	if (++P->values > P->lim->max_values)
		return fail(P, P->p, -E2BIG, "more than %zu values", P->lim->max_values);
	if (P->p >= P->end)
		return fail(P, P->p, -EINVAL, "expected a value, not the end of the input");
	switch (*P->p) {
	case '{':
	case '[':
		if (++P->depth > P->lim->max_depth)
			return fail(P, P->p, -E2BIG, "nested deeper than %u levels", P->lim->max_depth);
		r = *P->p == '{' ? parse_object(P, v) : parse_array(P, v);
		P->depth--;
		return r;
	case '"':
		v->type = JSON_STRING;
		return parse_string(P, &v->text, &v->len);
	case 't':
	case 'f':
		v->type = JSON_BOOL;
		v->boolean = *P->p == 't';
		if (take_literal(P, v->boolean ? "true" : "false"))
			return 0;
		break;
	case 'n':
		if (take_literal(P, "null")) {
			v->type = JSON_NULL;
			return 0;
		}
		break;
	default:
		if (*P->p == '-' || (*P->p >= '0' && *P->p <= '9'))
			return parse_number(P, v);
	}
	return fail(P, P->p, -EINVAL, "expected a value (object, array, string, number, true, false or null), not %s",
		    describe_at(P, P->p, d));
}

static void json_clear(struct json *v)
{
	for (size_t i = 0; v->type == JSON_ARRAY && i < v->n; i++)
		json_clear(&v->items[i]);
	for (size_t i = 0; v->type == JSON_OBJECT && i < v->n; i++) {
		free(v->members[i].key);
		json_clear(&v->members[i].value);
	}
	free(v->items);
	free(v->members);
	free(v->text);
}

void json_free(struct json *j)
{
	if (!j)
		return;
	json_clear(j);
	free(j);
}

int json_parse(const char *text, size_t len, const struct json_limits *lim, struct json **ret,
	       char **ret_err)
{
	struct parser P = { .s = text, .p = text, .end = text + len, .line = 1, .line_start = text,
			    .lim = lim ? lim : &json_default_limits };
	struct json *v;
	char d[16];

	if (len > P.lim->max_bytes) {
		*ret_err = xasprintf("input is %zu bytes, more than the limit of %zu", len, P.lim->max_bytes);
		return -E2BIG;
	}
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
		*ret_err = xstrdup("line 1, column 1: starts with a byte-order mark (JSON must not)");
		return -EINVAL;
	}
	v = xcalloc(1, sizeof(*v));
	if (parse_value(&P, v) == 0) {
		skip_ws(&P);
		if (P.p < P.end)
			fail(&P, P.p, -EINVAL, "unexpected %s after the JSON value", describe_at(&P, P.p, d));
	}
	if (P.code) {
		json_free(v);
		*ret_err = P.err;
		return P.code;
	}
	*ret = v;
	return 0;
}

const struct json *json_get(const struct json *j, const char *key)
{
	if (!j || j->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < j->n; i++)
		if (!strcmp(j->members[i].key, key))
			return &j->members[i].value;
	return NULL;
}

const char *json_type_name(enum json_type t)
{
	static const char *const names[] = { "null", "a boolean", "a number", "a string", "an array",
					     "an object" };
	return names[t];
}

int json_int64(const struct json *j, int64_t *ret)
{
	long long v;
	char *end;

	if (j->type != JSON_NUMBER || strpbrk(j->text, ".eE"))
		return -EINVAL;
	errno = 0;
	v = strtoll(j->text, &end, 10);
	if (errno || *end)
		return -ERANGE;
	*ret = v;
	return 0;
}

int json_uint64(const struct json *j, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (j->type != JSON_NUMBER || strpbrk(j->text, ".eE"))
		return -EINVAL;
	if (j->text[0] == '-')
		return -ERANGE;
	errno = 0;
	v = strtoull(j->text, &end, 10);
	if (errno || *end)
		return -ERANGE;
	*ret = v;
	return 0;
}
