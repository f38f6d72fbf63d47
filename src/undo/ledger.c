/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "erebus/ledger.h"
#include "erebus/netns.h"

static struct {
	int fd, dfd;
	char *dir, *name;
	uint32_t seq;
} lg = { .fd = -1, .dfd = -1 };

int ledger_current(struct ledger_at *ret)
{
	if (lg.fd < 0)
		return -EBADF;
	*ret = (struct ledger_at){ .fd = lg.fd, .dfd = lg.dfd, .dir = lg.dir, .name = lg.name };
	return 0;
}

const char *ledger_boot_id(void)
{
	static char id[40];
	_cleanup_free_ char *text = NULL;

	if (!*id && read_file_max("/proc/sys/kernel/random/boot_id", 64, &text) > 0) {
		size_t n = strspn(text, "0123456789abcdef-");
		if (n < sizeof(id))
			memcpy(id, text, n), id[n] = '\0';
	}
	return id;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int ledger_claim(int dfd, const char *dir, const char *name, uid_t uid, char **ret_err)
{
	_cleanup_close_ int fd = rundir_open_file(dfd, dir, name, O_RDONLY, 0, uid, ret_err);
	int r;

	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		if (r == -EWOULDBLOCK)
			return -EBUSY;
		*ret_err = xasprintf("cannot lock %s/%s: %s", dir, name, strerror(-r));
		return r;
	}
	return TAKE_FD(fd);
}

/* Before a run: is any ledger in the run directory dfd (dir) not held by a
 * live run? 0, -EEXIST (a ledger left behind) or -EPERM (a file Erebus may
 * not read), with *ret_err. Ledgers being replayed right now (locked) are
 * not the run's concern. */
static int check_left_behind(int dfd, const char *dir, char **ret_err)
{
	char **names = rundir_list(dfd, ".ledger");
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; names && names[i] && !r; i++) {
		char *err = NULL;
		int fd = ledger_claim(dfd, dir, names[i], geteuid(), &err);

		if (fd == -EBUSY)
			continue;
		if (fd < 0) {
			*ret_err = xasprintf("%s; Erebus runs nothing until it is gone", err);
			free(err);
			r = -EPERM;
			break;
		}
		close(fd);
		if (!n++)
			r = i + 1;	/* the first one named below */
	}
	if (r > 0) {
		const char *first = names[r - 1];
		*ret_err = xasprintf("an earlier run left faults behind (%s/%s%s); run `erebus recover` first "
				     "(if it cannot undo them, fix what it says by hand and move the ledger aside "
				     "with `erebus recover --forget %s/%s`)",
				     dir, first, n > 1 ? " and more" : "", dir, first);
		r = -EEXIST;
	}
	strv_free(names);
	return r;
}

/* The header: refused when this process's start time or the boot id
 * cannot be read (a header without them would make a dead run look alive,
 * or a ledger of another boot look like this one's). */
static int format_header(const char *experiment, struct sbuf *b, char **ret_err)
{
	struct proc self;

	if (proc_read(getpid(), &self) < 0 || !self.starttime) {
		*ret_err = xasprintf("cannot read this process's start time from /proc/%d/stat; the undo ledger "
				     "needs it (is /proc mounted?)", (int)getpid());
		return -EIO;
	}
	if (!*ledger_boot_id()) {
		*ret_err = xstrdup("cannot read /proc/sys/kernel/random/boot_id; the undo ledger needs it "
				   "(is /proc mounted?)");
		return -EIO;
	}
	sbuf_addf(b, "erebus-ledger 1 pid=%d start=%llu boot=%s experiment=", (int)getpid(),
		  (unsigned long long)self.starttime, ledger_boot_id());
	for (const char *p = experiment; *p; p++)	/* one line, no spaces */
		sbuf_addn(b, (*p > ' ' && *p != 0x7f) ? p : "_", 1);
	sbuf_add(b, "\n");
	return 0;
}

/* Write the header under a temporary name, sync, lock, then link it to
 * its name: no one ever sees the ledger without its header or unlocked. */
static int create_ledger(int dfd, const char *dir, const char *experiment, char **ret_name, char **ret_err)
{
	_cleanup_free_ char *tmp = xasprintf(".%d.ledger.tmp", (int)getpid());
	_cleanup_free_ char *name = xasprintf("%d.ledger", (int)getpid());
	_cleanup_close_ int fd = -1;
	struct sbuf b = { 0 };
	int r;

	if ((r = format_header(experiment, &b, ret_err)) < 0)
		return r;
	(void)unlinkat(dfd, tmp, 0);	/* a live pid owns its name: anything there is a leftover of ours */
	fd = rundir_open_file(dfd, dir, tmp, O_RDWR | O_CREAT | O_EXCL | O_APPEND, 0600, geteuid(), ret_err);
	if (fd < 0) {
		sbuf_free(&b);
		return fd;
	}
	r = write_all(fd, b.s, b.len);
	sbuf_free(&b);
	if (r < 0 || fsync(fd) < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || linkat(dfd, tmp, dfd, name, 0) < 0) {
		r = r < 0 ? r : -errno;
		*ret_err = xasprintf("cannot create the undo ledger %s/%s: %s", dir, name, strerror(-r));
		(void)unlinkat(dfd, tmp, 0);
		return r;
	}
	(void)unlinkat(dfd, tmp, 0);
	(void)fsync(dfd);
	*ret_name = TAKE_PTR(name);
	return TAKE_FD(fd);
}

int ledger_open(const char *experiment, char **ret_err)
{
	const char *dir = rundir_path();
	_cleanup_close_ int dfd = rundir_open(dir, geteuid(), true, ret_err);
	char *name = NULL;
	int r;

	if (dfd < 0)
		return dfd;
	if ((r = check_left_behind(dfd, dir, ret_err)) < 0)
		return r;
	if ((r = create_ledger(dfd, dir, experiment, &name, ret_err)) < 0)
		return r;
	lg.fd = r;
	lg.dfd = TAKE_FD(dfd);
	lg.dir = xstrdup(dir);
	lg.name = name;
	return 0;
}

void ledger_note_guardian(pid_t pid)
{
	struct proc p;
	char line[96];

	if (lg.fd < 0 || proc_read(pid, &p) < 0)
		return;
	snprintf(line, sizeof(line), "guardian pid=%d start=%llu\n", (int)pid,
		 (unsigned long long)p.starttime);
	if (write_all(lg.fd, line, strlen(line)) == 0)
		(void)fdatasync(lg.fd);
}

static void net_identity(struct undo_rec *rec)
{
	struct stat st;

	if (rec->net.netns_fd < -1)
		return;	/* lost (the check after rollback): keep what was recorded */
	if (rec->net.netns_fd >= 0 ? fstat(rec->net.netns_fd, &st) < 0
				   : stat("/proc/thread-self/ns/net", &st) < 0)
		return;
	rec->net.netns_dev = st.st_dev;
	rec->net.netns_ino = st.st_ino;
	/* No cookie on a kernel without SO_NETNS_COOKIE: dev and ino alone. */
	if (netns_cookie(rec->net.netns_fd, &rec->net.netns_cookie) < 0)
		rec->net.netns_cookie = 0;
}

static const char *const kind_names[] = {
	[UNDO_SIGCONT] = "sigcont", [UNDO_TC_QDISC] = "tc-qdisc", [UNDO_TC_CLASS] = "tc-class",
	[UNDO_TC_FILTER] = "tc-filter", [UNDO_LINK] = "link", [UNDO_NFT_TABLE] = "nft-table",
};

/* A name as one token: anything but [A-Za-z0-9_.:-] becomes '_'. */
static void add_token(struct sbuf *b, const char *s)
{
	for (; *s; s++)
		sbuf_addn(b, strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-", *s) ? s : "_", 1);
}

static void format_record(const struct undo_rec *r, struct sbuf *b)
{
	const struct undo_net *n = &r->net;

	sbuf_addf(b, "+ %u %s", r->seq, kind_names[r->kind]);
	if (r->kind == UNDO_SIGCONT) {
		sbuf_addf(b, " pid=%d start=%llu comm=", (int)r->proc.pid,
			  (unsigned long long)r->proc.starttime);
		add_token(b, r->proc.comm);
	} else {
		sbuf_addf(b, " ns=%llu:%llu", (unsigned long long)n->netns_dev,
			  (unsigned long long)n->netns_ino);
		if (n->netns_cookie)
			sbuf_addf(b, " cookie=%llu", (unsigned long long)n->netns_cookie);
		sbuf_addf(b, " if=%d parent=%x handle=%x prio=%u proto=%x family=%d name=", n->ifindex,
			  n->parent, n->handle, n->prio, n->protocol, n->family);
		add_token(b, n->name);
	}
	sbuf_add(b, "\n");
}

int ledger_append(struct undo_rec *rec)
{
	struct sbuf b = { 0 };
	int r;

	if (lg.fd < 0)
		return 0;
	rec->seq = ++lg.seq;
	if (rec->kind != UNDO_SIGCONT)
		net_identity(rec);
	format_record(rec, &b);
	r = write_all(lg.fd, b.s, b.len);
	sbuf_free(&b);
	if (!r && fdatasync(lg.fd) < 0)
		r = -errno;
	return r;
}

void ledger_done(uint32_t seq)
{
	char line[32];

	if (lg.fd < 0 || !seq)
		return;
	/* Not synced: if this line is lost, replay undoes the object again,
	 * and undoing is idempotent. */
	snprintf(line, sizeof(line), "- %u\n", seq);
	(void)write_all(lg.fd, line, strlen(line));
}

void ledger_close(bool remove)
{
	if (remove && lg.fd >= 0 && rundir_same_file(lg.dfd, lg.name, lg.fd))
		(void)unlinkat(lg.dfd, lg.name, 0);
	if (lg.fd >= 0)
		close(lg.fd);
	if (lg.dfd >= 0)
		close(lg.dfd);
	lg.fd = lg.dfd = -1;
	free(lg.dir);
	free(lg.name);
	lg.dir = lg.name = NULL;
}

/* Parse "+ SEQ KIND key=value..." into *r. 0 or -EINVAL. */
static int parse_record(char *line, struct undo_rec *r)
{
	char *save = NULL, *tok;
	unsigned long long seq;
	int k = -1;

	*r = (struct undo_rec){ .net.netns_fd = -1 };
	tok = strtok_r(line + 2, " ", &save);
	if (!tok || sscanf(tok, "%llu", &seq) != 1 || !seq || seq > UINT32_MAX)
		return -EINVAL;
	r->seq = (uint32_t)seq;
	tok = strtok_r(NULL, " ", &save);
	for (size_t i = 0; tok && i < ARRAY_SIZE(kind_names); i++)
		if (!strcmp(tok, kind_names[i]))
			k = (int)i;
	if (k < 0)
		return -EINVAL;
	r->kind = (enum undo_kind)k;
	while ((tok = strtok_r(NULL, " ", &save))) {
		char *eq = strchr(tok, '=');
		unsigned long long a, b;
		const char *v;

		if (!eq)
			return -EINVAL;
		*eq = '\0';
		v = eq + 1;
		if (!strcmp(tok, "pid") && sscanf(v, "%llu", &a) == 1)
			r->proc.pid = (pid_t)a;
		else if (!strcmp(tok, "start") && sscanf(v, "%llu", &a) == 1)
			r->proc.starttime = a;
		else if (!strcmp(tok, "comm"))
			snprintf(r->proc.comm, sizeof(r->proc.comm), "%s", v);
		else if (!strcmp(tok, "ns") && sscanf(v, "%llu:%llu", &a, &b) == 2)
			r->net.netns_dev = a, r->net.netns_ino = b;
		else if (!strcmp(tok, "cookie") && sscanf(v, "%llu", &a) == 1)
			r->net.netns_cookie = a;
		else if (!strcmp(tok, "if") && sscanf(v, "%llu", &a) == 1)
			r->net.ifindex = (int)a;
		else if (!strcmp(tok, "parent") && sscanf(v, "%llx", &a) == 1)
			r->net.parent = (uint32_t)a;
		else if (!strcmp(tok, "handle") && sscanf(v, "%llx", &a) == 1)
			r->net.handle = (uint32_t)a;
		else if (!strcmp(tok, "prio") && sscanf(v, "%llu", &a) == 1)
			r->net.prio = (uint32_t)a;
		else if (!strcmp(tok, "proto") && sscanf(v, "%llx", &a) == 1)
			r->net.protocol = (uint16_t)a;
		else if (!strcmp(tok, "family") && sscanf(v, "%llu", &a) == 1)
			r->net.family = (int)a;
		else if (!strcmp(tok, "name"))
			snprintf(r->net.name, sizeof(r->net.name), "%s", v);
		else
			return -EINVAL;
	}
	if (r->kind == UNDO_SIGCONT ? r->proc.pid <= 0 : !r->net.netns_ino)
		return -EINVAL;
	return 0;
}

/* The owner lines of a ledger: engine and guardian identities, boot id. */
static void read_head(const char *text, struct ledger_head *h)
{
	unsigned long long a, b;
	const char *g, *boot;

	*h = (struct ledger_head){ 0 };
	if (sscanf(text, "erebus-ledger 1 pid=%llu start=%llu", &a, &b) == 2) {
		h->pid = (pid_t)a;
		h->start = b;
		h->header_ok = true;
	}
	boot = strstr(text, " boot=");
	if (h->header_ok && boot && boot < text + strcspn(text, "\n")) {
		size_t n = strspn(boot + 6, "0123456789abcdef-");
		if (n < sizeof(h->boot))
			memcpy(h->boot, boot + 6, n), h->boot[n] = '\0';
	}
	g = strstr(text, "\nguardian pid=");
	if (g && sscanf(g, "\nguardian pid=%llu start=%llu", &a, &b) == 2) {
		h->gpid = (pid_t)a;
		h->gstart = b;
	}
}

int ledger_parse_head(char *text, const char *path, struct undo_list *ret, struct ledger_head *head, FILE *log,
		      const char *prefix)
{
	struct undo_list u = { 0 };
	unsigned lineno = 0;
	struct ledger_head h;

	read_head(text, &h);
	if (!h.header_ok) {
		fprintf(log, "%s%s:1: not an erebus-ledger version 1 header; reading its records anyway\n",
			prefix, path);
		h.unreadable++;
	}
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		lineno++;
		if (!next) {
			fprintf(log, "%s%s:%u: truncated last line ignored: \"%.60s\"\n", prefix, path, lineno, line);
			break;
		}
		*next++ = '\0';
		if (line[0] == '+' && line[1] == ' ') {
			struct undo_rec r;
			if (parse_record(line, &r) < 0) {
				fprintf(log, "%s%s:%u: unreadable record skipped\n", prefix, path, lineno);
				h.unreadable++;
				continue;
			}
			GROW(u.v, u.cap, u.n + 1);
			u.v[u.n++] = r;
		} else if (line[0] == '-' && line[1] == ' ') {
			unsigned long long seq;
			if (sscanf(line + 2, "%llu", &seq) != 1) {
				fprintf(log, "%s%s:%u: unreadable line skipped\n", prefix, path, lineno);
				h.unreadable++;
				continue;
			}
			for (size_t i = 0; i < u.n; i++)
				if (u.v[i].seq == seq)
					u.v[i].done = true;
		} else if (lineno > 1 && strncmp(line, "guardian ", 9)) {
			fprintf(log, "%s%s:%u: unreadable line skipped\n", prefix, path, lineno);
			h.unreadable++;
		}
	}
	*ret = u;
	if (head)
		*head = h;
	return (int)u.n;
}

int ledger_parse(char *text, const char *path, struct undo_list *ret, FILE *log, const char *prefix)
{
	return ledger_parse_head(text, path, ret, NULL, log, prefix);
}

int ledger_read_fd(int fd, const char *path, struct undo_list *ret, struct ledger_head *head, FILE *log,
		   const char *prefix)
{
	const size_t max = 16 << 20;
	_cleanup_free_ char *text = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;

		GROW(text, cap, len + 65536 + 1);
		n = pread(fd, text + len, cap - len - 1, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			fprintf(log, "%s%s: cannot read: %s\n", prefix, path, strerror(e));
			return -e;
		}
		if (!n)
			break;
		len += (size_t)n;
		if (len > max) {
			fprintf(log, "%s%s: larger than 16 MiB; not a ledger Erebus wrote\n", prefix, path);
			return -EFBIG;
		}
	}
	text[len] = '\0';
	return ledger_parse_head(text, path, ret, head, log, prefix);
}

const struct undo_journal ledger_journal = {
	.append = ledger_append,
	.done = ledger_done,
};
