/* SPDX-License-Identifier: MIT */
/*
 * What the prometheus and alertmanager probes make of a reply, apart from
 * the transfer (fetch.h): the expect_value comparison, Prometheus' sample
 * values, the JSON reply through the project's bounded reader
 * (erebus/json.h), and the judgement of a /api/v1/query and a
 * /api/v2/alerts reply. Pure functions, no I/O (tests/unit/test_promql.c).
 * Messages are for people and written into msg (msglen bytes, cut on a
 * character boundary); private to src/probes.
 */
#ifndef EREBUS_PROBE_PROMQL_H
#define EREBUS_PROBE_PROMQL_H

#include "erebus/json.h"

/* expect_value: a comparison operator and a number ("> 0", ">= 1",
 * "== 1", "!= 0", "< 0.5", "<= +Inf"). */
enum promql_op { PROMQL_GT, PROMQL_GE, PROMQL_EQ, PROMQL_NE, PROMQL_LT, PROMQL_LE };
struct promql_cmp {
	enum promql_op op;
	double value;
	char text[80];		/* "> 0.5", spaced as shown in messages */
};

/* Parse s into *ret. Returns 0, or -EINVAL with *ret_err (malloc'd) saying
 * what to write instead. NaN is refused (no value compares with it); +Inf
 * and -Inf are numbers. */
int promql_cmp_parse(const char *s, struct promql_cmp *ret, char **ret_err);
/* Does v satisfy c? As PromQL's own comparison operators: NaN satisfies
 * only !=, +Inf is above every number, -Inf below. */
bool promql_cmp_holds(const struct promql_cmp *c, double v);
/* A sample value as Prometheus writes it ("1", "0.25", "1e+06", "NaN",
 * "+Inf", "-Inf"): 0 and *ret, or -EINVAL. */
int promql_value_parse(const char *s, double *ret);

/* The bounds replies are parsed with: the body limit of fetch.h (1 MiB),
 * 16 levels, 256 Ki values, 64 KiB strings. */
extern const struct json_limits promql_json_limits;

/* Parse a reply (body[0..len), HTTP status) from who ("Prometheus") as
 * JSON. Returns the tree (json_free()), or NULL with msg: "reply is not
 * JSON: line 1, column 1: ..." for a 2xx status, "status 404 from
 * Prometheus: 404 page not found" (the body quoted) for another. */
struct json *promql_reply_parse(const char *body, size_t len, long status, const char *who, char *msg,
				size_t msglen);
/* Append the label set obj (a JSON object of strings) as PromQL writes
 * it: {job="demo", instance="x:1"}, in the reply's order; a value's " and
 * \ escaped. A name taken from __name__ goes before the braces. */
void promql_add_labels(struct sbuf *b, const struct json *obj);
/* Append at most max bytes of body's first line (body[0..len)) for a
 * message: printable ASCII and UTF-8 kept, anything else as '?', "..."
 * when cut. */
void promql_add_excerpt(struct sbuf *b, const char *body, size_t len, size_t max);
/* Copy text to msg (msglen bytes), cut on a character boundary. */
void promql_set_msg(char *msg, size_t msglen, const char *text);

/* Judge a /api/v1/query reply: passes when the result (a vector or a
 * scalar) is not empty and every value satisfies c; an empty vector
 * passes only with empty_ok. Otherwise false with msg: "up{job="x"} = 0,
 * expected > 0 (2 of 3 series fail)", "no data: the query returned no
 * series", "Prometheus error (bad_data): <Prometheus' text>", ... */
bool prometheus_judge_reply(const char *body, size_t len, long status, const struct promql_cmp *c,
			    bool empty_ok, char *msg, size_t msglen);

/* A matchers value: label=value (a value in double quotes loses them). */
struct am_matcher {
	char *name, *value;
};
/* Parse s into *ret (free both strings). Returns 0, or -EINVAL with
 * *ret_err (malloc'd). */
int am_matcher_parse(const char *s, struct am_matcher *ret, char **ret_err);
/* Judge a /api/v2/alerts reply: passes when no alert named alertname and
 * matching every matcher (a label absent matches "") is active, that is
 * neither silenced nor inhibited. Otherwise false with msg: "alert Down
 * is firing: {alertname="Down", job="demo"}", "Alertmanager error: status
 * 500: ...", "reply is not JSON: ...". */
bool alertmanager_judge_reply(const char *body, size_t len, long status, const char *alertname,
			      const struct am_matcher *m, size_t n_m, char *msg, size_t msglen);

#endif
