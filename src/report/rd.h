/* SPDX-License-Identifier: MIT */
/*
 * The strict field readers behind report_from_json() (src/report/rd.c):
 * each reads one member of a JSON object, checks its type and range, and
 * on a mismatch sets rd->err to a message that names the field by its
 * path (probes[1].phases.after.p95). Internal to src/report.
 */
#ifndef EREBUS_REPORT_RD_H
#define EREBUS_REPORT_RD_H

#include "erebus/json.h"
#include "erebus/report.h"

/* Bits for rd_want(): which JSON types a field may have, and whether it may
 * be left out. */
#define T(t)	 (1u << (t))
#define OPTIONAL (1u << 16)

struct rd {
	struct {
		const char *key;	/* NULL: an array index */
		size_t idx;
	} path[8];
	unsigned depth;
	char *err;
	int schema;		/* 1, 2 or 3 */
	const struct report *r;	/* the report being read (fault names for outages) */
	bool samples;		/* some probe listed its samples */
};

typedef int (*read_fn)(struct rd *rd, const struct json *o, void *dst);

void rd_push_key(struct rd *rd, const char *key);
void rd_push_idx(struct rd *rd, size_t i);
int rd_bad(struct rd *rd, const char *leaf, const char *fmt, ...) _printf_(3, 4);
int rd_want(struct rd *rd, const struct json *o, const char *key, unsigned mask,
		const struct json **ret);
int rd_get_str(struct rd *rd, const struct json *o, const char *key, bool nullable, char **ret);
int rd_get_number(struct rd *rd, const struct json *o, const char *key, bool nullable, const struct json **ret);
int rd_get_ms(struct rd *rd, const struct json *o, const char *key, bool nullable, int64_t *ret);
int rd_get_uint(struct rd *rd, const struct json *o, const char *key, uint64_t max, uint64_t *ret);
int rd_get_unsigned(struct rd *rd, const struct json *o, const char *key, unsigned *ret);
int rd_get_ratio(struct rd *rd, const struct json *o, const char *key, bool nullable, double *ret);
int rd_get_verdict(struct rd *rd, const struct json *o, const char *key, enum verdict *ret);
int rd_get_time(struct rd *rd, const struct json *o, const char *key, int64_t *ret);
int rd_read_array(struct rd *rd, const struct json *o, const char *key, bool optional, size_t size,
		      read_fn fn, void *ret, size_t *ret_n);
int rd_get_ms_added(struct rd *rd, const struct json *o, const char *key, int64_t *ret);
int rd_get_str_added(struct rd *rd, const struct json *o, const char *key, char **ret);
int rd_get_uint_added(struct rd *rd, const struct json *o, const char *key, uint64_t *ret);
void rd_pop(struct rd *rd);

#endif
