/* SPDX-License-Identifier: MIT */
/*
 * What a run says as it goes: events (into the report, and to the log
 * unless quiet) and, on a terminal, a live status line.
 */
#include "internal.h"

void engine_clear_status(struct engine *e)
{
	if (e->status_shown) {
		fputs("\r\033[K", e->o->log);
		e->status_shown = false;
	}
}


/* Record an event in the report and, unless quiet, log it. */
void engine_event(struct engine *e, const char *kind, const char *subject, const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;
	int64_t t = engine_rel(e);

	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	report_event(e->rep, t, kind, subject, "%s", b.s ? b.s : "");
	if (e->o->verbosity > LOG_QUIET) {
		engine_clear_status(e);
		fprintf(e->o->log, "%+9.3fs %-15s %s%s%s\n", (double)t / 1e6, kind, subject ? subject : "",
			subject ? ": " : "", b.s ? b.s : "");
		engine_draw_status(e);
	}
	sbuf_free(&b);
}

static const char *const state_names[] = { "steady state", "fault window", "recovery", "hold", "done" };

/* Time until the current phase ends at the latest. */
static int64_t phase_left(const struct engine *e)
{
	int64_t now = engine_rel(e), end = now;

	switch (e->state) {
	case ST_STEADY:
		end = e->x->steady_timeout_us;
		break;
	case ST_WINDOW:
		end = e->rep->window_start_us + experiment_window_us(e->x);
		break;
	case ST_RECOVERY:
		for (size_t i = 0; i < e->x->n_probes; i++) {
			int64_t d = e->rep->window_end_us + e->probes[i].run.ctx.spec->recover_within_us;
			if (!e->probes[i].recovered && d > end)
				end = d;
		}
		break;
	case ST_HOLD:	/* at least the hold; a relapse starts it over */
		end = e->hold_end;
		break;
	case ST_DONE:
		break;
	}
	return end > now ? end - now : 0;
}

void engine_draw_status(struct engine *e)
{
	struct sbuf b = { 0 };
	char a[32];

	if (!e->o->live || e->o->verbosity == LOG_QUIET || e->state == ST_DONE || !e->probes)
		return;
	sbuf_addf(&b, "[%s] %s left |", state_names[e->state],
		  format_duration(phase_left(e), a, sizeof(a)));
	for (size_t i = 0; i < e->x->n_probes; i++) {
		const struct probe_track *pt = &e->probes[i];
		static const char *const h[] = { "?", "up", "DOWN" };
		sbuf_addf(&b, " %s:%s", pt->rp->name, h[pt->run.health]);
	}
	fprintf(e->o->log, "\r\033[K%.*s", 150, b.s);
	fflush(e->o->log);
	e->status_shown = true;
	sbuf_free(&b);
}

int64_t engine_on_progress(struct loop *l, int64_t now, void *userdata)
{
	engine_draw_status(userdata);
	return now + 250 * USEC_PER_MSEC;
}
