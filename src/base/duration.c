/* SPDX-License-Identifier: MIT */
/* Durations in and out: see erebus/duration.h. */
#include <ctype.h>
#include <math.h>

#include "erebus/duration.h"
#include "erebus/util.h"

int parse_duration(const char *s, int64_t *ret_usec)
{
	static const struct {
		const char *unit;
		double usec;
	} units[] = {
		{ "us", 1 }, { "ms", 1e3 }, { "s", 1e6 }, { "m", 60e6 }, { "h", 3600e6 },
	};
	double total = 0;
	const char *p = s;

	if (!*p)
		return -EINVAL;
	while (*p) {
		char *end;
		double v;
		size_t best = 0, i;

		const char *q = p;

		while (isdigit((unsigned char)*q))
			q++;
		if (*q == '.')
			for (q++; isdigit((unsigned char)*q); q++)
				;
		if (q == p || (q == p + 1 && *p == '.'))
			return -EINVAL;	/* digits, optionally with a fraction: no 1e3, no 0x10 */
		v = strtod(p, &end);
		if (end != q || v < 0 || !isfinite(v))
			return -EINVAL;
		p = end;
		for (i = 0; i < ARRAY_SIZE(units); i++) {
			size_t n = strlen(units[i].unit);
			if (!strncmp(p, units[i].unit, n) && n > best &&
			    (!p[n] || isdigit((unsigned char)p[n]) || p[n] == '.'))
				best = n;
		}
		if (!best)
			return -EINVAL;	/* a unit is required: "250" is ambiguous */
		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (strlen(units[i].unit) == best && !strncmp(p, units[i].unit, best))
				break;
		total += v * units[i].usec;
		p += best;
	}
	if (total > 1e15)
		return -EINVAL;
	*ret_usec = (int64_t)llround(total);
	return 0;
}

/* v / d rounded to the nearest integer, halves up; v >= 0, d even. */
static long long div_round(int64_t v, int64_t d)
{
	return (long long)(v / d + (v % d >= d / 2));
}

const char *format_duration(int64_t usec, char *buf, size_t len)
{
	if (usec < 0) {
		snprintf(buf, len, "-");
	} else if (usec < USEC_PER_MSEC) {
		snprintf(buf, len, "%lldus", (long long)usec);
	} else if (usec < USEC_PER_SEC - USEC_PER_MSEC / 2) {
		snprintf(buf, len, "%lldms", div_round(usec, USEC_PER_MSEC));
	} else if (usec < 60 * USEC_PER_SEC - 10 * USEC_PER_MSEC / 2) {
		long long cs = div_round(usec, 10 * USEC_PER_MSEC);	/* hundredths */
		snprintf(buf, len, "%lld.%02llds", cs / 100, cs % 100);
	} else {
		long long s = div_round(usec, USEC_PER_SEC);
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	}
	return buf;
}
