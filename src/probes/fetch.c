/* SPDX-License-Identifier: MIT */
/*
 * HTTP transfers for probes on the loop (fetch.h). Every transfer of a run
 * shares one CURLM (env->http), whose sockets are registered with the loop
 * by CURLMOPT_SOCKETFUNCTION and whose timeout is one loop timer set by
 * CURLMOPT_TIMERFUNCTION. Nothing here blocks: a transfer advances when
 * its sockets are ready or curl's timer fires, and completions are read
 * with curl_multi_info_read() after each curl_multi_socket_action(). Names
 * are resolved in curl's resolver thread; cancelling a sample while its
 * name is being looked up does not wait for that thread (CURLOPT_QUICK_EXIT,
 * curl 7.87 and later: older ones join it, for as long as the lookup takes).
 *
 * Each probe keeps one easy handle, its options set once in fetch_init(),
 * and each sample adds it to the multi handle and removes it again (making
 * and setting up a handle per sample was a sixth of the client's CPU per
 * sample: docs/performance.md, section 4). Without reuse each sample is a
 * fresh connection, and when curl is done with it, it is kept open until
 * the server's FIN has arrived (conn_close_after_peer()), then closed: the
 * server closes first, so TIME_WAIT stays on its side. With reuse, each
 * probe has a connection pool of its own (a CURLSH sharing the connection
 * cache, so probes never take each other's connections, made in another
 * namespace perhaps).
 */
#include <ctype.h>
#include <strings.h>

#include "erebus/netns.h"
#include "curl_loop.h"
#include "fetch.h"

/* A body buffer up to this size is kept for the next sample. */
#define FETCH_BUF_KEEP (64 * 1024)
#if LIBCURL_VERSION_NUM < 0x075700	/* 7.87.0; older headers: the option's number */
#define CURLOPT_QUICK_EXIT ((CURLoption)(CURLOPTTYPE_LONG + 322))
#endif
/* curl's own timeout, a backstop behind the runner's. */
#define FETCH_BACKSTOP_MS 250

struct fetch_shared {
	struct curl_loop cl;
	unsigned refs;
	unsigned n_reuse;		/* probes with reuse: the pools' size */
	struct conn_held conns;		/* connections waiting for the server's FIN */
};

unsigned probe_key_line(const struct probe_spec *p, const char *key)
{
	const struct opt_value *v = section_get(p->sec, key);

	return v && v->line ? v->line : p->line;
}

bool fetch_url_scheme_ok(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

void fetch_check_url(const struct probe_spec *p, struct diag *d, const char *key)
{
	const struct section *sec = p->sec;
	const char *url = section_str(sec, key);

	if (!url)
		return;
	if (!fetch_url_scheme_ok(url)) {
		diag_error(d, probe_key_line(p, key), sec->label, key,
			   "\"%s\" is not an http:// or https:// URL; the %s probe speaks only those two", url,
			   p->type->name);
	} else if (curl_dl_load(NULL) == 0) {	/* (init() reports a missing libcurl) */
		CURLU *u = curl_url();
		CURLUcode uc = u ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;

		if (uc)
			diag_error(d, probe_key_line(p, key), sec->label, key, "\"%s\" is not a valid URL: %s",
				   url, curl_url_strerror(uc));
		curl_url_cleanup(u);
	}
}

char *fetch_url_join(const char *base, const char *path)
{
	size_t n = strlen(base);

	while (n && base[n - 1] == '/')
		n--;
	return xasprintf("%.*s%s", (int)n, base, path);
}

void fetch_add_query_value(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || strchr("-._~", c))
			sbuf_addn(b, (const char *)&c, 1);
		else
			sbuf_addf(b, "%%%02X", c);
	}
}

/* curl closes a socket: held until the server's FIN (src/probes/conn.c). */
static int fetch_close_socket(void *clientp, curl_socket_t fd)
{
	struct fetch_shared *sh = clientp;

	return conn_close_after_peer(&sh->conns, fd);
}

/* On CURL_POLL_REMOVE: a socket held until the server's FIN keeps its
 * watch (it is the held connection's now). */
static bool fetch_keep_watch(void *owner, curl_socket_t s)
{
	struct fetch_shared *sh = owner;

	return conn_is_held(&sh->conns, s);
}

static size_t fetch_write_cb(char *data, size_t size, size_t n, void *userdata)
{
	struct fetch *f = userdata;
	size_t total = size * n;

	if (total > FETCH_BODY_MAX - f->len) {
		f->too_large = true;
		return 0;	/* curl fails the transfer with CURLE_WRITE_ERROR */
	}
	if (!f->keep_body) {	/* counted against the limit, not copied */
		f->len += total;
		return total;
	}
	GROW(f->buf, f->cap, f->len + total + 1);
	memcpy(f->buf + f->len, data, total);
	f->len += total;
	f->buf[f->len] = '\0';
	return total;
}

/* Copy text into buf starting in lower case, unless it starts with an
 * acronym ("TLS", "SSL"). */
static void fetch_lower_first(char *buf, size_t len, const char *text)
{
	snprintf(buf, len, "%s", text);
	if (isupper((unsigned char)buf[0]) && !isupper((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
}

/* A message for people from a failed transfer. */
static void fetch_transfer_error(const struct fetch *f, CURLcode res, long oserr, char *msg, size_t len)
{
	char e[128];
	const char *detail = f->errbuf[0] ? f->errbuf : curl_easy_strerror(res);

	switch (res) {
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		if (f->too_large || res == CURLE_FILESIZE_EXCEEDED) {
			snprintf(msg, len, "response larger than 1 MiB");
			return;
		}
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
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
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(msg, len, "TLS certificate not accepted: %s", detail);
		return;
	case CURLE_SSL_CONNECT_ERROR:
		snprintf(msg, len, "TLS handshake failed: %s", detail);
		return;
	default:
		break;
	}
	fetch_lower_first(msg, len, detail);
}

/* The errno of the transfer's failure, or 0. libcurl sets
 * CURLINFO_OS_ERRNO on a failure from the system and never clears it, so
 * on the probe's one handle a value is the sample's own when it changed
 * during the sample, when the failure is a connect (which always sets
 * it), or when curl's message for this failure quotes it; otherwise it is
 * left from an earlier sample. */
static long fetch_os_errno(const struct fetch *f, CURLcode res)
{
	long oserr = 0;
	const char *text;

	(void)curl_easy_getinfo(f->easy, CURLINFO_OS_ERRNO, &oserr);
	if (!oserr || oserr != f->os_errno_before || res == CURLE_COULDNT_CONNECT)
		return oserr;
	text = strerrordesc_np((int)oserr);
	return text && strcasestr(f->errbuf, text) ? oserr : 0;
}

/* The errno of a transfer that failed for lack of Erebus' own resources
 * (socket() or connect() out of ports, descriptors or memory), or 0. */
static int fetch_erebus_errno(const struct fetch *f, CURLcode res)
{
	long oserr;

	if (res != CURLE_COULDNT_CONNECT)
		return 0;
	if (probe_errno_is_erebus(f->sock_err))
		return f->sock_err;
	oserr = fetch_os_errno(f, res);
	return probe_errno_is_erebus((int)oserr) ? (int)oserr : 0;
}

/* Detach the transfer in flight (the handle is kept for the next sample);
 * a large body's buffer is freed, a small one kept. */
static void fetch_release(struct fetch *f)
{
	if (f->in_flight) {
		(void)curl_multi_remove_handle(f->sh->cl.multi, f->easy);
		f->in_flight = false;
	}
	if (f->cap > FETCH_BUF_KEEP) {
		free(f->buf);
		f->buf = NULL;
		f->cap = 0;
	}
	f->len = 0;
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
static int64_t fetch_latency(CURL *easy)
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

long fetch_status(const struct fetch *f)
{
	long status = 0;

	(void)curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

/* Judge one finished transfer: transport first, then the type's judge().
 * Returns true when the sample passes; otherwise msg says why. */
static bool fetch_judge(struct fetch *f, CURLcode res, int64_t latency, char *msg, size_t len)
{
	char e[384];

	if (res == CURLE_OK)
		return f->judge(f, latency, msg, len);
	fetch_transfer_error(f, res, fetch_os_errno(f, res), e, sizeof(e));
	if (f->peer && !f->too_large && res != CURLE_FILESIZE_EXCEEDED)	/* it answered */
		snprintf(msg, len, "cannot reach %s: %s", f->peer, e);
	else
		snprintf(msg, len, "%s", e);
	return false;
}

/* Report every finished transfer. Each probe_complete() may stop other
 * probes (removing their handles and queued messages), which
 * curl_multi_info_read() tolerates between calls. */
static void fetch_check_done(void *owner)
{
	struct fetch_shared *sh = owner;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(sh->cl.multi, &left))) {
		struct fetch *f;
		char *priv = NULL;
		CURLcode res;
		int64_t latency;
		char msg[512];
		bool ok;
		int err;

		if (m->msg != CURLMSG_DONE)
			continue;
		(void)curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		f = (struct fetch *)priv;
		res = m->data.result;
		if ((err = fetch_erebus_errno(f, res))) {
			fetch_release(f);
			probe_erebus_error(f->ctx, err);
			continue;
		}
		latency = fetch_latency(f->easy);
		ok = fetch_judge(f, res, latency, msg, sizeof(msg));
		fetch_release(f);	/* m is invalid from here on */
		probe_complete(f->ctx, ok, latency, ok ? NULL : msg);
	}
}

/* Take a reference on the shared multi handle, creating it first. */
static struct fetch_shared *fetch_shared_ref(struct probe_env *env)
{
	struct fetch_shared *sh = env->http;

	if (sh) {
		sh->refs++;
		return sh;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	sh = xcalloc(1, sizeof(*sh));
	sh->conns.loop = env->loop;
	if (curl_loop_init(&sh->cl, env->loop, fetch_check_done, fetch_keep_watch, sh) < 0) {
		free(sh);
		curl_global_cleanup();
		return NULL;
	}
	sh->refs = 1;
	env->http = sh;
	return sh;
}

static void fetch_shared_unref(struct probe_env *env)
{
	struct fetch_shared *sh = env->http;

	if (!sh || --sh->refs)
		return;
	/* Cleanup may still call both callbacks, so the timer goes last.
	 * Its closes are immediate (see fetch_close_socket()); a connection
	 * still held at the end of the run (its server has not closed yet)
	 * is reset too: at most one per probe, no TIME_WAIT left behind. */
	sh->conns.closing = true;
	curl_loop_free(&sh->cl);
	conn_reset_held(&sh->conns);
	free(sh);
	env->http = NULL;
	curl_global_cleanup();
}

/* curl opens a socket: in the probe's namespace if it has one, and its
 * errno kept (curl does not report it for a socket() that failed). */
static curl_socket_t fetch_open_socket(void *userdata, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct fetch *f = userdata;
	int fd = netns_socket(f->ctx->netns_fd, a->family, a->socktype, a->protocol);

	(void)purpose;
	if (fd < 0) {
		f->sock_err = -fd;
		return CURL_SOCKET_BAD;
	}
	/* A connection curl drops without its close callback is reset. */
	conn_arm_reset(fd);
	return fd;
}

/* Set the options every transfer shares. */
static CURLcode fetch_setup(struct fetch *f, const struct fetch_opts *o)
{
	const struct probe_spec *spec = f->ctx->spec;
	CURL *e = f->easy;
	CURLcode c = CURLE_OK;

#define SET(opt, val) do { if (c == CURLE_OK) c = curl_easy_setopt(e, opt, val); } while (0)
	SET(CURLOPT_URL, o->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_PROXY, "");	/* ignore http_proxy & co: measure the service itself */
	SET(CURLOPT_NOSIGNAL, 1L);
	/* Removing a handle whose name is still being resolved detaches curl's
	 * resolver thread instead of joining it (which would block the loop
	 * for the rest of the lookup). Unknown before 7.87: not an error. */
	(void)curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
	SET(CURLOPT_OPENSOCKETFUNCTION, fetch_open_socket);
	SET(CURLOPT_OPENSOCKETDATA, f);
	SET(CURLOPT_CLOSESOCKETFUNCTION, fetch_close_socket);
	SET(CURLOPT_CLOSESOCKETDATA, f->sh);
	if (f->pool) {
		SET(CURLOPT_SHARE, f->pool);
	} else {
		SET(CURLOPT_FRESH_CONNECT, 1L);
		SET(CURLOPT_FORBID_REUSE, 1L);
	}
	SET(CURLOPT_USERAGENT, "erebus-probe/1");
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)FETCH_BODY_MAX);
	SET(CURLOPT_WRITEFUNCTION, fetch_write_cb);
	SET(CURLOPT_WRITEDATA, f);
	SET(CURLOPT_PRIVATE, f);
	SET(CURLOPT_ERRORBUFFER, f->errbuf);
	SET(CURLOPT_SSL_VERIFYPEER, o->tls_verify ? 1L : 0L);
	SET(CURLOPT_SSL_VERIFYHOST, o->tls_verify ? 2L : 0L);
	if (spec->timeout_us > 0)
		SET(CURLOPT_TIMEOUT_MS, (long)(spec->timeout_us / USEC_PER_MSEC + FETCH_BACKSTOP_MS));
	if (f->headers)
		SET(CURLOPT_HTTPHEADER, f->headers);
#undef SET
	return c;
}

/* Does the list of "Name: value" headers (may be NULL) set name? */
static bool fetch_has_header(char *const *headers, const char *name)
{
	size_t n = strlen(name);

	for (char *const *h = headers; h && *h; h++)
		if (!strncasecmp(*h, name, n) && (*h)[n] == ':')
			return true;
	return false;
}

/* f->headers from o: the caller's, no "Expect: 100-continue" round trip
 * before a body, and for a fresh connection each sample "Connection:
 * close", so the server closes it first. Returns 0 or -ENOMEM. */
static int fetch_headers(struct fetch *f, const struct fetch_opts *o)
{
	struct curl_slist *l;

	for (char *const *h = o->headers; h && *h; h++) {
		if (!(l = curl_slist_append(f->headers, *h)))
			return -ENOMEM;
		f->headers = l;
	}
	if (!(l = curl_slist_append(f->headers, "Expect:")))
		return -ENOMEM;
	f->headers = l;
	if (!o->reuse && !fetch_has_header(o->headers, "Connection")) {
		if (!(l = curl_slist_append(f->headers, "Connection: close")))
			return -ENOMEM;
		f->headers = l;
	}
	return 0;
}

char *fetch_setopt_error(CURLcode c, int *ret_rc)
{
	*ret_rc = c == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EOPNOTSUPP;
	return c == CURLE_OUT_OF_MEMORY ? xstrdup("cannot set up libcurl: out of memory") :
					  xasprintf("cannot set up libcurl: %s", curl_easy_strerror(c));
}

int fetch_init(struct fetch *f, struct probe_ctx *ctx, const struct fetch_opts *o, char **ret_err)
{
	const char *why = NULL;
	CURLcode c;
	int rc;

	if ((rc = curl_dl_load(&why)) < 0) {
		*ret_err = xstrdup(why);
		return rc;
	}
	f->ctx = ctx;
	f->judge = o->judge;
	f->peer = o->peer;
	f->keep_body = o->keep_body;
	if (fetch_headers(f, o) < 0)
		goto oom;
	if (o->reuse) {
		f->pool = curl_share_init();
		if (!f->pool || curl_share_setopt(f->pool, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK)
			goto oom;
	}
	f->sh = fetch_shared_ref(ctx->env);
	if (!f->sh)
		goto oom;
	/* Pools hold only reuse connections (other transfers never return
	 * theirs), one each, but curl sizes them from the multi handle: its
	 * default, 4 per transfer in flight, would close idle ones whenever
	 * few transfers run. */
	if (o->reuse)
		(void)curl_multi_setopt(f->sh->cl.multi, CURLMOPT_MAXCONNECTS, (long)++f->sh->n_reuse);
	f->easy = curl_easy_init();
	if (!f->easy)
		goto oom;
	if ((c = fetch_setup(f, o)) != CURLE_OK) {
		*ret_err = fetch_setopt_error(c, &rc);
		goto fail;
	}
	return 0;
oom:
	*ret_err = xstrdup("cannot set up libcurl: out of memory");
	rc = -ENOMEM;
fail:
	fetch_free(f, false);
	return rc;
}

int fetch_init_json(struct fetch *f, struct probe_ctx *ctx, char *url, const char *peer,
		    fetch_judge_fn judge, char **ret_err)
{
	static char *const accept[] = { "Accept: application/json", NULL };
	_cleanup_free_ char *u = url;

	return fetch_init(f, ctx,
			  &(struct fetch_opts){ .url = u, .headers = accept, .keep_body = true,
						.tls_verify = true, .peer = peer, .judge = judge },
			  ret_err);
}

void fetch_free(struct fetch *f, bool end_of_run)
{
	struct probe_env *env = f->ctx ? f->ctx->env : NULL;

	if (f->sh && end_of_run)
		f->sh->conns.closing = true;
	if (f->sh)
		fetch_release(f);
	if (f->easy)
		curl_easy_cleanup(f->easy);
	free(f->buf);
	if (f->headers)
		curl_slist_free_all(f->headers);
	if (f->pool)	/* closes the kept connection (fetch_close_socket()) */
		(void)curl_share_cleanup(f->pool);
	if (f->sh)
		fetch_shared_unref(env);
	memset(f, 0, sizeof(*f));
}

int fetch_start(struct fetch *f)
{
	f->errbuf[0] = '\0';
	f->sock_err = 0;
	f->too_large = false;
	f->len = 0;
	(void)curl_easy_getinfo(f->easy, CURLINFO_OS_ERRNO, &f->os_errno_before);
	if (curl_multi_add_handle(f->sh->cl.multi, f->easy) != CURLM_OK)
		return -ENOMEM;
	f->in_flight = true;
	return 0;
}

void fetch_cancel(struct fetch *f)
{
	fetch_release(f);
}

int fetch_probe_start(struct probe_ctx *ctx)
{
	return fetch_start(ctx->state);
}

void fetch_probe_cancel(struct probe_ctx *ctx)
{
	fetch_cancel(ctx->state);
}
