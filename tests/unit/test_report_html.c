/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the HTML renderer (src/report/html.c): golden files for
 * the fixed reports (erebus.report/1 and /2, and /2 reports built in C),
 * a page that loads nothing from anywhere, what a /2 page shows (impact,
 * each fault's effect on each probe, outages, a halt), escaping, and a
 * bounded size for long runs. The integration tier parses the page
 * as XML and renders it with headless Chromium.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "erebus/report.h"
#include "fixtures.h"

static void test_golden(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixture_names); i++)
		golden_case(fixture_names[i], "html", report_render_html);
}

/* Saved erebus.report/2 reports render as their run did. */
static void test_golden_v2(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(fixture_names_v2); i++)
		golden_case(fixture_names_v2[i], "html", report_render_html);
	for (size_t i = 0; i < ARRAY_SIZE(fixture_names_v3); i++)
		golden_case(fixture_names_v3[i], "html", report_render_html);
}

static void test_golden_synthetic(void **state)
{
	golden_synthetic("html", report_render_html);
}

static char *render(const struct report *r)
{
	struct sbuf b = { 0 };

	report_render_html(r, &b);
	return sbuf_take(&b);
}

/* Nothing that makes a browser fetch: no script, no external reference;
 * the only URLs are the XHTML and SVG namespace names. */
static void check_self_contained(const struct report *r, const char *name)
{
	_cleanup_free_ char *html = render(r);
	static const char *const banned[] = { "<script", "src=", "url(", "@import", "<link", "<img", "<iframe",
					      "<object", "<embed", "href=\"/", "href=\"http", "javascript:" };

	for (size_t j = 0; j < ARRAY_SIZE(banned); j++)
		if (strstr(html, banned[j]))
			fail_msg("%s.html contains %s", name, banned[j]);
	for (const char *p = html; (p = strstr(p, "://")); p++)
		if (strncmp(p - 4, "http://www.w3.org/1999/xhtml\"", 29) &&
		    strncmp(p - 4, "http://www.w3.org/2000/svg\"", 27))
			fail_msg("%s.html refers to %.60s", name, p - 8);
	assert_non_null(strstr(html, "Content-Security-Policy\" content=\"default-src 'none'"));
}

static void test_self_contained(void **state)
{
	each_fixture(fixture_names, ARRAY_SIZE(fixture_names), check_self_contained);
}

static void test_self_contained_synthetic(void **state)
{
	each_synthetic(check_self_contained);
}

/* erebus.report/2: the impact phase in each table, what each fault did to
 * each probe, the outages under the plot, the halt across it. */
static void test_content_v2(void **state)
{
	struct report *r = synthetic_lost_tolerance();
	_cleanup_free_ char *html = render(r);
	static const char *const want[] = {
		"<strong class=\"verdict v-halted\">halted</strong>",
		"<dt>Impact phase</dt><dd>+300ms to +900ms</dd>",
		"<dt>Halted at</dt><dd>+900ms</dd>",
		"<td class=\"n\">100.0% · 25.0% · – · 0.0%</td>",
		"<tr><td class=\"nw\">impact</td><td class=\"o-failed\">failed</td>",
		"checkout: halted the run at +900ms: can no longer reach its tolerance of 90%",
		"<h2>What each fault did to each probe</h2>",
		"<tr><td class=\"nw\">stall</td><td class=\"nw\">checkout</td><td class=\"o-failed\">failed</td>"
		"<td class=\"n\">0us</td><td class=\"n\">–</td><td class=\"n\">–</td><td class=\"n\">600ms</td>"
		"<td class=\"n\">1</td><td class=\"n\">0.0%</td><td class=\"n\">100ms</td>",
		/* the outage, from 300 ms to the end: a red bar under the plot */
		"<g fill=\"#cf222e\" fill-opacity=\"0.6\"><rect x=\"",
		"stroke-dasharray=\"5 3\"",
		">halted</text>",
		"Red bars under the plot: outages",
		"<footer>Erebus report, schema erebus.report/2.",
	};

	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		if (!strstr(html, want[i]))
			fail_msg("the page lacks: %s", want[i]);
	report_free(r);

	/* time to detect and to recover are bracketed from the outages: the
	 * pause's outage on health starts at 2.0 s and ends at 3.1003 s */
	r = synthetic_relapse();
	free(html);
	html = render(r);
	assert_non_null(strstr(html, "detected in 0us</text>"));
	assert_non_null(strstr(html, "recovered in 100ms</text>"));
	assert_non_null(strstr(html, "<td class=\"nw\">recovery</td><td class=\"o-failed\">failed</td>"));
	/* neither a relapse nor a run that ended before the deadline is a
	 * missed recovery: no "not healthy within" bracket */
	assert_null(strstr(html, "not healthy within"));
	report_free(r);
}

/* What the page must show for the failed run. */
static void test_content(void **state)
{
	struct report *r = load_fixture("failed");
	_cleanup_free_ char *html = render(r);
	static const char *const want[] = {
		"<strong class=\"verdict v-failed\">failed</strong>",
		"<h1>checkout-survives-pause</h1>",
		"<p class=\"desc\">Checkout keeps answering while its worker is paused, and the cache comes back after a crash</p>",
		"<p class=\"reason\">a probe failed; see probes</p>",
		"<svg xmlns=\"http://www.w3.org/2000/svg\"",
		"font-size=\"11.5\">pause-worker</text>",
		"font-size=\"11.5\">kill-cache</text>",
		"detected in 399ms</text>",
		"recovered in 43us</text>",
		"not healthy within 1.00s</text>",
		"<td class=\"o-failed\">failed</td>",
		"checkout: 60% of samples passed during the fault window, tolerance 95%",
		"cache-alive: not healthy 1.00s after the fault ended",
		"<h2>Events</h2>",
		"<td class=\"k k-fail\">probe.unrecovered</td>",
	};

	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		if (!strstr(html, want[i]))
			fail_msg("the page lacks: %s", want[i]);
	/* one timeline per probe, each a closed svg */
	{
		unsigned open = 0, close = 0;
		for (const char *p = html; (p = strstr(p, "<svg ")); p++)
			open++;
		for (const char *p = html; (p = strstr(p, "</svg>")); p++)
			close++;
		assert_int_equal(open, r->n_probes);
		assert_int_equal(close, r->n_probes);
	}
	report_free(r);
}

static void test_escaping(void **state)
{
	struct report *r = load_fixture("passed");
	_cleanup_free_ char *html = NULL;

	free(r->faults[0].name);
	r->faults[0].name = xstrdup("</text><script>alert(1)</script>");
	html = render(r);
	/* the fixture's own description has & and <fast> */
	assert_non_null(strstr(html, "detects a crashed or stalled worker &amp; recovers without a human &lt;fast&gt;"));
	assert_non_null(strstr(html, "&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_null(strstr(html, "<script"));
	report_free(r);
}

/* A long run: 20,000 samples per probe still makes a page of bounded
 * size (one point per pixel column past 2,000 samples). */
static void test_long_run(void **state)
{
	struct report *r = load_fixture("passed");
	_cleanup_free_ char *html = NULL;
	const size_t n = 20000;

	for (size_t i = 0; i < r->n_probes; i++) {
		struct report_probe *p = &r->probes[i];
		for (size_t j = 0; j < p->n_samples; j++)
			free(p->samples[j].msg);
		p->samples = xrealloc(p->samples, n * sizeof(*p->samples));
		p->n_samples = n;
		for (size_t j = 0; j < n; j++)
			p->samples[j] = (struct sample){ .t_us = (int64_t)j * 200, .latency_us = 150 + (int64_t)(j % 97) * 13,
							 .ok = j % 50 != 0, .phase = PHASE_DURING,
							 .msg = j % 50 ? NULL : xstrdup("timed out") };
	}
	html = render(r);
	print_message("HTML for 3 probes x %zu samples: %zu bytes\n", n, strlen(html));
	assert_true(strlen(html) < 2u << 20);
	report_free(r);
}

static void test_no_samples(void **state)
{
	struct report *r = load_fixture("aborted");
	_cleanup_free_ char *html = NULL;

	for (size_t j = 0; j < r->probes[0].n_samples; j++)
		free(r->probes[0].samples[j].msg);
	r->probes[0].n_samples = 0;
	free(r->probes[0].timeline);	/* read.c drew it from the samples */
	r->probes[0].timeline = NULL;
	html = render(r);
	assert_non_null(strstr(html, "no samples in this report"));
	report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_golden_v2),
		cmocka_unit_test(test_golden_synthetic),
		cmocka_unit_test(test_self_contained),
		cmocka_unit_test(test_self_contained_synthetic),
		cmocka_unit_test(test_content),
		cmocka_unit_test(test_content_v2),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_long_run),
		cmocka_unit_test(test_no_samples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
