/* SPDX-License-Identifier: MIT */
/*
 * One HTTP(S) transfer per sample on libcurl's multi-socket API, driven by
 * the engine's loop (src/probes/fetch.c): the part every probe type that
 * speaks HTTP shares (http, prometheus, alertmanager). All of a run's
 * transfers share one CURLM (probe_env.http) whose sockets and timer are
 * the loop's; each probe keeps one easy handle, its options set once in
 * init(), added to the multi handle for a sample and removed after it.
 * Only http and https, no redirects followed, no proxy from the
 * environment, at most FETCH_BODY_MAX bytes of body, curl's own timeout a
 * backstop behind the runner's. A sample that could not connect for lack
 * of Erebus' own resources is probe_erebus_error(); a transfer that failed
 * is a failed sample with a message for people ("connection refused");
 * one that completed is handed to the type's judge().
 *
 * Private to src/probes; includes libcurl's header through curl_dl.h.
 */
#ifndef EREBUS_PROBE_FETCH_H
#define EREBUS_PROBE_FETCH_H

#include "curl_dl.h"
#include "erebus/probe.h"
#include "internal.h"

#define FETCH_BODY_MAX (1024 * 1024)

struct fetch;
struct fetch_shared;

/* Judge a transfer that completed (any HTTP status): the body is
 * f->buf[0..f->len) (NUL-terminated; kept only with keep_body), the
 * status fetch_status(f), latency_us curl's measure (-1: unknown).
 * Returns true when the sample passes; otherwise writes why into msg
 * (len bytes). */
typedef bool (*fetch_judge_fn)(struct fetch *f, int64_t latency_us, char *msg, size_t len);

struct fetch_opts {
	const char *url;		/* http:// or https:// (curl copies it) */
	char *const *headers;		/* "Name: value", NULL-terminated, or NULL; copied.
					 * Without reuse, "Connection: close" is added unless
					 * a Connection header is given */
	bool reuse;			/* keep the connection between samples (a pool of its own) */
	bool keep_body;			/* keep the body for judge() (else only counted) */
	bool tls_verify;
	const char *peer;		/* "Prometheus": transfer errors read "cannot reach
					 * Prometheus: connection refused"; NULL: bare */
	fetch_judge_fn judge;
};

struct fetch {
	struct probe_ctx *ctx;
	struct fetch_shared *sh;
	CURL *easy;			/* the probe's handle; the type may set more options */
	struct curl_slist *headers;
	CURLSH *pool;			/* reuse: the probe's own connection cache */
	fetch_judge_fn judge;
	const char *peer;
	bool keep_body;
	bool in_flight;			/* easy is in the multi handle */
	int sock_err;			/* the sample's socket() errno, 0 if none */
	long os_errno_before;		/* CURLINFO_OS_ERRNO when the sample started */
	/* The sample in flight. */
	char *buf;			/* kept between samples up to 64 KiB */
	size_t len, cap;
	bool too_large;
	char errbuf[CURL_ERROR_SIZE];
};

/* Set f (zeroed by the caller) up for ctx with o. Returns 0, or -errno
 * with *ret_err: -ENOENT when libcurl cannot be loaded (what to install),
 * -ENOMEM, -EOPNOTSUPP when this libcurl refuses an option. On failure f
 * holds nothing (fetch_free() is still safe). */
int fetch_init(struct fetch *f, struct probe_ctx *ctx, const struct fetch_opts *o, char **ret_err);
/* Free what f holds; end_of_run: the loop no longer turns, so a kept
 * connection is reset rather than waited on. f may be unset (zeroed). */
void fetch_free(struct fetch *f, bool end_of_run);
/* fetch_init() for a GET of url (taken over: freed here) whose JSON
 * reply judge() reads: the body kept, "Accept: application/json", a fresh
 * connection each sample, TLS verified, transfer errors naming peer. */
int fetch_init_json(struct fetch *f, struct probe_ctx *ctx, char *url, const char *peer,
		    fetch_judge_fn judge, char **ret_err);
/* Start one transfer. Returns 0 or -ENOMEM. */
int fetch_start(struct fetch *f);
/* Abandon the transfer in flight, if any (the handle is kept). */
void fetch_cancel(struct fetch *f);
/* A probe type's start() and cancel() when its ctx->state begins with
 * its struct fetch. */
int fetch_probe_start(struct probe_ctx *ctx);
void fetch_probe_cancel(struct probe_ctx *ctx);
/* The HTTP status of the transfer that completed (0: none). */
long fetch_status(const struct fetch *f);

/* "cannot set up libcurl: ..." for a CURLcode of curl_easy_setopt()
 * (malloc'd), and the -errno it maps to in *ret_rc. */
char *fetch_setopt_error(CURLcode c, int *ret_rc);

/* The line of p's key in its file (the section's line for a default or
 * an absent key), for check() messages. */
unsigned probe_key_line(const struct probe_spec *p, const char *key);
/* Is url http:// or https:// (any case)? */
bool fetch_url_scheme_ok(const char *url);
/* Check p's key (a URL, may be absent) as fetch_init() will take it:
 * http or https, and a URL libcurl can parse; errors go to d with
 * file:line:key. */
void fetch_check_url(const struct probe_spec *p, struct diag *d, const char *key);
/* base (a server's URL, any trailing '/' dropped) followed by path
 * ("/api/v1/query"); malloc'd. */
char *fetch_url_join(const char *base, const char *path);
/* Append s to b percent-encoded as a URL query value (RFC 3986: all but
 * unreserved characters encoded). */
void fetch_add_query_value(struct sbuf *b, const char *s);

#endif
