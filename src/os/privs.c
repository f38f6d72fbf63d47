/* SPDX-License-Identifier: MIT */
/*
 * Least privilege (include/erebus/privs.h): raw capget()/capset(),
 * prctl() for the ambient and bounding sets, and uid/gid switches. The system calls are made directly
 * (not through glibc's set*id() wrappers, which signal every thread) so
 * that privs_child_become() stays async-signal-safe after fork().
 */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "erebus/options.h"
#include "erebus/privs.h"
#include "erebus/util.h"

/* 32-bit ids on every architecture (i386 and arm have 16-bit ones at the
 * old numbers). */
#ifdef SYS_setresuid32
#define SYS_SETRESUID SYS_setresuid32
#define SYS_SETRESGID SYS_setresgid32
#define SYS_SETGROUPS SYS_setgroups32
#else
#define SYS_SETRESUID SYS_setresuid
#define SYS_SETRESGID SYS_setresgid
#define SYS_SETGROUPS SYS_setgroups
#endif

#define N(c) [CAP_##c] = "CAP_" #c
static const char *const cap_names[] = {
	N(CHOWN), N(DAC_OVERRIDE), N(DAC_READ_SEARCH), N(FOWNER), N(FSETID), N(KILL), N(SETGID),
	N(SETUID), N(SETPCAP), N(LINUX_IMMUTABLE), N(NET_BIND_SERVICE), N(NET_BROADCAST),
	N(NET_ADMIN), N(NET_RAW), N(IPC_LOCK), N(IPC_OWNER), N(SYS_MODULE), N(SYS_RAWIO),
	N(SYS_CHROOT), N(SYS_PTRACE), N(SYS_PACCT), N(SYS_ADMIN), N(SYS_BOOT), N(SYS_NICE),
	N(SYS_RESOURCE), N(SYS_TIME), N(SYS_TTY_CONFIG), N(MKNOD), N(LEASE), N(AUDIT_WRITE),
	N(AUDIT_CONTROL), N(SETFCAP), N(MAC_OVERRIDE), N(MAC_ADMIN), N(SYSLOG), N(WAKE_ALARM),
	N(BLOCK_SUSPEND), N(AUDIT_READ),
};
#undef N

struct caps {
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];
};

static int caps_get(struct caps *c)
{
	*c = (struct caps){ .h = { _LINUX_CAPABILITY_VERSION_3, 0 } };
	return syscall(SYS_capget, &c->h, c->d) < 0 ? -errno : 0;
}

static int caps_set(struct caps *c)
{
	c->h = (struct __user_cap_header_struct){ _LINUX_CAPABILITY_VERSION_3, 0 };
	return syscall(SYS_capset, &c->h, c->d) < 0 ? -errno : 0;
}

static uint64_t join(uint32_t lo, uint32_t hi) { return (uint64_t)hi << 32 | lo; }

static void split(uint64_t v, uint32_t *lo, uint32_t *hi)
{
	*lo = (uint32_t)v;
	*hi = (uint32_t)(v >> 32);
}

uint64_t privs_effective(void)
{
	struct caps c;

	return caps_get(&c) < 0 ? 0 : join(c.d[0].effective, c.d[1].effective);
}

const char *privs_format(uint64_t set, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < 64 && n < len; i++) {
		if (!(set & PRIVS_CAP(i)))
			continue;
		if (i < ARRAY_SIZE(cap_names) && cap_names[i])
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", cap_names[i]);
		else
			n += (size_t)snprintf(buf + n, len - n, "%scapability %u", n ? ", " : "", i);
	}
	if (!n)
		snprintf(buf, len, "none");
	return buf;
}

/* ---- users --------------------------------------------------------------- */

void privs_user_free(struct privs_user *u)
{
	if (!u)
		return;
	free(u->groups);
	free(u->name);
	*u = (struct privs_user){ 0 };
}

/* The supplementary groups initgroups(name, gid) would set. */
static void user_groups(const char *name, gid_t gid, struct privs_user *u)
{
	int n = 16;

	for (;;) {
		int want = n;
		u->groups = xrealloc(u->groups, (size_t)n * sizeof(gid_t));
		if (getgrouplist(name, gid, u->groups, &n) >= 0)
			break;
		if (n <= want)	/* failed without saying how many: grow anyway */
			n = want * 2;
		if (n > 65536) {
			n = 0;
			break;
		}
	}
	u->n_groups = (size_t)n;
	if (!n) {
		u->groups[0] = gid;
		u->n_groups = 1;
	}
}

/* Fill u's name, gid (unless gid_set) and groups from uid's entry in the
 * user database; a uid it does not have keeps gid alone. */
static void user_fill(uid_t uid, gid_t gid, bool gid_set, struct privs_user *u)
{
	struct passwd pw, *p = NULL;
	char buf[4096];

	(void)getpwuid_r(uid, &pw, buf, sizeof(buf), &p);
	u->uid = uid;
	u->gid = gid_set || !p ? gid : p->pw_gid;
	if (p) {
		u->name = xstrdup(p->pw_name);
		user_groups(p->pw_name, u->gid, u);
	} else {
		u->name = xasprintf("uid %u", (unsigned)uid);
		u->groups = xmalloc(sizeof(gid_t));
		u->groups[0] = u->gid;
		u->n_groups = 1;
	}
}

int privs_user_resolve(const char *spec, struct privs_user *ret, char **ret_err)
{
	struct privs_user u = { 0 };
	bool has_gid;
	uid_t uid;
	gid_t gid;
	int r = spec ? 0 : sudo_ids(&uid, &gid, &has_gid);

	if (r < 0) {
		const char *sg = getenv("SUDO_GID");
		*ret_err = xasprintf("SUDO_UID=%s%s%s does not name a user (a uid and a gid)", getenv("SUDO_UID"),
				     sg ? " SUDO_GID=" : "", sg ? sg : "");
		return -EINVAL;
	} else if (r > 0) {
		/* Run through sudo: the user who ran it. */
		user_fill(uid, gid, has_gid, &u);
	} else if (!spec) {
		u.uid = geteuid();
		u.gid = getegid();
		u.name = xasprintf("uid %u", (unsigned)u.uid);
	} else {
		if ((r = parse_user(spec, &uid)) < 0) {
			*ret_err = r == -ENOENT ? xasprintf("no user \"%s\" in the user database", spec)
						: xasprintf("cannot look up user \"%s\": %s", spec, strerror(-r));
			return r;
		}
		user_fill(uid, 0, false, &u);
	}
	u.change = u.uid != geteuid() || u.gid != getegid();
	*ret = u;
	return 0;
}

/* ---- /proc ---------------------------------------------------------------- */

bool privs_proc_hides_pids(const char *mountinfo)
{
	bool hides = false;

	for (const char *l = mountinfo; l && *l && !hides; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char point[64] = "", rest[512] = "";
		const char *dash = strstr(l, " - proc ");
		const char *end = strchr(l, '\n');

		if (!dash || (end && dash > end))
			continue;
		/* "ID PARENT MAJ:MIN ROOT POINT ..." then " - proc SOURCE OPTIONS" */
		if (sscanf(l, "%*s %*s %*s %*s %63s", point) != 1 || strcmp(point, "/proc"))
			continue;
		if (sscanf(dash, " - proc %*s %511s", rest) != 1)
			continue;
		for (char *o = strstr(rest, "hidepid="); o; o = strstr(o + 1, "hidepid="))
			if (strncmp(o + 8, "0", 1) && strncmp(o + 8, "off", 3))
				hides = true;
	}
	return hides;
}

/* ---- the child's side ----------------------------------------------------- */

int privs_child_become(const struct privs_user *u)
{
	struct caps none = { 0 };

	if (u->change) {
		if (syscall(SYS_SETGROUPS, u->n_groups, u->groups) < 0 ||
		    syscall(SYS_SETRESGID, u->gid, u->gid, u->gid) < 0 ||
		    syscall(SYS_SETRESUID, u->uid, u->uid, u->uid) < 0)
			return -errno;
	}
	/* Older kernels have no ambient set (EINVAL): nothing to clear. */
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return caps_set(&none);
}

/* ---- the process's own ---------------------------------------------------- */

/* More than one entry in /proc/self/task: capabilities are per thread. */
static int single_threaded(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n == 1 ? 0 : -EBUSY;
}

/* Drop every capability but keep from the bounding set (CAP_SETPCAP). */
static int drop_bounding(uint64_t keep)
{
	for (unsigned c = 0; c < 64; c++) {
		if (keep & PRIVS_CAP(c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return errno == EINVAL ? 0 : -errno;	/* EINVAL: past the last one */
	}
	return 0;
}

int privs_drop(uint64_t keep, bool bounding)
{
	struct caps c;
	uint64_t p;
	int r;

	if ((r = single_threaded()) < 0 || (r = caps_get(&c)) < 0)
		return r;
	p = join(c.d[0].permitted, c.d[1].permitted) & keep;
	if (bounding && (join(c.d[0].effective, c.d[1].effective) & PRIVS_CAP(CAP_SETPCAP)) &&
	    (r = drop_bounding(keep)) < 0)
		return r;
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	c = (struct caps){ 0 };
	split(p, &c.d[0].permitted, &c.d[1].permitted);
	split(p, &c.d[0].effective, &c.d[1].effective);
	return caps_set(&c);
}

int privs_access_without(const char *path, int mode, uint64_t caps)
{
	struct caps c, lowered;
	uint64_t e;
	int r;

	if ((r = caps_get(&c)) < 0)
		return r;
	e = join(c.d[0].effective, c.d[1].effective);
	if (!(e & caps))
		return faccessat(AT_FDCWD, path, mode, AT_EACCESS) < 0 ? -errno : 0;
	lowered = c;
	split(e & ~caps, &lowered.d[0].effective, &lowered.d[1].effective);
	if ((r = caps_set(&lowered)) < 0)
		return r;
	r = faccessat(AT_FDCWD, path, mode, AT_EACCESS) < 0 ? -errno : 0;
	if (caps_set(&c) < 0)
		abort();	/* raising back what is still permitted cannot fail */
	return r;
}
