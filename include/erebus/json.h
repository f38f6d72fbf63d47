/* SPDX-License-Identifier: MIT */
/*
 * A small, strict, bounded JSON reader (RFC 8259) for reading reports
 * back. It builds a tree of values and rejects what a lenient parser would
 * guess at: trailing commas, leading zeros, comments, single quotes, raw
 * control characters or invalid UTF-8 in strings, lone surrogates, \u0000,
 * duplicate object keys, text after the value, a byte-order mark. Every
 * dimension is bounded (input size, nesting, number of values, string
 * length), so hostile input costs at most what the limits allow.
 */
#ifndef EREBUS_JSON_H
#define EREBUS_JSON_H

#include "erebus/util.h"

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json_member;

struct json {
	enum json_type type;
	unsigned line, col;	/* where the value starts (1-based; col in bytes) */
	bool boolean;		/* JSON_BOOL */
	double number;		/* JSON_NUMBER, as a double */
	char *text;		/* JSON_NUMBER: its literal text; JSON_STRING: the
				 * decoded UTF-8 (no NUL inside) */
	size_t len;		/* strlen(text) */
	struct json *items;	/* JSON_ARRAY: the elements */
	struct json_member *members;	/* JSON_OBJECT: in the order written */
	size_t n;		/* elements or members */
};

struct json_member {
	char *key;
	struct json value;
};

struct json_limits {
	size_t max_bytes;	/* input length */
	unsigned max_depth;	/* arrays and objects inside each other */
	size_t max_values;	/* values in the whole document */
	size_t max_string;	/* bytes of one decoded string or key */
};

/* What reports need: 64 MiB, 32 levels, 4 million values, 1 MiB strings. */
extern const struct json_limits json_default_limits;

/*
 * Parse text[0..len) (it need not be NUL-terminated) into *ret (free with
 * json_free()). lim may be NULL for json_default_limits. Returns 0, or
 * -EINVAL (malformed) or -E2BIG (over a limit) with *ret_err saying where
 * and what: "line 3, column 14: expected ',' or '}' after an object
 * member". The caller frees *ret_err.
 */
int json_parse(const char *text, size_t len, const struct json_limits *lim, struct json **ret,
	       char **ret_err);
void json_free(struct json *j);

/* The member key of object j; NULL if j is not an object or has no key. */
const struct json *json_get(const struct json *j, const char *key);
/* "null", "a boolean", "a number", "a string", "an array", "an object". */
const char *json_type_name(enum json_type t);
/* A number written as an integer (no fraction, no exponent) that fits:
 * 0 and the value, or -ERANGE / -EINVAL. */
int json_int64(const struct json *j, int64_t *ret);
int json_uint64(const struct json *j, uint64_t *ret);

/* Length of the valid multi-byte UTF-8 sequence at s (2 to 4 bytes, not
 * past end), or 0 (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF). */
size_t utf8_sequence(const char *s, const char *end);
/* Where to cut s[0..len) so that no character is split: len, or less by
 * the bytes of a multi-byte sequence that the cut would leave incomplete.
 * Bytes that are not UTF-8 at all are left to the writer (U+FFFD). */
size_t utf8_cut(const char *s, size_t len);
/* Append the character at *p to b: its bytes when they are valid UTF-8
 * (not past end), else U+FFFD for the first byte alone; *p moves past
 * what was used. For writers whose output must be UTF-8 whatever their
 * input holds. */
void sbuf_add_utf8(struct sbuf *b, const char **p, const char *end);
/* Append s as a JSON string literal, or null for NULL: quotes, backslash
 * and control characters escaped, always valid UTF-8 (U+FFFD for a byte
 * that does not begin a valid sequence). */
void sbuf_add_json_string(struct sbuf *b, const char *s);

#endif
