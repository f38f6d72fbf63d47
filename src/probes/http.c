/* SPDX-License-Identifier: MIT */
/*
 * The http probe: one request per sample through libcurl's multi-socket
 * API, driven by the engine's loop. Every http probe of a run shares one
 * CURLM (env->http), whose sockets are registered with the loop by
 * CURLMOPT_SOCKETFUNCTION and whose timeout is one loop timer set by
 * CURLMOPT_TIMERFUNCTION. Nothing here blocks: the transfer advances when
 * its sockets are ready or curl's timer fires, and completions are read
 * with curl_multi_info_read() after each curl_multi_socket_action(). Names
 * are resolved in curl's resolver thread; cancelling a sample while its
 * name is being looked up does not wait for that thread (CURLOPT_QUICK_EXIT,
 * curl 7.87 and later: older ones join it, for as long as the lookup takes).
 *
 * Each probe keeps one easy handle, its options set once in init(), and
 * each sample adds it to the multi handle and removes it again (making and
 * setting up a handle per sample was a sixth of the client's CPU per
 * sample: docs/performance.md, section 4). Nothing of a transfer carries
 * over to the next but the connection pool of reuse = yes. With reuse =
 * no (the default) each sample is a fresh connection, so it measures connecting to the service
 * too, as a new client sees it; the request says "Connection: close", and
 * when curl is done with the connection it is kept open until the server's
 * FIN has arrived (conn_close_after_peer()), then closed: the server closes
 * first, so TIME_WAIT stays on its side, not in Erebus' local ports. With
 * reuse = yes, each probe has a connection pool of its own (a CURLSH
 * sharing the connection cache, so probes never take each other's
 * connections, made in another namespace perhaps) and each sample takes
 * its idle connection, as a warm client does; curl reopens one the server
 * has dropped (and retries a request that found it dead) within the same
 * sample.
 *
 * Only http and https are allowed, redirects are not followed, proxies
 * from the environment are ignored, and at most 1 MiB of body is kept.
 * A sample that could not connect for lack of Erebus' own resources (no
 * local port, no file descriptor) is probe_erebus_error(), not a failure.
 */
#include <ctype.h>
#include <regex.h>
#include <strings.h>
#include "curl_dl.h"
#include "erebus/json.h"
#include "erebus/netns.h"
#include "erebus/probe.h"
#include "erebus/regex.h"
#include "internal.h"

#define HTTP_BODY_MAX (1024 * 1024)
/* A body buffer up to this size is kept for the next sample. */
#define HTTP_BUF_KEEP (64 * 1024)
#if LIBCURL_VERSION_NUM < 0x075700	/* 7.87.0; older headers: the option's number */
#define CURLOPT_QUICK_EXIT ((CURLoption)(CURLOPTTYPE_LONG + 322))
#endif
/* curl's own timeout, a backstop behind the runner's. */
#define HTTP_BACKSTOP_MS 250

struct http_shared {
	CURLM *multi;
	struct loop *loop;
	struct loop_timer *timer;
	unsigned refs;
	unsigned n_reuse;		/* probes with reuse = yes: the pool's size */
	struct conn_held conns;		/* connections waiting for the server's FIN */
};

struct http_state {
	struct probe_ctx *ctx;
	struct http_shared *sh;
	const char *url, *body;
	char *method;			/* upper-cased copy */
	struct curl_slist *headers;
	const char *expect_body;	/* as written, for messages */
	char *substr;			/* expect_body without a regex */
	regex_t re;
	bool has_re;
	const struct status_range *status;
	unsigned n_status;
	char *status_text;		/* "200-399" */
	int64_t max_latency_us;		/* 0: none */
	bool tls_verify;
	bool reuse;			/* keep connections between samples */
	CURLSH *pool;			/* reuse: the probe's own connection cache */
	int sock_err;			/* the sample's socket() errno, 0 if none */
	long os_errno_before;		/* CURLINFO_OS_ERRNO when the sample started */

	CURL *easy;			/* the probe's handle, set up in init() */
	bool in_flight;			/* easy is in the multi handle */
	bool keep_body;			/* expect_body: the body is kept to check it */

	/* The sample in flight. */
	char *buf;			/* kept between samples (HTTP_BUF_KEEP) */
	size_t len, cap;
	bool too_large;
	char errbuf[CURL_ERROR_SIZE];
};

/* "http://" or "https://", any case. */
static bool http_url_scheme_ok(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

/* Is expect_body written as /regex/? Returns the inner text (malloc'd)
 * or NULL for a plain substring. */
static char *http_body_regex(const char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '/' && s[n - 1] == '/')
		return xstrndup(s + 1, n - 2);
	return NULL;
}

/* Compile the /regex/ form; on failure returns -EINVAL with *ret_err. */
static int http_compile(const char *pattern, regex_t *re, char **ret_err)
{
	_cleanup_free_ char *why = NULL;

	if (!*pattern) {
		*ret_err = xstrdup("empty regular expression //: write a pattern between the slashes");
		return -EINVAL;
	}
	/* Bounded: the body is the service's, its size up to the probe's limit. */
	if (regex_compile_bounded(re, pattern, &why) < 0) {
		*ret_err = xasprintf("regular expression /%s/ %s", pattern, why);
		return -EINVAL;
	}
	return 0;
}

static char *http_status_text(const struct status_range *v, unsigned n)
{
	struct sbuf b = { 0 };

	for (unsigned i = 0; i < n; i++) {
		if (i)
			sbuf_add(&b, ",");
		if (v[i].lo == v[i].hi)
			sbuf_addf(&b, "%d", v[i].lo);
		else
			sbuf_addf(&b, "%d-%d", v[i].lo, v[i].hi);
	}
	return sbuf_take(&b);
}

/* An HTTP method is one token ("GET", "PURGE"). */
static bool http_method_ok(const char *m)
{
	if (!*m)
		return false;
	for (; *m; m++)
		if (!isalnum((unsigned char)*m) && !strchr("!#$%&'*+-.^_`|~", *m))
			return false;
	return true;
}

/* A header line is "Name: value" with a token name. */
static bool http_header_ok(const char *h)
{
	const char *colon = strchr(h, ':');
	_cleanup_free_ char *name = NULL;

	if (!colon || colon == h)
		return false;
	name = xstrndup(h, (size_t)(colon - h));
	return http_method_ok(name);
}

static unsigned http_line(const struct probe_spec *p, const char *key)
{
	const struct opt_value *v = section_get(p->sec, key);

	return v && v->line ? v->line : p->line;
}

static void http_check(const struct probe_spec *p, struct diag *d)
{
	const struct section *sec = p->sec;
	const char *url = section_str(sec, "url");
	const char *method = section_str(sec, "method");
	const char *expect = section_str(sec, "expect_body");
	const struct opt_value *hv = section_get(sec, "headers");
	const struct opt_value *ml = section_get(sec, "max_latency");

	if (url && !http_url_scheme_ok(url)) {
		diag_error(d, http_line(p, "url"), sec->label, "url",
			   "\"%s\" is not an http:// or https:// URL; the http probe speaks only those two",
			   url);
	} else if (url && curl_dl_load(NULL) == 0) {	/* (init() reports a missing libcurl) */
		CURLU *u = curl_url();
		CURLUcode uc = u ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;

		if (uc)
			diag_error(d, http_line(p, "url"), sec->label, "url", "\"%s\" is not a valid URL: %s",
				   url, curl_url_strerror(uc));
		curl_url_cleanup(u);
	}
	if (method && !http_method_ok(method))
		diag_error(d, http_line(p, "method"), sec->label, "method",
			   "\"%s\" is not an HTTP method; write one word such as GET, POST or HEAD", method);
	if (hv && hv->list)
		for (char **h = hv->list; *h; h++)
			if (!http_header_ok(*h))
				diag_error(d, http_line(p, "headers"), sec->label, "headers",
					   "expected \"Name: value\", got \"%s\"", *h);
	if (expect) {
		_cleanup_free_ char *pattern = http_body_regex(expect);
		_cleanup_free_ char *err = NULL;
		regex_t re;

		if (pattern) {
			if (http_compile(pattern, &re, &err) < 0)
				diag_error(d, http_line(p, "expect_body"), sec->label, "expect_body", "%s", err);
			else
				regfree(&re);
		}
		if (method && strcasecmp(method, "HEAD") == 0)
			diag_error(d, http_line(p, "expect_body"), sec->label, "expect_body",
				   "a HEAD response has no body to check; use method = GET");
	}
	if (ml && ml->present && p->timeout_us > 0 && ml->usec >= p->timeout_us) {
		char a[32], b[32];

		diag_error(d, http_line(p, "max_latency"), sec->label, "max_latency",
			   "max_latency %s is not below timeout %s, so it could never fail a sample; raise timeout or lower max_latency",
			   format_duration(ml->usec, a, sizeof(a)), format_duration(p->timeout_us, b, sizeof(b)));
	}
}

/* curl closes a socket: held until the server's FIN (src/probes/conn.c). */
static int http_close_socket(void *clientp, curl_socket_t fd)
{
	struct http_shared *sh = clientp;

	return conn_close_after_peer(&sh->conns, fd);
}

/* Socket callback: keep the loop's watch of s in step with what curl
 * wants. socketp is non-NULL once s is registered. */
static void http_on_fd(struct loop *l, int fd, uint32_t events, void *userdata);

static int http_socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct http_shared *sh = userp;
	uint32_t ev = 0;
	int rc;

	if (what == CURL_POLL_REMOVE) {
		if (!conn_is_held(&sh->conns, s))	/* else the watch is the held connection's */
			loop_del_fd(sh->loop, s);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev |= EPOLLOUT;
	if (socketp) {
		rc = loop_mod_fd(sh->loop, s, ev);
		if (rc != -ENOENT)
			return rc < 0 ? -1 : 0;
	}
	rc = loop_add_fd(sh->loop, s, ev, http_on_fd, sh);
	if (rc == -EEXIST) {
		/* A stale watch of a number curl closed and reused. */
		loop_del_fd(sh->loop, s);
		rc = loop_add_fd(sh->loop, s, ev, http_on_fd, sh);
	}
	if (rc < 0)
		return -1;
	(void)curl_multi_assign(sh->multi, s, sh);
	return 0;
}

/* Timer callback: curl asks to be called back in timeout_ms (-1: never).
 * curl_multi_socket_action() may not be called from here, so arm the
 * loop timer even for 0. */
static int http_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_shared *sh = userp;

	loop_timer_set(sh->loop, sh->timer, timeout_ms < 0 ? 0 : now_usec() + timeout_ms * USEC_PER_MSEC);
	return 0;
}

static size_t http_write_cb(char *data, size_t size, size_t n, void *userdata)
{
	struct http_state *st = userdata;
	size_t total = size * n;

	if (total > HTTP_BODY_MAX - st->len) {
		st->too_large = true;
		return 0;	/* curl fails the transfer with CURLE_WRITE_ERROR */
	}
	if (!st->keep_body) {	/* counted against the limit, not copied */
		st->len += total;
		return total;
	}
	GROW(st->buf, st->cap, st->len + total + 1);
	memcpy(st->buf + st->len, data, total);
	st->len += total;
	st->buf[st->len] = '\0';
	return total;
}

/* Copy text into buf starting in lower case, unless it starts with an
 * acronym ("TLS", "SSL"). */
static void http_lower_first(char *buf, size_t len, const char *text)
{
	snprintf(buf, len, "%s", text);
	if (isupper((unsigned char)buf[0]) && !isupper((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
}

/* A message for people from a failed transfer. */
static void http_transfer_error(const struct http_state *st, CURLcode res, long oserr, char *msg,
				size_t len)
{
	char e[128];
	const char *detail = st->errbuf[0] ? st->errbuf : curl_easy_strerror(res);

	switch (res) {
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		if (st->too_large || res == CURLE_FILESIZE_EXCEEDED) {
			snprintf(msg, len, "response larger than 1 MiB");
			return;
		}
		break;
	case CURLE_COULDNT_CONNECT:
		if (oserr) {
			snprintf(msg, len, "%s", probe_strerror((int)oserr, e, sizeof(e)));
			return;
		}
		break;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(msg, len, "timed out");
		return;
	case CURLE_GOT_NOTHING:
		snprintf(msg, len, "empty reply from server");
		return;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		if (oserr) {
			snprintf(msg, len, "%s", probe_strerror((int)oserr, e, sizeof(e)));
			return;
		}
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(msg, len, "TLS certificate not accepted: %s", detail);
		return;
	case CURLE_SSL_CONNECT_ERROR:
		snprintf(msg, len, "TLS handshake failed: %s", detail);
		return;
	default:
		break;
	}
	http_lower_first(msg, len, detail);
}

/* How much of s a message quotes: at most 200 bytes, never part of a
 * character. */
static int cut200(const char *s)
{
	return (int)utf8_cut(s, strnlen(s, 200));
}

/* The errno of the transfer's failure, or 0. libcurl sets
 * CURLINFO_OS_ERRNO on a failure from the system and never clears it, so
 * on the probe's one handle a value is the sample's own when it changed
 * during the sample, when the failure is a connect (which always sets
 * it), or when curl's message for this failure quotes it; otherwise it is
 * left from an earlier sample. */
static long http_os_errno(const struct http_state *st, CURL *easy, CURLcode res)
{
	long oserr = 0;
	const char *text;

	(void)curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &oserr);
	if (!oserr || oserr != st->os_errno_before || res == CURLE_COULDNT_CONNECT)
		return oserr;
	text = strerrordesc_np((int)oserr);
	return text && strcasestr(st->errbuf, text) ? oserr : 0;
}

/* Judge a finished transfer: transport, status, body, latency, in that
 * order. Returns true when the sample passes; otherwise msg says why. */
static bool http_judge(const struct http_state *st, CURL *easy, CURLcode res, int64_t latency_us,
		       char *msg, size_t len)
{
	long status = 0, oserr = 0;

	if (res != CURLE_OK) {
		oserr = http_os_errno(st, easy, res);
		http_transfer_error(st, res, oserr, msg, len);
		return false;
	}
	(void)curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	if (!status_set_contains(st->status, st->n_status, (int)status)) {
		snprintf(msg, len, "status %ld (expected %s)", status, st->status_text);
		return false;
	}
	if (st->has_re) {
		regmatch_t m = { .rm_so = 0, .rm_eo = (regoff_t)st->len };

		if (regexec(&st->re, st->buf ? st->buf : "", 1, &m, REG_STARTEND) != 0) {
			snprintf(msg, len, "body does not match %.*s", cut200(st->expect_body), st->expect_body);
			return false;
		}
	} else if (st->substr) {
		if (!memmem(st->buf ? st->buf : "", st->len, st->substr, strlen(st->substr))) {
			snprintf(msg, len, "body does not contain \"%.*s\"", cut200(st->substr), st->substr);
			return false;
		}
	}
	if (st->max_latency_us && latency_us > st->max_latency_us) {
		char a[32], b[32];

		snprintf(msg, len, "took %s, max_latency %s", format_duration(latency_us, a, sizeof(a)),
			 format_duration(st->max_latency_us, b, sizeof(b)));
		return false;
	}
	return true;
}

/* The errno of a transfer that failed for lack of Erebus' own resources
 * (socket() or connect() out of ports, descriptors or memory), or 0. */
static int http_erebus_errno(const struct http_state *st, CURL *easy, CURLcode res)
{
	long oserr;

	if (res != CURLE_COULDNT_CONNECT)
		return 0;
	if (probe_errno_is_erebus(st->sock_err))
		return st->sock_err;
	oserr = http_os_errno(st, easy, res);
	return probe_errno_is_erebus((int)oserr) ? (int)oserr : 0;
}

/* Detach the transfer in flight (the handle is kept for the next sample);
 * a large body's buffer is freed, a small one kept. */
static void http_release(struct http_state *st)
{
	if (st->in_flight) {
		(void)curl_multi_remove_handle(st->sh->multi, st->easy);
		st->in_flight = false;
	}
	if (st->cap > HTTP_BUF_KEEP) {
		free(st->buf);
		st->buf = NULL;
		st->cap = 0;
	}
	st->len = 0;
}

/*
 * A finished transfer's latency, from libcurl's own clock: its total time
 * less the time before the connection attempt started, that is the name
 * lookup (CURLINFO_NAMELOOKUP_TIME_T) and any wait in the multi handle's
 * queue (CURLINFO_QUEUE_TIME_T, curl 8.6 and later; counted within the
 * lookup time there, and unknown to 7.88, where Erebus sets no limit that
 * would queue a transfer). What remains is connect, TLS, request and
 * response: time the service and the network took, plus whatever the loop
 * spent on other work while a reply waited on this socket. -1 (the runner
 * measures) when curl has no total.
 */
#if LIBCURL_VERSION_NUM < 0x080600	/* older headers: the info's number */
#define CURLINFO_QUEUE_TIME_T ((CURLINFO)(CURLINFO_OFF_T + 65))
#endif
static int64_t http_latency(CURL *easy)
{
	curl_off_t total = -1, lookup = 0, queue = 0;

	if (curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total) != CURLE_OK || total <= 0)
		return -1;
	if (curl_easy_getinfo(easy, CURLINFO_NAMELOOKUP_TIME_T, &lookup) != CURLE_OK || lookup < 0)
		lookup = 0;
	if (curl_easy_getinfo(easy, CURLINFO_QUEUE_TIME_T, &queue) != CURLE_OK || queue < 0)
		queue = 0;	/* CURLE_UNKNOWN_OPTION before 8.6 */
	if (queue > lookup)
		lookup = queue;
	return lookup < total ? (int64_t)(total - lookup) : (int64_t)total;
}

/* Report every finished transfer. Each probe_complete() may stop other
 * probes (removing their handles and queued messages), which
 * curl_multi_info_read() tolerates between calls. */
static void http_check_done(struct http_shared *sh)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(sh->multi, &left))) {
		struct http_state *st;
		char *priv = NULL;
		int64_t latency;
		char msg[512];
		bool ok;
		int err;

		if (m->msg != CURLMSG_DONE)
			continue;
		(void)curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		st = (struct http_state *)priv;
		if ((err = http_erebus_errno(st, m->easy_handle, m->data.result))) {
			http_release(st);
			probe_erebus_error(st->ctx, err);
			continue;
		}
		latency = http_latency(m->easy_handle);
		ok = http_judge(st, m->easy_handle, m->data.result, latency, msg, sizeof(msg));
		http_release(st);	/* m is invalid from here on */
		probe_complete(st->ctx, ok, latency, ok ? NULL : msg);
	}
}

static void http_on_fd(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct http_shared *sh = userdata;
	int flags = 0, running;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP))
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & EPOLLERR)
		flags |= CURL_CSELECT_ERR;
	(void)curl_multi_socket_action(sh->multi, fd, flags, &running);
	http_check_done(sh);
}

/* curl's timeout is due. Returns 0: curl re-arms the timer itself from
 * inside curl_multi_socket_action() through http_timer_cb(). */
static int64_t http_on_timer(struct loop *l, int64_t now_us, void *userdata)
{
	struct http_shared *sh = userdata;
	int running;

	(void)curl_multi_socket_action(sh->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_check_done(sh);
	return 0;
}

/* Take a reference on the shared multi handle, creating it first. */
static struct http_shared *http_shared_ref(struct probe_env *env)
{
	struct http_shared *sh = env->http;

	if (sh) {
		sh->refs++;
		return sh;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	sh = xcalloc(1, sizeof(*sh));
	sh->loop = env->loop;
	sh->conns.loop = env->loop;
	sh->multi = curl_multi_init();
	if (!sh->multi) {
		free(sh);
		curl_global_cleanup();
		return NULL;
	}
	sh->timer = loop_timer_add(env->loop, 0, http_on_timer, sh);
	(void)curl_multi_setopt(sh->multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb);
	(void)curl_multi_setopt(sh->multi, CURLMOPT_SOCKETDATA, sh);
	(void)curl_multi_setopt(sh->multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
	(void)curl_multi_setopt(sh->multi, CURLMOPT_TIMERDATA, sh);
	sh->refs = 1;
	env->http = sh;
	return sh;
}

static void http_shared_unref(struct probe_env *env)
{
	struct http_shared *sh = env->http;

	if (!sh || --sh->refs)
		return;
	/* Cleanup may still call both callbacks, so the timer goes last.
	 * Its closes are immediate (see http_close_socket()); a connection
	 * still held at the end of the run (its server has not closed yet)
	 * is reset too: at most one per probe, no TIME_WAIT left behind. */
	sh->conns.closing = true;
	(void)curl_multi_cleanup(sh->multi);
	conn_reset_held(&sh->conns);
	loop_timer_del(sh->loop, sh->timer);
	free(sh);
	env->http = NULL;
	curl_global_cleanup();
}

static void http_state_free(struct http_state *st)
{
	if (!st)
		return;
	http_release(st);
	if (st->easy)
		curl_easy_cleanup(st->easy);
	free(st->buf);
	curl_slist_free_all(st->headers);
	if (st->pool)	/* closes the kept connection (http_close_socket()) */
		(void)curl_share_cleanup(st->pool);
	if (st->has_re)
		regfree(&st->re);
	free(st->substr);
	free(st->method);
	free(st->status_text);
	free(st);
}

/* Does the list of "Name: value" headers hv (may be NULL) set name? */
static bool http_has_header(const struct opt_value *hv, const char *name)
{
	size_t n = strlen(name);

	for (char **h = hv && hv->list ? hv->list : NULL; h && *h; h++)
		if (!strncasecmp(*h, name, n) && (*h)[n] == ':')
			return true;
	return false;
}

static CURLcode http_setup(struct http_state *st, CURL *e);

static int http_init(struct probe_ctx *ctx, char **ret_err)
{
	const struct section *sec = ctx->spec->sec;
	const struct opt_value *hv = section_get(sec, "headers");
	const struct opt_value *sv = section_get(sec, "expect_status");
	const struct opt_value *ml = section_get(sec, "max_latency");
	const char *method = section_str(sec, "method");
	const char *why = NULL;
	struct http_state *st;
	int rc;

	if ((rc = curl_dl_load(&why)) < 0) {
		*ret_err = xstrdup(why);
		return rc;
	}
	st = xcalloc(1, sizeof(*st));
	st->ctx = ctx;
	st->url = section_str(sec, "url");
	if (!st->url || !http_url_scheme_ok(st->url)) {
		*ret_err = xasprintf("url \"%s\" is not an http:// or https:// URL", st->url ? st->url : "");
		rc = -EINVAL;
		goto fail;
	}
	st->method = xstrdup(method ? method : "GET");
	for (char *c = st->method; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	st->body = section_str(sec, "body");
	if (hv && hv->list)
		for (char **h = hv->list; *h; h++)
			if (!(st->headers = curl_slist_append(st->headers, *h)))
				goto oom;
	/* No "Expect: 100-continue" round trip before a body. */
	if (st->body && !(st->headers = curl_slist_append(st->headers, "Expect:")))
		goto oom;
	/* A fresh connection each sample: ask the server to close it first. */
	st->reuse = section_int(sec, "reuse") != 0;
	if (!st->reuse && !http_has_header(hv, "Connection") &&
	    !(st->headers = curl_slist_append(st->headers, "Connection: close")))
		goto oom;

	st->expect_body = section_str(sec, "expect_body");
	if (st->expect_body) {
		_cleanup_free_ char *pattern = http_body_regex(st->expect_body);

		if (pattern) {
			rc = http_compile(pattern, &st->re, ret_err);
			if (rc < 0)
				goto fail;
			st->has_re = true;
		} else {
			st->substr = xstrdup(st->expect_body);
		}
	}
	if (sv && sv->present) {
		st->status = sv->status.v;
		st->n_status = sv->status.n;
	}
	st->status_text = http_status_text(st->status, st->n_status);
	st->max_latency_us = ml && ml->present ? ml->usec : 0;
	st->tls_verify = section_int(sec, "tls_verify") != 0;

	if (st->reuse) {
		st->pool = curl_share_init();
		if (!st->pool || curl_share_setopt(st->pool, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK)
			goto oom;
	}
	st->sh = http_shared_ref(ctx->env);
	if (!st->sh)
		goto oom;
	/* Pools hold only reuse = yes connections (reuse = no transfers never
	 * return theirs), one each, but curl sizes them from the multi handle:
	 * its default, 4 per transfer in flight, would close idle ones
	 * whenever few transfers run. */
	if (st->reuse)
		(void)curl_multi_setopt(st->sh->multi, CURLMOPT_MAXCONNECTS, (long)++st->sh->n_reuse);
	ctx->state = st;
	st->keep_body = st->has_re || st->substr;
	st->easy = curl_easy_init();
	if (!st->easy || (rc = (int)http_setup(st, st->easy)) != CURLE_OK) {
		ctx->state = NULL;
		*ret_err = rc == CURLE_OUT_OF_MEMORY || !st->easy ?
			xstrdup("cannot set up libcurl: out of memory") :
			xasprintf("cannot set up libcurl: %s", curl_easy_strerror((CURLcode)rc));
		http_state_free(st);
		http_shared_unref(ctx->env);
		return rc == CURLE_OK || rc == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EOPNOTSUPP;
	}
	return 0;
oom:
	*ret_err = xstrdup("cannot set up libcurl: out of memory");
	rc = -ENOMEM;
fail:
	http_state_free(st);
	return rc;
}

/* curl opens a socket: in the probe's namespace if it has one, and its
 * errno kept (curl does not report it for a socket() that failed). */
static curl_socket_t http_open_socket(void *userdata, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_state *st = userdata;
	int fd = netns_socket(st->ctx->netns_fd, a->family, a->socktype, a->protocol);

	(void)purpose;
	if (fd < 0) {
		st->sock_err = -fd;
		return CURL_SOCKET_BAD;
	}
	/* A connection curl drops without its close callback is reset. */
	conn_arm_reset(fd);
	return fd;
}

/* Set every option of one sample's easy handle. */
static CURLcode http_setup(struct http_state *st, CURL *e)
{
	const struct probe_spec *spec = st->ctx->spec;
	CURLcode c = CURLE_OK;

#define SET(opt, val) do { if (c == CURLE_OK) c = curl_easy_setopt(e, opt, val); } while (0)
	SET(CURLOPT_URL, st->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_PROXY, "");	/* ignore http_proxy & co: measure the service itself */
	SET(CURLOPT_NOSIGNAL, 1L);
	/* Removing a handle whose name is still being resolved detaches curl's
	 * resolver thread instead of joining it (which would block the loop
	 * for the rest of the lookup). Unknown before 7.87: not an error. */
	(void)curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
	SET(CURLOPT_OPENSOCKETFUNCTION, http_open_socket);
	SET(CURLOPT_OPENSOCKETDATA, st);
	SET(CURLOPT_CLOSESOCKETFUNCTION, http_close_socket);
	SET(CURLOPT_CLOSESOCKETDATA, st->sh);
	if (st->reuse) {
		SET(CURLOPT_SHARE, st->pool);
	} else {
		SET(CURLOPT_FRESH_CONNECT, 1L);
		SET(CURLOPT_FORBID_REUSE, 1L);
	}
	SET(CURLOPT_USERAGENT, "erebus-probe/1");
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HTTP_BODY_MAX);
	SET(CURLOPT_WRITEFUNCTION, http_write_cb);
	SET(CURLOPT_WRITEDATA, st);
	SET(CURLOPT_PRIVATE, st);
	SET(CURLOPT_ERRORBUFFER, st->errbuf);
	SET(CURLOPT_SSL_VERIFYPEER, st->tls_verify ? 1L : 0L);
	SET(CURLOPT_SSL_VERIFYHOST, st->tls_verify ? 2L : 0L);
	if (spec->timeout_us > 0)
		SET(CURLOPT_TIMEOUT_MS, (long)(spec->timeout_us / USEC_PER_MSEC + HTTP_BACKSTOP_MS));
	if (st->headers)
		SET(CURLOPT_HTTPHEADER, st->headers);
	if (strcmp(st->method, "HEAD") == 0) {
		SET(CURLOPT_NOBODY, 1L);
	} else if (st->body) {
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(st->body));
		SET(CURLOPT_COPYPOSTFIELDS, st->body);
		if (strcmp(st->method, "POST") != 0)
			SET(CURLOPT_CUSTOMREQUEST, st->method);
	} else if (strcmp(st->method, "GET") != 0) {
		SET(CURLOPT_CUSTOMREQUEST, st->method);
	}
#undef SET
	return c;
}

static int http_start(struct probe_ctx *ctx)
{
	struct http_state *st = ctx->state;

	st->errbuf[0] = '\0';
	st->sock_err = 0;
	st->too_large = false;
	st->len = 0;
	(void)curl_easy_getinfo(st->easy, CURLINFO_OS_ERRNO, &st->os_errno_before);
	if (curl_multi_add_handle(st->sh->multi, st->easy) != CURLM_OK)
		return -ENOMEM;
	st->in_flight = true;
	return 0;
}

static void http_cancel(struct probe_ctx *ctx)
{
	http_release(ctx->state);
}

static void http_destroy(struct probe_ctx *ctx)
{
	struct http_state *st = ctx->state;

	if (!st)
		return;
	/* The end of the run: the loop no longer turns, so connections closed
	 * from here on (a kept one, in http_state_free()) are reset. */
	st->sh->conns.closing = true;
	http_state_free(st);
	ctx->state = NULL;
	http_shared_unref(ctx->env);
}

static void http_describe(const struct probe_spec *p, struct sbuf *out)
{
	const struct section *sec = p->sec;
	const char *method = section_str(sec, "method");
	const char *expect = section_str(sec, "expect_body");
	const struct opt_value *sv = section_get(sec, "expect_status");
	const struct opt_value *ml = section_get(sec, "max_latency");
	const struct opt_value *hv = section_get(sec, "headers");
	const char *url = section_str(sec, "url"), *body = section_str(sec, "body");
	_cleanup_free_ char *m = xstrdup(method ? method : "GET");
	_cleanup_free_ char *status = NULL;
	_cleanup_free_ char *pattern = NULL;
	size_t n_headers = hv ? strv_len(hv->list) : 0;

	for (char *c = m; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	sbuf_addf(out, "%s %s", m, url ? url : "?");
	if (n_headers)
		sbuf_addf(out, " with %zu header%s", n_headers, n_headers == 1 ? "" : "s");
	if (body)
		sbuf_addf(out, "%s a %zu-byte body", n_headers ? " and" : " with", strlen(body));
	if (sv && sv->present) {
		status = http_status_text(sv->status.v, sv->status.n);
		sbuf_addf(out, ", expect %s", status);
	}
	if (expect) {
		pattern = http_body_regex(expect);
		if (pattern)
			sbuf_addf(out, ", body matches %s", expect);
		else
			sbuf_addf(out, ", body contains \"%s\"", expect);
	}
	if (ml && ml->present) {
		char a[32];

		sbuf_addf(out, ", within %s", format_duration(ml->usec, a, sizeof(a)));
	}
	if (!section_int(sec, "tls_verify"))
		sbuf_add(out, ", TLS certificate not verified");
	if (section_int(sec, "reuse"))
		sbuf_add(out, ", connection kept between samples");
	probe_describe_timing(p, out);
}

static const struct opt_def http_options[] = {
	{ "url", OPT_STRING, OPT_REQUIRED, NULL, 0, 0, NULL,
	  "http:// or https:// URL to request" },
	{ "method", OPT_STRING, 0, "GET", 0, 0, NULL, "HTTP method" },
	{ "headers", OPT_STRING, OPT_MULTI, NULL, 0, 0, NULL,
	  "request header \"Name: value\"; repeat the key for more" },
	{ "body", OPT_STRING, 0, NULL, 0, 0, NULL, "request body" },
	{ "expect_status", OPT_STATUS_SET, 0, "200-399", 0, 0, NULL,
	  "accepted status codes, e.g. 200-299,304" },
	{ "expect_body", OPT_STRING, 0, NULL, 0, 0, NULL,
	  "text the body must contain, or /regex/ (POSIX extended) it must match" },
	{ "max_latency", OPT_DURATION, 0, NULL, 0, 0, NULL,
	  "a slower response fails the sample" },
	{ "tls_verify", OPT_BOOL, 0, "yes", 0, 0, NULL,
	  "verify the server's TLS certificate and name" },
	{ "reuse", OPT_BOOL, 0, "no", 0, 0, NULL,
	  "keep the connection between samples (a warm client); no: a new one each sample" },
	OPT_END,
};

const struct probe_type probe_http = {
	.name = "http",
	.summary = "HTTP(S) request: expected status, body and latency",
	.options = http_options,
	.check = http_check,
	.init = http_init,
	.start = http_start,
	.cancel = http_cancel,
	.destroy = http_destroy,
	.describe = http_describe,
};
