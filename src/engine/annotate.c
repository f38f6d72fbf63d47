/* SPDX-License-Identifier: MIT */
/*
 * [experiment] annotate: POST a small JSON document to a webhook, on the
 * run's loop, through a libcurl multi handle of its own on the loop as the
 * probes drive theirs (src/probes/curl_loop.h): completions are read after
 * each socket action. Nothing here waits, except annotate_drain() after
 * the loop has ended.
 *
 * Bounded: each post gives up after ANNOTATE_TIMEOUT_MS; beyond
 * ANNOTATE_MAX_IN_FLIGHT posts in flight a new one is dropped and
 * counted. A webhook that fails is said once (an annotate.failed event
 * with the reason); it never changes the run's verdict.
 */
#include <strings.h>

#include "../probes/curl_dl.h"
#include "../probes/curl_loop.h"
#include "internal.h"

#if LIBCURL_VERSION_NUM < 0x075700	/* 7.87.0; older headers: the option's number */
#define CURLOPT_QUICK_EXIT ((CURLoption)(CURLOPTTYPE_LONG + 322))
#endif

struct annotate_post {
	struct annotate_post *next;
	CURL *easy;
	char err[CURL_ERROR_SIZE];
};

struct annotate {
	struct engine *e;
	struct loop *loop;
	struct curl_loop cl;
	struct loop_timer *deadline;	/* annotate_drain()'s */
	struct curl_slist *headers;
	char *url;
	char *shown;			/* url without its password, for events */
	struct annotate_post *posts;	/* in flight */
	unsigned in_flight, failed, dropped;
	bool draining;
};

char *annotate_url_shown(const char *url)
{
	const char *auth = strstr(url, "://"), *end, *at, *colon;

	if (!auth)
		return xstrdup(url);
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	at = memrchr(auth, '@', (size_t)(end - auth));
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (!colon)
		return xstrdup(url);
	return xasprintf("%.*s***%s", (int)(colon + 1 - url), url, at);
}

/* Say the first failure as an event; count every one. */
static void annotate_failed(struct annotate *a, const char *why)
{
	if (!a->failed++)
		engine_event(a->e, "annotate.failed", NULL,
			     "POST %s: %s; the run goes on (later failures are counted, not logged)", a->shown, why);
}

static void annotate_post_free(struct annotate *a, struct annotate_post *p)
{
	for (struct annotate_post **pp = &a->posts; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	(void)curl_multi_remove_handle(a->cl.multi, p->easy);
	curl_easy_cleanup(p->easy);
	free(p);
	a->in_flight--;
}

/* Judge every finished post: a 2xx answer is success. */
static void annotate_check_done(void *owner)
{
	struct annotate *a = owner;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(a->cl.multi, &left))) {
		struct annotate_post *p;
		char *priv = NULL;
		long status = 0;
		CURLcode res;

		if (m->msg != CURLMSG_DONE)
			continue;
		(void)curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		p = (struct annotate_post *)priv;
		res = m->data.result;
		if (res != CURLE_OK) {
			annotate_failed(a, p->err[0] ? p->err : curl_easy_strerror(res));
		} else {
			(void)curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &status);
			if (status < 200 || status > 299) {
				char why[64];

				snprintf(why, sizeof(why), "the server answered HTTP status %ld", status);
				annotate_failed(a, why);
			}
		}
		annotate_post_free(a, p);	/* m is invalid from here on */
	}
	if (a->draining && !a->in_flight)
		loop_quit(a->loop, 0);
}

struct annotate *annotate_new(struct engine *e, const char *url)
{
	struct annotate *a;
	const char *why = NULL;

	if (curl_dl_load(&why) < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		_cleanup_free_ char *shown = annotate_url_shown(url);

		a = &(struct annotate){ .e = e, .shown = shown };
		annotate_failed(a, why ? why : "libcurl cannot be initialised");
		return NULL;
	}
	a = xcalloc(1, sizeof(*a));
	a->e = e;
	a->loop = e->loop;
	a->url = xstrdup(url);
	a->shown = annotate_url_shown(url);
	a->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (curl_loop_init(&a->cl, a->loop, annotate_check_done, NULL, a) < 0 || !a->headers) {
		annotate_failed(a, "out of memory");
		annotate_free(a);
		return NULL;
	}
	return a;
}

/* A handle for one POST of body. CURLE_OK, or the first option refused. */
static CURLcode annotate_setup(struct annotate *a, struct annotate_post *p, const char *body)
{
	CURL *e = p->easy;
	CURLcode c = CURLE_OK;

#define SET(opt, val) do { if (c == CURLE_OK) c = curl_easy_setopt(e, opt, val); } while (0)
	SET(CURLOPT_URL, a->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_PROXY, "");	/* no proxy from the environment, as the probes */
	SET(CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);	/* never join a resolver thread */
	SET(CURLOPT_TIMEOUT_MS, (long)ANNOTATE_TIMEOUT_MS);
	SET(CURLOPT_USERAGENT, "erebus-annotate/1");
	SET(CURLOPT_HTTPHEADER, a->headers);
	SET(CURLOPT_COPYPOSTFIELDS, body);
	SET(CURLOPT_PRIVATE, p);
	SET(CURLOPT_ERRORBUFFER, p->err);
#undef SET
	return c;
}

void annotate_post(struct annotate *a, const char *body)
{
	struct annotate_post *p;
	CURLcode c;

	if (!a)
		return;
	if (a->in_flight >= ANNOTATE_MAX_IN_FLIGHT) {
		a->dropped++;
		return;
	}
	p = xcalloc(1, sizeof(*p));
	p->easy = curl_easy_init();
	c = p->easy ? annotate_setup(a, p, body) : CURLE_OUT_OF_MEMORY;
	if (c == CURLE_OK && curl_multi_add_handle(a->cl.multi, p->easy) != CURLM_OK)
		c = CURLE_OUT_OF_MEMORY;
	if (c != CURLE_OK) {
		annotate_failed(a, curl_easy_strerror(c));
		if (p->easy)
			curl_easy_cleanup(p->easy);
		free(p);
		return;
	}
	p->next = a->posts;
	a->posts = p;
	a->in_flight++;
}

static int64_t annotate_on_deadline(struct loop *l, int64_t now_us, void *userdata)
{
	loop_quit(l, 0);
	return 0;
}

void annotate_drain(struct annotate *a)
{
	if (!a)
		return;
	if (a->in_flight) {
		a->draining = true;
		/* curl gives up on each post at its timeout; this is a backstop */
		a->deadline = loop_timer_add(a->loop, now_usec() + (ANNOTATE_TIMEOUT_MS + 500) * USEC_PER_MSEC,
					     annotate_on_deadline, a);
		(void)loop_run(a->loop);
		loop_timer_del(a->loop, a->deadline);
		a->deadline = NULL;
		a->draining = false;
		while (a->posts) {
			annotate_failed(a, "no answer in time");
			annotate_post_free(a, a->posts);
		}
	}
	if (a->dropped)
		engine_event(a->e, "annotate.dropped", NULL,
			     "%u event%s not posted to %s: %d posts were in flight already", a->dropped,
			     a->dropped == 1 ? "" : "s", a->shown, ANNOTATE_MAX_IN_FLIGHT);
	a->dropped = 0;
}

void annotate_free(struct annotate *a)
{
	if (!a)
		return;
	while (a->posts)
		annotate_post_free(a, a->posts);
	if (a->cl.loop)
		curl_loop_free(&a->cl);
	loop_timer_del(a->loop, a->deadline);
	curl_slist_free_all(a->headers);
	free(a->url);
	free(a->shown);
	free(a);
	curl_global_cleanup();
}
