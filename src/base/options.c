/* SPDX-License-Identifier: MIT */
/*
 * Value parsers for the option tables. Each returns 0 or -EINVAL and
 * leaves its output untouched on failure.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <pwd.h>
#include <regex.h>
#include <signal.h>

#include "erebus/options.h"
#include "erebus/regex.h"
#include "erebus/util.h"

/* A plain decimal number at s: digits, optionally a point and more digits
 * (no sign, no exponent, no hex, no inf or nan). Returns 0 with the value
 * and *ret_end after it, or -EINVAL. */
static int parse_decimal(const char *s, double *ret, const char **ret_end)
{
	const char *q = s;
	char *end;

	while (isdigit((unsigned char)*q))
		q++;
	if (q == s)
		return -EINVAL;
	if (*q == '.')
		for (q++; isdigit((unsigned char)*q); q++)
			;
	*ret = strtod(s, &end);
	if (end != q || !isfinite(*ret))	/* strtod read further: 1e3, 0x10 */
		return -EINVAL;
	*ret_end = q;
	return 0;
}

int parse_percent(const char *s, double *ret_pct)
{
	const char *end;
	double v;

	if (parse_decimal(s, &v, &end) < 0)
		return -EINVAL;
	if (!*end)
		return -EDOM;	/* a bare number: 0.9 may mean 90% or 0.9% */
	if (*end != '%' || end[1] || v < 0 || v > 100)
		return -EINVAL;
	*ret_pct = v;
	return 0;
}

char *percent_hint(const char *s)
{
	double v = strtod(s, NULL);

	if (v > 0 && v <= 1)
		return xasprintf("\"%s\" needs a %% sign: write %g%% or %s%%", s, v * 100, s);
	return xasprintf("\"%s\" needs a %% sign: write %s%%", s, s);
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "CHLD", SIGCHLD },
	{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
	{ "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
	{ "PWR", SIGPWR }, { "SYS", SIGSYS },
};

int parse_signal(const char *s, int *ret_sig)
{
	const char *name = s;
	char *end;
	long v;

	if (isdigit((unsigned char)*s)) {
		v = strtol(s, &end, 10);
		if (*end || v < 1 || v > SIGRTMAX)
			return -EINVAL;
		*ret_sig = (int)v;
		return 0;
	}
	if (!strncasecmp(name, "SIG", 3))
		name += 3;
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (!strcasecmp(name, signals[i].name)) {
			*ret_sig = signals[i].sig;
			return 0;
		}
	return -EINVAL;
}

const char *signal_name(int sig)
{
	static const char *names[65];

	if (sig < 1 || sig > 64)
		return NULL;
	if (names[sig])
		return names[sig];
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (signals[i].sig == sig)
			return names[sig] = xasprintf("SIG%s", signals[i].name);
	if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		return names[sig] = sig == SIGRTMIN ? xasprintf("SIGRTMIN") :
					       xasprintf("SIGRTMIN+%d", sig - SIGRTMIN);
	return names[sig] = xasprintf("signal %d", sig);
}

int parse_status_set(const char *s, struct status_range **ret, unsigned *ret_n)
{
	_cleanup_free_ char *copy = xstrdup(s);
	struct status_range *v = NULL;
	unsigned n = 0;
	size_t cap = 0;
	char *save = NULL;

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *t = strstrip(tok), *end, *dash;
		long lo, hi;

		dash = strchr(t, '-');
		lo = strtol(t, &end, 10);
		if (end == t || (dash ? end != dash : *end))
			goto fail;
		hi = lo;
		if (dash) {
			hi = strtol(dash + 1, &end, 10);
			if (end == dash + 1 || *end)
				goto fail;
		}
		if (lo < 100 || hi > 599 || lo > hi)
			goto fail;
		GROW(v, cap, n + 1);
		v[n++] = (struct status_range){ (int)lo, (int)hi };
	}
	if (!n)
		goto fail;
	*ret = v;
	*ret_n = n;
	return 0;
fail:
	free(v);
	return -EINVAL;
}

bool status_set_contains(const struct status_range *v, unsigned n, int status)
{
	for (unsigned i = 0; i < n; i++)
		if (status >= v[i].lo && status <= v[i].hi)
			return true;
	return false;
}

int parse_pick(const char *s, struct pick *ret)
{
	const char *end;
	double v;

	if (!strcasecmp(s, "all")) {
		*ret = (struct pick){ PICK_ALL, 0 };
		return 0;
	}
	if (parse_decimal(s, &v, &end) < 0)
		return -EINVAL;
	if (*end == '%' && !end[1] && v > 0 && v <= 100) {
		*ret = (struct pick){ PICK_PERCENT, v };
		return 0;
	}
	if (*end || v < 1 || v != floor(v) || v > 1e6)
		return -EINVAL;
	*ret = (struct pick){ PICK_COUNT, v };
	return 0;
}

int parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*ret = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_cidr(const char *s, struct cidr *ret)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct cidr c = { 0 };
	unsigned max;

	if (!n || n >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, c.addr) == 1)
		c.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, c.addr) == 1)
		c.family = AF_INET6;
	else
		return -EINVAL;
	max = c.family == AF_INET ? 32 : 128;
	c.prefix = max;
	if (slash) {
		char *end;
		unsigned long p;

		if (!isdigit((unsigned char)slash[1]))
			return -EINVAL;
		p = strtoul(slash + 1, &end, 10);
		if (*end || p > max)
			return -EINVAL;
		c.prefix = (unsigned)p;
	}
	/* Clear host bits: 10.1.2.3/8 means 10.0.0.0/8. */
	for (unsigned bit = c.prefix; bit < max; bit++)
		c.addr[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
	*ret = c;
	return 0;
}

const char *format_cidr(const struct cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(c->family, c->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, c->prefix);
	return buf;
}

/* A number followed by a unit from units[] (case-insensitive, longest
 * match); no unit means factor 1. */
struct unit {
	const char *name;
	double factor;
};

static int parse_units(const char *s, const struct unit *units, size_t n_units, uint64_t *ret)
{
	const char *end;
	double v;
	const struct unit *u = NULL;

	if (parse_decimal(s, &v, &end) < 0)
		return -EINVAL;
	if (*end) {
		for (size_t i = 0; i < n_units; i++)
			if (!strcasecmp(end, units[i].name))
				u = &units[i];
		if (!u)
			return -EINVAL;
	}
	v *= u ? u->factor : 1;
	if (v < 1)
		return -EINVAL;
	if (v >= 0x1p63)	/* llround() cannot hold it; nothing needs it */
		return -ERANGE;
	*ret = (uint64_t)llround(v);
	return 0;
}

int parse_rate(const char *s, uint64_t *ret_bps)
{
	/* As tc(8) spells them: bit/kbit/mbit/gbit/tbit are bits per second
	 * (decimal); bps, kbps, ... are bytes per second; kibit, kibps, ... binary. */
	static const struct unit units[] = {
		{ "bit", 1 }, { "kbit", 1e3 }, { "mbit", 1e6 }, { "gbit", 1e9 }, { "tbit", 1e12 },
		{ "kibit", 1024.0 }, { "mibit", 1048576.0 }, { "gibit", 1073741824.0 },
		{ "bps", 8 }, { "kbps", 8e3 }, { "mbps", 8e6 }, { "gbps", 8e9 }, { "tbps", 8e12 },
		{ "kibps", 8 * 1024.0 }, { "mibps", 8 * 1048576.0 }, { "gibps", 8 * 1073741824.0 },
	};
	char *end;

	/* A bare number is ambiguous (bits or bytes?): a unit is required. */
	(void)strtod(s, &end);
	if (!*end)
		return -EINVAL;
	return parse_units(s, units, ARRAY_SIZE(units), ret_bps);
}

int parse_size(const char *s, uint64_t *ret_bytes)
{
	static const struct unit units[] = {
		{ "b", 1 }, { "k", 1024 }, { "kb", 1024 }, { "m", 1048576 }, { "mb", 1048576 },
		{ "g", 1073741824.0 }, { "gb", 1073741824.0 },
		{ "kbit", 128 }, { "mbit", 131072 }, { "gbit", 134217728.0 },
	};
	return parse_units(s, units, ARRAY_SIZE(units), ret_bytes);
}

int parse_user(const char *s, uid_t *ret_uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int r;

	if (*s && strspn(s, "0123456789") == strlen(s)) {
		unsigned long long v;
		errno = 0;
		v = strtoull(s, NULL, 10);
		if (errno || v >= UINT32_MAX)	/* (uid_t)-1 is "no uid" */
			return -ENOENT;
		r = getpwuid_r((uid_t)v, &pw, buf, sizeof(buf), &res);
	} else {
		r = getpwnam_r(s, &pw, buf, sizeof(buf), &res);
	}
	if (!res)	/* glibc: 0 when absent; some modules say ENOENT or ESRCH */
		return r && r != ENOENT && r != ESRCH ? -r : -ENOENT;
	*ret_uid = res->pw_uid;
	return 0;
}

/* Room in v (holding n items, and extra more after them) for one more
 * item: reallocated only when n reaches a power of two, so that a key
 * given many times costs time in proportion to the times, not their
 * square (realloc does not always grow in place). */
static void *grow_doubling(void *v, size_t n, size_t extra, size_t size)
{
	if (n && (n & (n - 1)))
		return v;	/* room up to the next power of two */
	return xrealloc(v, ((n ? 2 * n : 1) + extra) * size);
}

static char *range_msg(const struct opt_def *def, const char *what)
{
	char a[32], b[32];

	if (def->type == OPT_DURATION)
		return xasprintf("%s must be between %s and %s", what,
				 format_duration(def->min, a, sizeof(a)),
				 format_duration(def->max, b, sizeof(b)));
	return xasprintf("%s must be between %lld and %lld", what, (long long)def->min,
			 (long long)def->max);
}

/*
 * One case per enum opt_type, each with its parse, its message and its range
 * check side by side, so the switch reads as the list of types; that is why
 * it is longer than 120 lines. What every type shares (OPT_MULTI's list,
 * raw, present) comes after the switch.
 */
int opt_parse(const struct opt_def *def, const char *text, struct opt_value *v, char **errmsg)
{
	char *msg = NULL;
	bool has_range = def->min || def->max;

	if (!*text) {
		msg = xasprintf("empty value");
		goto fail;
	}
	switch (def->type) {
	case OPT_STRING:
		break;
	case OPT_INT: {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(text, &end, 10);
		if (errno || *end || end == text) {
			msg = xasprintf("\"%s\" is not a whole number", text);
			goto fail;
		}
		if (has_range && (n < def->min || n > def->max)) {
			msg = range_msg(def, text);
			goto fail;
		}
		v->i = n;
		break;
	}
	case OPT_DURATION:
		if (parse_duration(text, &v->usec) < 0) {
			msg = xasprintf("\"%s\" is not a duration (write it like 250ms, 2s or 1m30s)", text);
			goto fail;
		}
		if (has_range && (v->usec < def->min || v->usec > def->max)) {
			msg = range_msg(def, text);
			goto fail;
		}
		break;
	case OPT_PERCENT: {
		int r = parse_percent(text, &v->pct);

		if (r == -EDOM) {
			msg = percent_hint(text);
			goto fail;
		}
		if (r < 0) {
			msg = xasprintf("\"%s\" is not a percentage between 0%% and 100%%", text);
			goto fail;
		}
		if (has_range && (v->pct < def->min || v->pct > def->max)) {
			msg = xasprintf("%s must be between %lld%% and %lld%%", text,
					(long long)def->min, (long long)def->max);
			goto fail;
		}
		break;
	}
	case OPT_SIGNAL: {
		int sig;

		if (parse_signal(text, &sig) < 0) {
			msg = xasprintf("\"%s\" is not a signal (write SIGKILL, KILL or 9)", text);
			goto fail;
		}
		v->i = sig;
		break;
	}
	case OPT_ENUM: {
		struct sbuf b = { 0 };
		size_t i;

		for (i = 0; def->choices[i]; i++)
			if (!strcmp(text, def->choices[i])) {
				v->i = (int64_t)i;
				break;
			}
		if (def->choices[i])
			break;
		for (i = 0; def->choices[i]; i++)
			sbuf_addf(&b, "%s%s", i ? ", " : "", def->choices[i]);
		msg = xasprintf("\"%s\" is not one of: %s", text, b.s);
		sbuf_free(&b);
		goto fail;
	}
	case OPT_STATUS_SET:
		free(v->status.v);
		v->status.v = NULL;
		if (parse_status_set(text, &v->status.v, &v->status.n) < 0) {
			msg = xasprintf("\"%s\" is not a list of HTTP statuses and ranges (like 200-299,304)", text);
			goto fail;
		}
		break;
	case OPT_PICK:
		if (parse_pick(text, &v->pick) < 0) {
			msg = xasprintf("\"%s\" is not all, a count (2) or a share (30%%)", text);
			goto fail;
		}
		break;
	case OPT_BOOL: {
		bool b;

		if (parse_bool(text, &b) < 0) {
			msg = xasprintf("\"%s\" is not yes or no", text);
			goto fail;
		}
		v->i = b;
		break;
	}
	case OPT_CIDR: {
		struct cidr c;

		if (parse_cidr(text, &c) < 0) {
			msg = xasprintf("\"%s\" is not an IPv4 or IPv6 address or network (like 10.0.0.0/8 or 2001:db8::1)",
					text);
			goto fail;
		}
		if (!(def->flags & OPT_MULTI))
			v->n_cidrs = 0;
		v->cidrs = grow_doubling(v->cidrs, v->n_cidrs, 0, sizeof(*v->cidrs));
		v->cidrs[v->n_cidrs++] = c;
		break;
	}
	case OPT_RATE:
		if (parse_rate(text, &v->u) == -ERANGE) {
			msg = xasprintf("\"%s\" is too large: a rate is at most 9223372036854775807 bit", text);
			goto fail;
		}
		if (parse_rate(text, &v->u) < 0) {
			msg = xasprintf("\"%s\" is not a rate (write it as tc does: 1mbit, 500kbit, 10mbps)", text);
			goto fail;
		}
		if (has_range && (v->u < (uint64_t)def->min || v->u > (uint64_t)def->max)) {
			msg = range_msg(def, text);
			goto fail;
		}
		break;
	case OPT_SIZE:
		if (parse_size(text, &v->u) == -ERANGE) {
			msg = xasprintf("\"%s\" is too large: a size is at most 9223372036854775807 bytes", text);
			goto fail;
		}
		if (parse_size(text, &v->u) < 0) {
			msg = xasprintf("\"%s\" is not a size (like 1500, 32kb or 1mb)", text);
			goto fail;
		}
		if (has_range && (v->u < (uint64_t)def->min || v->u > (uint64_t)def->max)) {
			msg = range_msg(def, text);
			goto fail;
		}
		break;
	case OPT_USER: {
		uid_t uid;

		if (parse_user(text, &uid) < 0) {
			msg = xasprintf("\"%s\" is not a user on this machine (a name or uid in the user database, like nobody)",
					text);
			goto fail;
		}
		v->i = uid;
		break;
	}
	case OPT_REGEX: {
		regex_t *re = xcalloc(1, sizeof(*re));
		_cleanup_free_ char *why = NULL;

		if (regex_compile_bounded(re, text, &why) < 0) {
			free(re);
			msg = xasprintf("\"%s\" %s", text, why);
			goto fail;
		}
		if (v->regex) {
			regfree(v->regex);
			free(v->regex);
		}
		v->regex = re;
		break;
	}
	}
	if (def->flags & OPT_MULTI) {
		v->list = grow_doubling(v->list, v->n_list, 1, sizeof(char *));
		v->list[v->n_list++] = xstrdup(text);
		v->list[v->n_list] = NULL;
	}
	free(v->raw);
	v->raw = xstrdup(text);
	v->present = true;
	return 0;
fail:
	if (errmsg)
		*errmsg = msg;
	else
		free(msg);
	return -EINVAL;
}

void opt_value_clear(struct opt_value *v)
{
	if (v->def && v->def->type == OPT_STATUS_SET)
		free(v->status.v);
	if (v->def && v->def->type == OPT_REGEX && v->regex) {
		regfree(v->regex);
		free(v->regex);
	}
	free(v->raw);
	free(v->cidrs);
	strv_free(v->list);
	*v = (struct opt_value){ .def = v->def };
}

const struct opt_def *opt_find(const struct opt_def *table, const char *key)
{
	for (; table && table->key; table++)
		if (!strcmp(table->key, key))
			return table;
	return NULL;
}

const char *opt_suggest(const struct opt_def *const *tables, const char *key)
{
	const char *best = NULL;
	unsigned best_d = ~0u;

	for (; *tables; tables++)
		for (const struct opt_def *o = *tables; o->key; o++) {
			unsigned d = edit_distance(key, o->key);
			if (d < best_d) {
				best_d = d;
				best = o->key;
			}
		}
	return best && plausible_typo(key, best_d) ? best : NULL;
}

const char *opt_type_name(enum opt_type t)
{
	static const char *const names[] = {
		[OPT_STRING] = "text", [OPT_INT] = "integer", [OPT_DURATION] = "duration",
		[OPT_PERCENT] = "percent", [OPT_SIGNAL] = "signal", [OPT_ENUM] = "choice",
		[OPT_STATUS_SET] = "status list", [OPT_PICK] = "pick", [OPT_REGEX] = "regex",
		[OPT_BOOL] = "yes/no", [OPT_CIDR] = "address", [OPT_RATE] = "rate",
		[OPT_SIZE] = "size", [OPT_USER] = "user",
	};
	return names[t];
}
