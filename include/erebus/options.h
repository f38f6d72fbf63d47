/* SPDX-License-Identifier: MIT */
/*
 * Typed option tables. Every section kind and every fault, probe and target
 * type declares its keys as a table; the parser checks each key and value
 * against it, and the same table drives `erebus faults` and the docs check.
 * Values reach the code already parsed and range-checked.
 */
#ifndef EREBUS_OPTIONS_H
#define EREBUS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum opt_type {
	OPT_STRING,	/* any non-empty text */
	OPT_INT,	/* integer, min..max */
	OPT_DURATION,	/* "250ms", "1m30s", "2h", "500us"; stored in microseconds */
	OPT_PERCENT,	/* "95%" or "95" or "12.5%"; stored as 0..100 */
	OPT_SIGNAL,	/* "SIGKILL", "KILL", "9" */
	OPT_ENUM,	/* one of choices[]; stored as the index */
	OPT_STATUS_SET,	/* HTTP status list and ranges: "200-299,304" */
	OPT_PICK,	/* "all", "N", "N%" */
	OPT_REGEX,	/* POSIX extended regular expression */
	OPT_BOOL,	/* yes/no/true/false/on/off/1/0 */
	OPT_CIDR,	/* IPv4 or IPv6 address with optional /prefix */
	OPT_RATE,	/* bandwidth as tc writes it: 1mbit, 500kbit, 10mbps; bits per second */
	OPT_SIZE,	/* bytes as tc writes it: 1500, 32kb, 1mb, 64k; bytes */
	OPT_USER,	/* a user name or numeric uid in the user database; stored as the uid */
};

enum {
	OPT_REQUIRED = 1 << 0,	/* must be given */
	OPT_MULTI    = 1 << 1,	/* may be given several times; values accumulate */
};

struct opt_def {
	const char *key;
	enum opt_type type;
	unsigned flags;
	const char *def;	/* default as the user would write it, or NULL */
	int64_t min, max;	/* range for OPT_INT, OPT_DURATION (usec); 0,0 = none */
	const char *const *choices;	/* OPT_ENUM: NULL-terminated */
	const char *help;	/* one line for `erebus faults` and the docs */
};
#define OPT_END { .key = NULL }

struct status_range {
	int lo, hi;
};

struct cidr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network byte order; host bits cleared */
	unsigned prefix;	/* 0..32 or 0..128 */
};

enum pick_kind { PICK_ALL, PICK_COUNT, PICK_PERCENT };
struct pick {
	enum pick_kind kind;
	double n;	/* count, or percent 0..100 */
};

struct opt_value {
	const struct opt_def *def;
	bool set;		/* given in the file (false: default or absent) */
	bool present;		/* given or defaulted */
	unsigned line;		/* where it was given (0 for a default) */
	char *raw;		/* the text as written (last one for OPT_MULTI) */
	union {
		int64_t i;	/* OPT_INT, OPT_SIGNAL, OPT_ENUM (index), OPT_BOOL, OPT_USER (uid) */
		int64_t usec;	/* OPT_DURATION */
		double pct;	/* OPT_PERCENT */
		struct pick pick;
		struct {
			struct status_range *v;
			unsigned n;
		} status;
		void *regex;	/* regex_t *, OPT_REGEX */
		uint64_t u;	/* OPT_RATE (bit/s), OPT_SIZE (bytes) */
	};
	struct cidr *cidrs;	/* OPT_CIDR: every value given (OPT_MULTI accumulates) */
	unsigned n_cidrs;
	char **list;		/* OPT_MULTI: every value given, NULL-terminated */
	size_t n_list;		/* how many */
};

/*
 * Parse text as a value of def's type into *v (v->def must be set).
 * On error returns -EINVAL and, when errmsg is given, sets *errmsg to a
 * malloc'd explanation such as `expected a duration like 250ms or 1m30s`.
 */
int opt_parse(const struct opt_def *def, const char *text, struct opt_value *v, char **errmsg);
void opt_value_clear(struct opt_value *v);

/* Parsers used by opt_parse(), exposed for tests and other callers
 * (OPT_DURATION's, parse_duration(), is in erebus/duration.h). */
/* "95%", "12.5%": 0..100 with a % sign, in decimal digits (no 1e1%, no
 * 0x10%). A bare number ("0.9") is -EDOM:
 * it may mean 90% or 0.9%, so it is refused with percent_hint()'s words
 * (caller frees); anything else invalid is -EINVAL. */
int parse_percent(const char *s, double *ret_pct);
char *percent_hint(const char *s);
int parse_signal(const char *s, int *ret_sig);
const char *signal_name(int sig);	/* "SIGKILL"; NULL if unknown */
int parse_status_set(const char *s, struct status_range **ret, unsigned *ret_n);
bool status_set_contains(const struct status_range *v, unsigned n, int status);
int parse_pick(const char *s, struct pick *ret);
int parse_bool(const char *s, bool *ret);
int parse_cidr(const char *s, struct cidr *ret);
/* "10.0.0.0/8", "2001:db8::/32" into buf (at least 64 bytes). */
const char *format_cidr(const struct cidr *c, char *buf, size_t len);
/* "1mbit", "1500", "32kb": decimal digits and a unit; -ERANGE at 2^63
 * or more, -EINVAL when not a rate or size (or below 1). */
int parse_rate(const char *s, uint64_t *ret_bps);
int parse_size(const char *s, uint64_t *ret_bytes);
/* A user name or a numeric uid that the user database knows (getpwnam_r,
 * getpwuid_r): 0 and *ret_uid, -ENOENT when it has no such user, or
 * -errno when it cannot be asked. */
int parse_user(const char *s, uid_t *ret_uid);

/* Find key in a table; NULL if absent. */
const struct opt_def *opt_find(const struct opt_def *table, const char *key);
/* Closest key among tables (NULL-terminated list of tables), or NULL if
 * nothing is close enough to be a plausible typo. */
const char *opt_suggest(const struct opt_def *const *tables, const char *key);

/* "duration", "percent", ... for help output. */
const char *opt_type_name(enum opt_type t);

#endif
