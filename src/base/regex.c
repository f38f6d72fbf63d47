/* SPDX-License-Identifier: MIT */
/*
 * Bounded extended regular expressions (include/erebus/regex.h): a walk
 * over the pattern that weighs what glibc would build from it, before
 * glibc builds it.
 */
#include <ctype.h>
#include <stdio.h>

#include "erebus/regex.h"
#include "erebus/util.h"

struct walk {
	const char *p;
	char *why;		/* set on the first refusal */
};

static long walk_alt(struct walk *w, int depth);

/* Past a bracket expression starting at '[' (glibc's rules: a ']' first
 * is literal; [:class:], [=x=] and [.x.] may hold ']'). Unterminated:
 * to the end, for regcomp() to report. */
static const char *skip_bracket(const char *p)
{
	p++;
	if (*p == '^')
		p++;
	if (*p == ']')
		p++;
	while (*p && *p != ']') {
		if (p[0] == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
			const char *end = strstr(p + 2, (char[]){ p[1], ']', '\0' });
			p = end ? end + 2 : p + strlen(p);
			continue;
		}
		p++;
	}
	return *p ? p + 1 : p;
}

/* A {m}, {m,} or {m,n} bound at w->p ('{'): its copies (what glibc
 * duplicates), or 0 when this is no bound (a literal '{'); -1 refused. */
static long walk_bound(struct walk *w)
{
	const char *p = w->p + 1;
	long m = 0, n = -1;

	if (!isdigit((unsigned char)*p))
		return 0;
	for (; isdigit((unsigned char)*p); p++)	/* saturated: no overflow */
		m = m > REGEX_MAX_COUNT ? m : m * 10 + (*p - '0');
	if (*p == ',') {
		p++;
		if (isdigit((unsigned char)*p))
			for (n = 0; isdigit((unsigned char)*p); p++)
				n = n > REGEX_MAX_COUNT ? n : n * 10 + (*p - '0');
	} else {
		n = m;
	}
	if (*p != '}')
		return 0;
	if (m > REGEX_MAX_COUNT || n > REGEX_MAX_COUNT) {
		w->why = xasprintf("has a repetition count above %d: Erebus refuses it (write a shorter count, "
				   "or * or +)", REGEX_MAX_COUNT);
		return -1;
	}
	w->p = p + 1;
	return n < 0 ? m + 1 : (n > m ? n : m) + 1;
}

/* One atom and its repetitions: its weight, or -1 refused. */
static long walk_piece(struct walk *w, int depth)
{
	long weight = 1, copies;

	switch (*w->p) {
	case '(':
		w->p++;
		weight = walk_alt(w, depth + 1);
		if (weight < 0)
			return -1;
		if (*w->p == ')')
			w->p++;
		weight++;
		break;
	case '[':
		w->p = skip_bracket(w->p);
		break;
	case '\\':
		if (w->p[1] >= '1' && w->p[1] <= '9') {
			w->why = xasprintf("has a back-reference (\\%c): Erebus refuses them, their matching time has "
					   "no bound (match the text itself)", w->p[1]);
			return -1;
		}
		w->p += w->p[1] ? 2 : 1;
		break;
	default:
		w->p++;
	}
	for (;;) {
		if (*w->p == '*' || *w->p == '?') {
			w->p++;
			weight++;
			continue;
		}
		if (*w->p == '+') {
			w->p++;
			weight *= 2;	/* a+ is built as aa* */
			continue;
		}
		if (*w->p != '{' || !(copies = walk_bound(w)))
			break;
		if (copies < 0)
			return -1;
		weight *= copies;
		if (weight > REGEX_MAX_PARTS)
			break;	/* refused by the caller; no overflow on the way */
	}
	return weight;
}

/* Alternatives up to a ')' at this depth or the end: their weight, or -1. */
static long walk_alt(struct walk *w, int depth)
{
	long total = 0;

	while (*w->p && !(*w->p == ')' && depth > 0)) {
		long piece;
		if (*w->p == '|') {
			w->p++;
			total++;
			continue;
		}
		piece = walk_piece(w, depth);
		if (piece < 0)
			return -1;
		total += piece;
		if (total > REGEX_MAX_PARTS) {
			w->why = xasprintf("has repetitions that expand to more than %d parts (nested counts "
					   "multiply): Erebus refuses it (simplify it)", REGEX_MAX_PARTS);
			return -1;
		}
	}
	return total;
}

int regex_compile_bounded(regex_t *re, const char *pattern, char **ret_why)
{
	struct walk w = { .p = pattern };
	_cleanup_free_ char *anchored = NULL;
	char err[128];
	int r;

	if (strlen(pattern) > REGEX_MAX_LEN) {
		*ret_why = xasprintf("is longer than %d bytes: Erebus refuses it", REGEX_MAX_LEN);
		return -EINVAL;
	}
	if (walk_alt(&w, 0) < 0) {
		*ret_why = w.why;
		return -EINVAL;
	}
	/* The pattern alone first: its errors are about what was written. */
	r = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
	if (r) {
		regerror(r, re, err, sizeof(err));
		*ret_why = xasprintf("is not a valid extended regular expression: %s", err);
		return -EINVAL;
	}
	regfree(re);
	/* Found anywhere in the text, in one pass: glibc tries an unanchored
	 * pattern again at every position. */
	anchored = xasprintf("^.*(%s)", pattern);
	r = regcomp(re, anchored, REG_EXTENDED | REG_NOSUB);
	if (r) {	/* a stray ')' closing our group, say */
		regerror(r, re, err, sizeof(err));
		*ret_why = xasprintf("is not a valid extended regular expression: %s", err);
		return -EINVAL;
	}
	return 0;
}
