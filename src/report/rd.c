/* SPDX-License-Identifier: MIT */
/* The strict field readers of src/report/rd.h. */
#include <ctype.h>
#include <math.h>
#include <time.h>

#include "rd.h"

void rd_push_key(struct rd *rd, const char *key)
{
	rd->path[rd->depth].key = key;
	rd->depth++;
}

void rd_push_idx(struct rd *rd, size_t i)
{
	rd->path[rd->depth].key = NULL;
	rd->path[rd->depth].idx = i;
	rd->depth++;
}

void rd_pop(struct rd *rd) { rd->depth--; }

/* Record the first error, at the current path plus leaf (may be NULL). */
int rd_bad(struct rd *rd, const char *leaf, const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;

	if (rd->err)
		return -EINVAL;
	for (unsigned i = 0; i < rd->depth; i++) {
		if (rd->path[i].key)
			sbuf_addf(&b, "%s%s", i ? "." : "", rd->path[i].key);
		else
			sbuf_addf(&b, "[%zu]", rd->path[i].idx);
	}
	if (leaf)
		sbuf_addf(&b, "%s%s", b.len ? "." : "", leaf);
	sbuf_add(&b, b.len ? ": " : "the report: ");
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	rd->err = sbuf_take(&b);
	return -EINVAL;
}

static const char *expected(unsigned types)
{
	types &= ~OPTIONAL;
	if (types == (T(JSON_NUMBER) | T(JSON_NULL)))
		return "a number or null";
	if (types == (T(JSON_STRING) | T(JSON_NULL)))
		return "a string or null";
	for (int t = JSON_NULL; t <= JSON_OBJECT; t++)
		if (types == T(t))
			return json_type_name(t);
	return "another type";
}

/* The member key of o, of one of the types in mask. *ret is NULL when it
 * is absent and mask has OPTIONAL. */
int rd_want(struct rd *rd, const struct json *o, const char *key, unsigned mask,
		const struct json **ret)
{
	const struct json *v = json_get(o, key);

	*ret = v;
	if (!v)
		return mask & OPTIONAL ? 0 : rd_bad(rd, key, "missing");
	if (!(mask & T(v->type)))
		return rd_bad(rd, key, "expected %s, not %s", expected(mask), json_type_name(v->type));
	return 0;
}

int rd_get_str(struct rd *rd, const struct json *o, const char *key, bool nullable, char **ret)
{
	const struct json *v;
	int r = rd_want(rd, o, key, T(JSON_STRING) | (nullable ? T(JSON_NULL) : 0), &v);

	if (r < 0)
		return r;
	*ret = v->type == JSON_STRING ? xstrdup(v->text) : NULL;
	return 0;
}

/* A number, or null when nullable: 0 and *ret, NULL for null. */
int rd_get_number(struct rd *rd, const struct json *o, const char *key, bool nullable, const struct json **ret)
{
	const struct json *v;
	int r = rd_want(rd, o, key, T(JSON_NUMBER) | (nullable ? T(JSON_NULL) : 0), &v);

	*ret = r == 0 && v->type == JSON_NUMBER ? v : NULL;
	return r;
}

/* Milliseconds (0 to about 300 years) into microseconds; null is -1. */
int rd_get_ms(struct rd *rd, const struct json *o, const char *key, bool nullable, int64_t *ret)
{
	const struct json *v;

	if (rd_get_number(rd, o, key, nullable, &v) < 0)
		return -EINVAL;
	*ret = -1;
	if (!v)
		return 0;
	if (v->number < 0 || v->number > 1e13)
		return rd_bad(rd, key, "%s ms is out of range", v->text);
	*ret = llround(v->number * 1000.0);
	return 0;
}

int rd_get_uint(struct rd *rd, const struct json *o, const char *key, uint64_t max, uint64_t *ret)
{
	const struct json *v;
	int r = rd_want(rd, o, key, T(JSON_NUMBER), &v);

	if (r < 0)
		return r;
	if (json_uint64(v, ret) < 0 || *ret > max)
		return rd_bad(rd, key, "expected a whole number from 0 to %llu, not %s", (unsigned long long)max,
			   v->text);
	return 0;
}

int rd_get_unsigned(struct rd *rd, const struct json *o, const char *key, unsigned *ret)
{
	uint64_t u;
	int r = rd_get_uint(rd, o, key, UINT32_MAX, &u);

	if (r == 0)
		*ret = (unsigned)u;
	return r;
}

/* A share from 0 to 1; null is NAN. */
int rd_get_ratio(struct rd *rd, const struct json *o, const char *key, bool nullable, double *ret)
{
	const struct json *v;

	if (rd_get_number(rd, o, key, nullable, &v) < 0)
		return -EINVAL;
	*ret = NAN;
	if (!v)
		return 0;
	if (v->number < 0 || v->number > 1)
		return rd_bad(rd, key, "expected a share from 0 to 1, not %s", v->text);
	*ret = v->number;
	return 0;
}

int rd_get_verdict(struct rd *rd, const struct json *o, const char *key, enum verdict *ret)
{
	const struct json *v;
	int r = rd_want(rd, o, key, T(JSON_STRING), &v);

	if (r < 0)
		return r;
	for (enum verdict x = VERDICT_PASSED; x <= VERDICT_HALTED; x++)
		if (!strcmp(v->text, verdict_name(x))) {
			*ret = x;
			return 0;
		}
	return rd_bad(rd, key, "unknown verdict \"%.40s\"", v->text);
}

/* "2026-11-27T06:31:00.571Z" (UTC, 0 to 6 decimals) into microseconds
 * since the epoch. Times before the epoch and leap seconds are refused:
 * no run started then, and report_render_json() could not write them
 * back. */
static int parse_rfc3339(const char *s, int64_t *ret)
{
	struct tm tm = { 0 };
	int64_t frac = 0, scale = USEC_PER_SEC;
	const char *p = s;
	int f[6];
	time_t t;

	for (int i = 0; i < 6; i++) {
		static const char seps[] = "--T::";
		int n = i ? 2 : 4;
		f[i] = 0;
		for (int k = 0; k < n; k++, p++) {
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			f[i] = f[i] * 10 + (*p - '0');
		}
		if (i < 5 && *p++ != seps[i])
			return -EINVAL;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++) {
			if (scale == 1)
				return -EINVAL;
			scale /= 10;
			frac += (*p - '0') * scale;
		}
	}
	/* no leap second: the writer (gmtime) never says :60, and
	 * 9999-12-31T23:59:60 would be written back as year 10000 */
	if (strcmp(p, "Z") || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 ||
	    f[5] > 59)
		return -EINVAL;
	tm = (struct tm){ .tm_year = f[0] - 1900, .tm_mon = f[1] - 1, .tm_mday = f[2],
			  .tm_hour = f[3], .tm_min = f[4], .tm_sec = f[5] };
	t = timegm(&tm);
	if (t < 0 || tm.tm_mday != f[2])
		return -EINVAL;
	*ret = (int64_t)t * USEC_PER_SEC + frac;
	return 0;
}

int rd_get_time(struct rd *rd, const struct json *o, const char *key, int64_t *ret)
{
	const struct json *v;
	int r = rd_want(rd, o, key, T(JSON_STRING), &v);

	if (r < 0)
		return r;
	if (parse_rfc3339(v->text, ret) < 0)
		return rd_bad(rd, key, "expected a UTC time like 2026-11-27T06:31:00.571Z, not \"%.40s\"", v->text);
	return 0;
}

/* ---- the parts ---------------------------------------------------------- */

/* Reads one object of an array into the element at dst. */

/*
 * The array o[key] (absent is an empty array when optional), each element
 * an object read by fn into a new array of elements of size bytes, one
 * more than needed so that it is never empty. *ret_n counts every element
 * read or started, so that the caller can free a half-read one.
 */
int rd_read_array(struct rd *rd, const struct json *o, const char *key, bool optional, size_t size,
		      read_fn fn, void *ret, size_t *ret_n)
{
	const struct json *a;
	char *v;
	int r = rd_want(rd, o, key, T(JSON_ARRAY) | (optional ? OPTIONAL : 0), &a);

	if (r < 0 || !a)
		return r;
	v = xcalloc(a->n + 1, size);
	*(void **)ret = v;
	rd_push_key(rd, key);
	for (size_t i = 0; i < a->n; i++) {
		rd_push_idx(rd, i);
		(*ret_n)++;
		if (a->items[i].type != JSON_OBJECT)
			return rd_bad(rd, NULL, "expected an object, not %s", json_type_name(a->items[i].type));
		if ((r = fn(rd, &a->items[i], v + i * size)) < 0)
			return r;
		rd_pop(rd);
	}
	rd_pop(rd);
	return 0;
}

/* Milliseconds, null, or absent (a field added within a version): -1 for
 * either of the last two. */
int rd_get_ms_added(struct rd *rd, const struct json *o, const char *key, int64_t *ret)
{
	const struct json *v;

	*ret = -1;
	if (rd_want(rd, o, key, T(JSON_NUMBER) | T(JSON_NULL) | OPTIONAL, &v) < 0)
		return -EINVAL;
	return v ? rd_get_ms(rd, o, key, true, ret) : 0;
}

/* A string, null, or absent (a field added within a version): NULL for
 * either of the last two. */
int rd_get_str_added(struct rd *rd, const struct json *o, const char *key, char **ret)
{
	const struct json *v;

	*ret = NULL;
	if (rd_want(rd, o, key, T(JSON_STRING) | T(JSON_NULL) | OPTIONAL, &v) < 0)
		return -EINVAL;
	if (v && v->type == JSON_STRING)
		*ret = xstrdup(v->text);
	return 0;
}

/* A count, or 0 when absent. */
int rd_get_uint_added(struct rd *rd, const struct json *o, const char *key, uint64_t *ret)
{
	*ret = 0;
	return json_get(o, key) ? rd_get_uint(rd, o, key, UINT64_MAX, ret) : 0;
}
