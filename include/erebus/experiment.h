/* SPDX-License-Identifier: MIT */
/*
 * The experiment model: an INI file parsed with inih and checked against
 * the option tables of its sections and types. After experiment_load()
 * succeeds, every value is present, typed and range-checked, and every
 * reference (a fault's target, a probe's target) is resolved; nothing has
 * been touched on the machine.
 *
 * The model sits below the fault and probe types: it does not know them
 * by itself but is handed a catalogue of them (struct model_catalog) by
 * its caller, and only reads their descriptors (name, options, flags and
 * check hooks).
 */
#ifndef EREBUS_EXPERIMENT_H
#define EREBUS_EXPERIMENT_H

#include "erebus/diag.h"
#include "erebus/options.h"

struct fault_type;
struct probe_type;

/* One checked section: its tables and the values parallel to them. */
struct section {
	char *kind;		/* "experiment", "target", "fault", "probe" */
	char *name;		/* the instance name; NULL for [experiment] */
	char *label;		/* "fault kill-worker", for messages */
	unsigned line;
	const struct opt_def *tables[3];	/* common, type-specific, NULL */
	struct opt_value *vals[2];
};

/* The value of key in s (present or not), or NULL if no table has key. */
const struct opt_value *section_get(const struct section *s, const char *key);
/* Typed shortcuts; the key must exist in one of s's tables. */
const char *section_str(const struct section *s, const char *key);	/* NULL if absent */
int64_t section_int(const struct section *s, const char *key);
int64_t section_usec(const struct section *s, const char *key);
double section_pct(const struct section *s, const char *key);
bool section_has(const struct section *s, const char *key);

enum probe_during { DURING_MUST_PASS, DURING_MAY_FAIL };

struct target_spec {
	char *name;
	unsigned line;
	struct section *sec;
	pid_t pid;		/* 0: not given */
	const char *pidfile, *process, *cgroup, *command;
	const char *user;	/* command runs as: a name or uid as written; NULL: the default */
	const void *cmdline;	/* regex_t *, or NULL */
	const char *cmdline_src;
	struct target_spec *within;	/* only processes launched by this target's command */
	const char *netns;	/* network namespace: a name under /run/netns or a path */
	int host;		/* sandbox host index it runs in, or -1 */
	struct pick pick;
};

struct fault_spec {
	char *name;
	unsigned line;
	struct section *sec;
	const struct fault_type *type;
	struct target_spec *target;	/* NULL if the type takes none */
	int64_t at_us;
	int64_t duration_us;	/* 0: instant */
	int64_t every_us;	/* 0: once */
};

struct probe_spec {
	char *name;
	unsigned line;
	struct section *sec;
	const struct probe_type *type;
	struct target_spec *target;	/* for types with a target key */
	int64_t interval_us, timeout_us, recover_within_us;
	unsigned healthy_after;
	enum probe_during during;
	double tolerance;	/* percent 0..100 */
	int64_t halt_us;	/* halt when down longer than this; 0: at once; -1: never */
	int from;		/* sandbox host index it probes from, or -1 */
	/* expect = detect: a monitoring check, quiet (passing) until a fault,
	 * that must fire (fail) within detect_within of a fault it detects and
	 * be quiet again within clear_within of the service's recovery. */
	bool detector;
	int64_t detect_within_us, clear_within_us;
	bool *detects;		/* per fault: does it detect it; NULL: every fault */
};
/* Does probe p detect fault number f? */
static inline bool probe_detects(const struct probe_spec *p, size_t f)
{
	return p->detector && (!p->detects || p->detects[f]);
}

/* The [sandbox] section: hosts Erebus creates, one address each. */
struct sandbox_spec {
	unsigned line;		/* 0: no sandbox */
	char **hosts;		/* names, in order */
	char **addrs;		/* "10.237.0.1", ... parallel to hosts */
	size_t n_hosts;
	struct cidr subnet;
};

struct experiment {
	char *file;
	char *name, *description;
	uint64_t seed;
	bool seed_set;
	int64_t steady_timeout_us;
	int64_t hold_us;		/* every probe healthy this long before the end */
	bool halt_on_lost_tolerance;
	char *annotate;			/* webhook URL (http or https), or NULL */
	struct section *sections;
	size_t n_sections;
	struct target_spec *targets;
	size_t n_targets;
	struct fault_spec *faults;
	size_t n_faults;
	struct probe_spec *probes;
	size_t n_probes;
	struct sandbox_spec sandbox;
	/* the reader's: target and sandbox host names to their indexes */
	struct strmap target_index, host_index;
};

/*
 * The fault and probe types an experiment may name. Both lists end with
 * NULL and outlive every experiment loaded with them; their order is the
 * order of "known: ..." in messages. The program's own is catalog_builtin
 * (erebus/catalog.h).
 */
struct model_catalog {
	const struct fault_type *const *faults;
	const struct probe_type *const *probes;
};

/*
 * Parse and check path, resolving type names in cat. Returns 0 and *ret
 * (free with experiment_free()), or -EINVAL with every problem recorded in
 * d (d->file is set here), or another negative errno if the file cannot be
 * read (also recorded). The specs point into cat's descriptors.
 */
int experiment_load(const char *path, const struct model_catalog *cat, struct diag *d,
		    struct experiment **ret);
/* As experiment_load(), from fd (read from its offset to the end; not
 * closed); path is used in messages. */
int experiment_load_fd(int fd, const char *path, const struct model_catalog *cat, struct diag *d,
		       struct experiment **ret);
/* As experiment_load(), from text in memory; name is used in messages. */
int experiment_load_string(const char *name, const char *text, const struct model_catalog *cat,
			   struct diag *d, struct experiment **ret);
void experiment_free(struct experiment *x);

/* True when t names only a network namespace, no processes. */
bool target_netns_only(const struct target_spec *t);

/* Find by name; NULL if absent. */
struct target_spec *experiment_target(const struct experiment *x, const char *name);

/* End of the fault window relative to its start: the latest at + duration
 * (or at + every * k for repeating faults without a duration). */
int64_t experiment_window_us(const struct experiment *x);

/* The common option tables, for `erebus faults` and docs. */
extern const struct opt_def experiment_options[];
extern const struct opt_def target_options[];
extern const struct opt_def fault_options[];
extern const struct opt_def probe_options[];
extern const struct opt_def sandbox_options[];

#endif
