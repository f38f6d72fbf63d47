/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include "erebus/ledger.h"
#include "erebus/netns.h"

static struct {
	int fd;
	char *path;
	uint32_t seq;
} lg = { .fd = -1 };

const char *ledger_dir(void)
{
	static char *dir;
	const char *env = getenv("EREBUS_RUN_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");

	if (dir)
		return dir;
	if (env && *env)
		dir = xstrdup(env);
	else if (geteuid() == 0)
		dir = xstrdup("/run/erebus");
	else if (xdg && *xdg)
		dir = xasprintf("%s/erebus", xdg);
	else
		dir = xasprintf("/tmp/erebus-%u", (unsigned)geteuid());
	return dir;
}

const char *ledger_path(void) { return lg.path; }

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

/* Is (pid, starttime) still that process? */
static bool alive(pid_t pid, uint64_t start)
{
	struct proc p;

	return pid > 0 && proc_read(pid, &p) == 0 && (!start || p.starttime == start);
}

/* The owner lines of a ledger: engine and guardian identities. */
struct owners {
	pid_t pid, gpid;
	uint64_t start, gstart;
	bool header_ok;
};

static void read_owners(const char *text, struct owners *o)
{
	unsigned long long a, b;
	const char *g;

	*o = (struct owners){ 0 };
	if (sscanf(text, "erebus-ledger 1 pid=%llu start=%llu", &a, &b) == 2) {
		o->pid = (pid_t)a;
		o->start = b;
		o->header_ok = true;
	}
	g = strstr(text, "\nguardian pid=");
	if (g && sscanf(g, "\nguardian pid=%llu start=%llu", &a, &b) == 2) {
		o->gpid = (pid_t)a;
		o->gstart = b;
	}
}

bool ledger_is_stale(const char *path)
{
	_cleanup_free_ char *text = NULL;
	struct owners o;

	if (read_file_max(path, 4096, &text) < 0)
		return false;
	read_owners(text, &o);
	if (!o.header_ok)
		return true;	/* unreadable header: let recover report it */
	return !alive(o.pid, o.start) && !(o.gpid && alive(o.gpid, o.gstart));
}

int ledger_find_stale(char ***ret)
{
	DIR *d = opendir(ledger_dir());
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	*ret = NULL;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		_cleanup_free_ char *path = NULL;

		if (len < 8 || strcmp(de->d_name + len - 7, ".ledger"))
			continue;
		path = xasprintf("%s/%s", ledger_dir(), de->d_name);
		if (lg.path && !strcmp(path, lg.path))
			continue;
		if (!ledger_is_stale(path))
			continue;
		v = xrealloc(v, (n + 2) * sizeof(*v));
		v[n++] = TAKE_PTR(path);
		v[n] = NULL;
	}
	closedir(d);
	*ret = v;
	return (int)n;
}

static int mkdir_p(const char *dir)
{
	_cleanup_free_ char *copy = xstrdup(dir);

	for (char *p = copy + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(copy, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	if (mkdir(copy, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int ledger_open(const char *experiment, char **ret_err)
{
	char **stale = NULL;
	struct proc self;
	struct sbuf b = { 0 };
	int n, r;

	if ((r = mkdir_p(ledger_dir())) < 0) {
		*ret_err = xasprintf("cannot create %s for the undo ledger: %s", ledger_dir(), strerror(-r));
		return r;
	}
	n = ledger_find_stale(&stale);
	if (n > 0) {
		*ret_err = xasprintf("an earlier run left faults behind (%s%s); run `erebus recover` first",
				     stale[0], n > 1 ? " and more" : "");
		strv_free(stale);
		return -EEXIST;
	}
	strv_free(stale);
	if (proc_read(getpid(), &self) < 0)
		self.starttime = 0;
	lg.path = xasprintf("%s/%d.ledger", ledger_dir(), (int)getpid());
	(void)unlink(lg.path);	/* a live pid owns its name: anything there is a leftover of ours */
	lg.fd = open(lg.path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (lg.fd < 0) {
		r = -errno;
		*ret_err = xasprintf("cannot create the undo ledger %s: %s", lg.path, strerror(-r));
		free(lg.path);
		lg.path = NULL;
		return r;
	}
	sbuf_addf(&b, "erebus-ledger 1 pid=%d start=%llu experiment=", (int)getpid(),
		  (unsigned long long)self.starttime);
	for (const char *p = experiment; *p; p++)	/* one line, no spaces */
		sbuf_addn(&b, (*p > ' ' && *p != 0x7f) ? p : "_", 1);
	sbuf_add(&b, "\n");
	r = write_all(lg.fd, b.s, b.len);
	sbuf_free(&b);
	if (r < 0 || fsync(lg.fd) < 0) {
		*ret_err = xasprintf("cannot write the undo ledger %s: %s", lg.path, strerror(errno));
		ledger_close(true);
		return -EIO;
	}
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
	if (lg.fd >= 0)
		close(lg.fd);
	lg.fd = -1;
	if (remove && lg.path)
		(void)unlink(lg.path);
	free(lg.path);
	lg.path = NULL;
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

int ledger_parse(char *text, const char *path, struct undo_list *ret, FILE *log, const char *prefix)
{
	struct undo_list u = { 0 };
	unsigned lineno = 0;
	struct owners o;

	read_owners(text, &o);
	if (!o.header_ok)
		fprintf(log, "%s%s:1: not an erebus-ledger version 1 header; reading its records anyway\n",
			prefix, path);
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
				continue;
			}
			GROW(u.v, u.cap, u.n + 1);
			u.v[u.n++] = r;
		} else if (line[0] == '-' && line[1] == ' ') {
			unsigned long long seq;
			if (sscanf(line + 2, "%llu", &seq) != 1) {
				fprintf(log, "%s%s:%u: unreadable line skipped\n", prefix, path, lineno);
				continue;
			}
			for (size_t i = 0; i < u.n; i++)
				if (u.v[i].seq == seq)
					u.v[i].done = true;
		} else if (lineno > 1 && strncmp(line, "guardian ", 9)) {
			fprintf(log, "%s%s:%u: unreadable line skipped\n", prefix, path, lineno);
		}
	}
	*ret = u;
	return (int)u.n;
}

int ledger_read(const char *path, struct undo_list *ret, FILE *log, const char *prefix)
{
	_cleanup_free_ char *text = NULL;
	ssize_t len = read_file_max(path, 16 << 20, &text);

	if (len < 0) {
		fprintf(log, "%s%s: cannot read: %s\n", prefix, path, strerror((int)-len));
		return (int)len;
	}
	return ledger_parse(text, path, ret, log, prefix);
}

const struct undo_journal ledger_journal = {
	.append = ledger_append,
	.done = ledger_done,
};
