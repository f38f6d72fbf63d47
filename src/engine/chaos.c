/* SPDX-License-Identifier: MIT */
/*
 * Announcing chaos while a run goes. At each fault applied and reverted:
 * a JSON event POSTed to [experiment] annotate (annotate.c), and the
 * --metrics file rewritten with erebus_run_active and erebus_fault_active
 * (report_render_activity()), so that node_exporter's textfile collector
 * lets dashboards shade chaos periods during the run. Neither can fail
 * the run: a webhook that fails and a file that cannot be written are
 * each said once, as an event.
 */
#include "erebus/json.h"
#include "internal.h"

struct chaos {
	struct annotate *annotate;	/* NULL: no [experiment] annotate (or no libcurl) */
	bool *active;			/* per fault, as the metrics file says it */
	bool write_failed;
};

/* Rewrite the live metrics file, if there is one. */
static void chaos_write(struct engine *e, bool running)
{
	struct sbuf b = { 0 };
	int r;

	if (!e->o->live_metrics || e->chaos->write_failed)
		return;
	report_render_activity(e->rep, e->chaos->active, running, &b);
	r = write_file_atomic(e->o->live_metrics, b.s, b.len);
	if (r < 0) {
		e->chaos->write_failed = true;
		engine_event(e, "metrics.failed", NULL, "cannot write %s: %s; it is not written again until the end of the run",
			     e->o->live_metrics, strerror(-r));
	}
	sbuf_free(&b);
}

void chaos_start(struct engine *e)
{
	if (!e->x->annotate && !e->o->live_metrics)
		return;
	e->chaos = xcalloc(1, sizeof(*e->chaos));
	e->chaos->active = xcalloc(e->x->n_faults + 1, sizeof(*e->chaos->active));
	if (e->x->annotate)
		e->chaos->annotate = annotate_new(e, e->x->annotate);
	chaos_write(e, true);
}

/* The JSON event of fi's event ("applied", "reverted"); caller frees. */
static char *chaos_body(const struct fault_inst *fi, const char *event, const char *detail)
{
	const struct engine *e = fi->e;
	struct sbuf b = { 0 }, text = { 0 };
	char t[32];

	format_rfc3339(wall_usec(), t);
	sbuf_addf(&text, "%s: fault %s (%s) %s%s%s", e->x->name, fi->spec->name, fi->spec->type->name, event,
		  *detail ? ": " : "", detail);
	sbuf_add(&b, "{\"experiment\":");
	sbuf_add_json_string(&b, e->x->name);
	sbuf_add(&b, ",\"fault\":");
	sbuf_add_json_string(&b, fi->spec->name);
	sbuf_add(&b, ",\"type\":");
	sbuf_add_json_string(&b, fi->spec->type->name);
	sbuf_addf(&b, ",\"event\":\"%s\",\"time\":\"%s\",\"run_seed\":%llu,\"text\":", event, t,
		  (unsigned long long)e->rep->seed);
	sbuf_add_json_string(&b, text.s);
	sbuf_add(&b, "}");
	sbuf_free(&text);
	return sbuf_take(&b);
}

void chaos_fault(struct fault_inst *fi, const char *event, const char *detail)
{
	struct engine *e = fi->e;
	struct chaos *c = e->chaos;
	size_t i = (size_t)(fi - e->faults);
	const struct fault_spec *f = fi->spec;
	bool active = false;

	if (!c)
		return;
	if (c->annotate) {
		_cleanup_free_ char *body = chaos_body(fi, event, detail ? detail : "");
		annotate_post(c->annotate, body);
	}
	/* A lasting fault acts until its revert; an instant one (a kill) is
	 * a moment, unless it repeats: then from its first firing to its last. */
	if (!strcmp(event, "applied"))
		active = !(f->type->flags & FAULT_INSTANT) ||
			 (f->every_us && fi->next_at + f->every_us <= fi->end_at);
	if (active != c->active[i]) {
		c->active[i] = active;
		chaos_write(e, true);
	}
}

void chaos_end(struct engine *e)
{
	struct chaos *c = e->chaos;

	if (!c)
		return;
	if (c->annotate) {
		/* A signal now is answered by the cleanup already done. */
		loop_del_fd(e->loop, e->sigfd);
		annotate_drain(c->annotate);
		annotate_free(c->annotate);
	}
	free(c->active);
	free(c);
	e->chaos = NULL;
}
