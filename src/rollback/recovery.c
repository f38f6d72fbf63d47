/* SPDX-License-Identifier: MIT */
/*
 * Replaying a ledger (include/erebus/recovery.h): what the guardian does
 * when the engine dies, and what `erebus recover` does when both did.
 * Records are read back by the ledger module, their namespaces found
 * again by identity (device, inode and cookie), and each is undone only if
 * it carries Erebus' tag and, read back from the kernel, proves to be the
 * object Erebus made; what does not is left alone and said so.
 */
#include <glob.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "erebus/ledger.h"
#include "erebus/netns.h"
#include "erebus/recovery.h"
#include "erebus/replay.h"

/* A ledger of another boot: close what it says and replay nothing.
 * Returns the network records that stay open (they may name objects
 * that are now someone else's, so no one should act on them blindly). */
static unsigned close_other_boot(struct undo_list *recs, const char *path, const struct ledger_head *h,
				 FILE *log, const char *prefix)
{
	unsigned left = 0;

	fprintf(log, "%s%s was written during another boot (boot id %s; now %s): nothing in it is replayed\n",
		prefix, path, *h->boot ? h->boot : "not recorded", ledger_boot_id());
	for (size_t i = recs->n; i-- > 0;) {
		struct undo_rec *r = &recs->v[i];
		struct sbuf what = { 0 };

		if (r->done)
			continue;
		undo_describe(r, &what);
		if (r->kind == UNDO_SIGCONT) {
			fprintf(log, "%s%s: the process ended with that boot\n", prefix, what.s);
		} else {
			fprintf(log, "%s%s: not replayed: the namespace and interface it names may be others' now; "
				"check by hand\n", prefix, what.s);
			left++;
		}
		r->done = true;
		sbuf_free(&what);
	}
	return left;
}

/* Move name in dfd aside as name.suffix (or name.suffix.N when that is
 * taken), if it is still the file open at fd. Prints where to log. */
static int set_aside(int dfd, const char *dir, const char *name, int fd, const char *suffix, FILE *log,
		     const char *prefix)
{
	if (!rundir_same_file(dfd, name, fd)) {
		fprintf(log, "%s%s/%s is no longer the file that was read; left alone\n", prefix, dir, name);
		return -ESTALE;
	}
	for (unsigned i = 0; i < 100; i++) {
		_cleanup_free_ char *to = i ? xasprintf("%s.%s.%u", name, suffix, i) : xasprintf("%s.%s", name, suffix);

		if (renameat2(dfd, name, dfd, to, RENAME_NOREPLACE) == 0) {
			fprintf(log, "%smoved %s/%s aside to %s/%s\n", prefix, dir, name, dir, to);
			return 0;
		}
		if (errno != EEXIST) {
			int e = errno;
			fprintf(log, "%scannot move %s/%s aside: %s\n", prefix, dir, name, strerror(e));
			return -e;
		}
	}
	fprintf(log, "%scannot move %s/%s aside: too many earlier ones\n", prefix, dir, name);
	return -EEXIST;
}

int ledger_replay_at(int dfd, const char *dir, const char *name, int lfd, bool dry_run, FILE *log,
		     const char *prefix)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	struct undo_list recs = { 0 };
	struct ledger_head head;
	unsigned failed = 0, left = 0;
	bool other_boot;
	int n = ledger_read_fd(lfd, path, &recs, &head, log, prefix);

	if (n < 0)
		return n;
	other_boot = strcmp(head.boot, ledger_boot_id()) || !*head.boot;
	if (other_boot)
		failed += close_other_boot(&recs, path, &head, log, prefix);
	for (size_t i = n; i-- > 0;) {
		struct undo_rec *r = &recs.v[i];
		struct sbuf what = { 0 };
		_cleanup_free_ char *why = NULL;
		int e = 0, fd = -1;

		if (r->done)
			continue;
		undo_describe(r, &what);
		if (!undo_is_tagged(r)) {
			fprintf(log, "%s%s: record %u (%s) does not name an object Erebus tags; left alone\n",
				prefix, path, r->seq, what.s);
			failed++;
			sbuf_free(&what);
			continue;
		}
		if (r->kind != UNDO_SIGCONT) {
			fd = netns_open_id(r->net.netns_dev, r->net.netns_ino, r->net.netns_cookie);
			if (fd == -ENOENT || fd == -ESTALE) {
				if (fd == -ENOENT)
					fprintf(log, "%s%s: already gone with its network namespace\n", prefix, what.s);
				else	/* -ESTALE */
					fprintf(log, "%s%s: NOT REPLAYED: its network namespace is gone, and another "
						"one has its device and inode now (another cookie); that one is not "
						"Erebus' to change\n", prefix, what.s);
				left += fd == -ESTALE;
				sbuf_free(&what);
				r->done = true;
				continue;
			}
			r->net.netns_fd = fd;
		} else {
			struct proc p;
			if (proc_open(r->proc.pid, r->proc.starttime, &p) < 0) {
				fprintf(log, "%s%s: process already gone\n", prefix, what.s);
				sbuf_free(&what);
				r->done = true;
				continue;
			}
			r->proc.pidfd = p.pidfd;
		}
		e = dry_run ? undo_owned(r, &why) : undo_one(r, &why);
		if (e == UNDO_LEFT_ALONE) {
			fprintf(log, "%s%s: NOT EREBUS', %s\n%s  %s\n", prefix, what.s,
				dry_run ? "would be left alone" : "LEFT ALONE", prefix, why);
			left++;
			e = 0;
		} else if (e && dry_run) {
			fprintf(log, "%swould %s (cannot read it back now: %s)\n", prefix, what.s, strerror(-e));
			e = 0;
		} else {
			fprintf(log, "%s%s%s%s\n", prefix, dry_run ? "would " : "", what.s,
				e ? (e == -ENOSYS ? ": not supported by this build" : ": FAILED") : (dry_run ? "" : ": done"));
			if (e)
				fprintf(log, "%s  %s\n", prefix, strerror(-e));
			failed += e != 0;
		}
		if (!e)
			r->done = !dry_run;
		if (r->kind == UNDO_SIGCONT && r->proc.pidfd >= 0)
			close(r->proc.pidfd);
		if (fd >= 0)
			close(fd);
		sbuf_free(&what);
	}
	undo_free(&recs);
	if (left)
		fprintf(log, "%s%u record(s) named what is not Erebus' now: left alone, as said above "
			"(nothing of Erebus' is left of them; check that it is what you expect)\n", prefix, left);
	if (head.unreadable) {
		fprintf(log, "%s%u line(s) of %s could not be read; what they said may still be applied\n", prefix,
			head.unreadable, path);
		failed += head.unreadable;
	}
	if (dry_run)
		return (int)failed;
	if (other_boot)
		(void)set_aside(dfd, dir, name, lfd, "previous-boot", log, prefix);
	else if (!failed && rundir_same_file(dfd, name, lfd))
		(void)unlinkat(dfd, name, 0);
	return (int)failed;
}

/* Move the ledger open at fd aside, saying what it still holds. */
static int forget(int dfd, const char *dir, const char *name, int fd, bool dry_run, FILE *log)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	struct undo_list recs = { 0 };
	unsigned open_recs = 0;
	int n = ledger_read_fd(fd, path, &recs, NULL, log, "  ");

	for (int i = 0; i < n; i++) {
		struct sbuf what = { 0 };
		if (recs.v[i].done)
			continue;
		undo_describe(&recs.v[i], &what);
		fprintf(log, "  not replayed: %s\n", what.s);
		open_recs++;
		sbuf_free(&what);
	}
	undo_free(&recs);
	if (dry_run) {
		fprintf(log, "  would move %s aside to %s.forgotten (%u record(s) not replayed)\n", path, path,
			open_recs);
		return 0;
	}
	return set_aside(dfd, dir, name, fd, "forgotten", log, "  ");
}

/* rundir_open() of dir for uid, saying why not to log. -ENOENT: none. */
static int open_dir(const char *dir, uid_t uid, FILE *log)
{
	char *err = NULL;
	int dfd = rundir_open(dir, uid, false, &err);

	if (dfd < 0 && dfd != -ENOENT)
		fprintf(log, "%s: %s\n", dir, err);
	free(err);
	return dfd;
}

int recover_dir(const char *dir, uid_t uid, enum recover_mode mode, FILE *log, unsigned *found)
{
	char *err = NULL;
	_cleanup_close_ int dfd = open_dir(dir, uid, log);
	char **names;
	int problems = 0;

	if (dfd < 0)
		return dfd == -ENOENT ? 0 : 1;
	names = rundir_list(dfd, ".ledger");
	for (size_t i = 0; names && names[i]; i++) {
		_cleanup_close_ int fd = ledger_claim(dfd, dir, names[i], uid, &err);
		int r;

		if (fd == -EBUSY)
			continue;	/* a live run's */
		(*found)++;
		fprintf(log, "%s/%s:\n", dir, names[i]);
		if (fd < 0) {
			fprintf(log, "  %s\n", err);
			free(err);
			problems++;
			continue;
		}
		if (mode == RECOVER_FORGET || mode == RECOVER_FORGET_DRY_RUN)
			r = forget(dfd, dir, names[i], fd, mode == RECOVER_FORGET_DRY_RUN, log) < 0;
		else
			r = ledger_replay_at(dfd, dir, names[i], fd, mode == RECOVER_DRY_RUN, log, "  ");
		if (r > 0 && mode == RECOVER_REPLAY && rundir_same_file(dfd, names[i], fd))
			fprintf(log, "  %s/%s is kept; once what is listed above is dealt with by hand: "
				"erebus recover --forget %s/%s\n", dir, names[i], dir, names[i]);
		problems += r < 0 ? 1 : r;
	}
	strv_free(names);
	return problems;
}

int recover_forget(const char *path, bool dry_run, FILE *log)
{
	_cleanup_free_ char *copy = xstrdup(path);
	char *slash = strrchr(copy, '/'), *err = NULL;
	const char *dir = slash ? (slash == copy ? "/" : copy) : ".", *name = slash ? slash + 1 : copy;
	_cleanup_close_ int dfd = -1, fd = -1;
	size_t len = strlen(name);
	struct stat st;
	uid_t uid = geteuid();

	if (slash)
		*slash = '\0';
	if (len <= 7 || strcmp(name + len - 7, ".ledger") || *name == '.') {
		fprintf(log, "%s: not a ledger (their names end in .ledger)\n", path);
		return -EINVAL;
	}
	/* As root, the directory's owner is the user whose ledger it is. */
	if (uid == 0 && lstat(dir, &st) == 0)
		uid = st.st_uid;
	dfd = rundir_open(dir, uid, false, &err);
	if (dfd >= 0)
		fd = ledger_claim(dfd, dir, name, uid, &err);
	if (dfd < 0 || fd < 0) {
		int r = dfd < 0 ? dfd : fd;
		if (r == -EBUSY)
			fprintf(log, "%s belongs to a run that is still going; left alone\n", path);
		else
			fprintf(log, "%s\n", err);
		free(err);
		return r;
	}
	fprintf(log, "%s:\n", path);
	return forget(dfd, dir, name, fd, dry_run, log);
}

/* In a child that has become uid (its groups: the directory's group only),
 * recover_dir(): another user's ledger is replayed with that user's
 * rights, never root's, since that user wrote it. */
int recover_dir_as(const char *dir, uid_t uid, enum recover_mode mode, FILE *log, unsigned *found)
{
	struct result { unsigned found; int problems; } *res;
	struct stat st;
	int status = 0;
	pid_t pid;

	if (geteuid() != 0 || uid == 0)
		return recover_dir(dir, uid, mode, log, found);
	status = open_dir(dir, uid, log);	/* checked as root first: its reasons are root's to give */
	if (status < 0)
		return status == -ENOENT ? 0 : 1;
	close(status);
	status = 0;
	res = mmap(NULL, sizeof(*res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		fprintf(log, "%s: cannot recover as uid %u: %s\n", dir, (unsigned)uid, strerror(errno));
		return 1;
	}
	*res = (struct result){ 0, 1 };
	fflush(log);
	pid = fork();
	if (pid == 0) {
		gid_t gid = lstat(dir, &st) == 0 ? st.st_gid : (gid_t)uid;

		if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
			fprintf(log, "%s: cannot become uid %u to recover its ledgers: %s\n", dir, (unsigned)uid,
				strerror(errno));
		} else {
			res->problems = recover_dir(dir, uid, mode, log, &res->found);
		}
		fflush(log);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		fprintf(log, "%s: recovering as uid %u failed\n", dir, (unsigned)uid);
	else
		*found += res->found;
	status = pid > 0 && WIFEXITED(status) ? res->problems : 1;
	munmap(res, sizeof(*res));
	return status;
}

/* Add the directories glob pattern gives, with the UID at the start of
 * the path component after skip characters. */
static void add_fallbacks(const char *pattern, size_t skip, char ***dirs, uid_t **uids, size_t *n)
{
	glob_t g;

	if (glob(pattern, GLOB_NOSORT, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *p = g.gl_pathv[i];
		char *end;
		unsigned long uid;

		errno = 0;
		uid = strtoul(p + skip, &end, 10);
		if (errno || end == p + skip || (*end && *end != '/') || uid >= (uid_t)-1)
			continue;
		*dirs = xrealloc(*dirs, (*n + 2) * sizeof(**dirs));
		*uids = xrealloc(*uids, (*n + 1) * sizeof(**uids));
		(*dirs)[*n] = xstrdup(p);
		(*uids)[(*n)++] = (uid_t)uid;
		(*dirs)[*n] = NULL;
	}
	globfree(&g);
}

size_t recover_fallback_dirs(char ***ret_dirs, uid_t **ret_uids)
{
	size_t n = 0;

	*ret_dirs = NULL;
	*ret_uids = NULL;
	add_fallbacks("/tmp/erebus-[0-9]*", strlen("/tmp/erebus-"), ret_dirs, ret_uids, &n);
	add_fallbacks("/run/user/[0-9]*/erebus", strlen("/run/user/"), ret_dirs, ret_uids, &n);
	return n;
}
