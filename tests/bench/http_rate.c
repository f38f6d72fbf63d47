/* SPDX-License-Identifier: MIT */
/*
 * http_rate: how many HTTP probe samples Erebus' probe runner completes per
 * CPU-second of its own, against a local server. Runs N http probes with a
 * 1 ms interval (back to back) on one event loop for SECONDS, then prints
 * samples, failures, wall seconds, CPU seconds of this process, and
 * samples per CPU-second, then the samples Erebus could not make
 * (erebus_errors). REUSE (yes or no, default no) is the probes' reuse key.
 * Usage: http_rate URL N SECONDS [REUSE]
 */
#include <sys/resource.h>

#include "erebus/catalog.h"
#include "erebus/experiment.h"
#include "erebus/loop.h"
#include "erebus/probe.h"

static int64_t stop_loop(struct loop *l, int64_t now, void *ctx)
{
	loop_quit(l, 0);
	return 0;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	struct sbuf ini = { 0 };
	struct diag d = { 0 };
	struct experiment *x;
	struct probe_env env = { 0 };
	struct probe_run *runs;
	size_t n, samples = 0, failures = 0, erebus_errors = 0;
	const char *reuse = argc == 5 ? argv[4] : "no";
	double secs, cpu0, cpu1;
	int64_t t0, t1;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: http_rate URL N SECONDS [REUSE]\n");
		return 2;
	}
	n = (size_t)atoi(argv[2]);
	secs = atof(argv[3]);
	sbuf_add(&ini, "[experiment]\nname = http-rate\n");
	for (size_t i = 0; i < n; i++)
		sbuf_addf(&ini, "[probe p%zu]\ntype = http\nurl = %s\ninterval = 1ms\ntimeout = 2s\nreuse = %s\n", i,
			  argv[1], reuse);
	if (experiment_load_string("http-rate", ini.s, &catalog_builtin, &d, &x) < 0) {
		diag_print(&d, stderr);
		return 2;
	}
	env.loop = loop_new();
	runs = xcalloc(n, sizeof(*runs));
	t0 = now_usec();
	for (size_t i = 0; i < n; i++) {
		char *err = NULL;
		if (probe_run_init(&runs[i], &x->probes[i], &env, t0, &err) < 0) {
			fprintf(stderr, "http_rate: %s\n", err);
			return 1;
		}
	}
	cpu0 = cpu_seconds();
	for (size_t i = 0; i < n; i++)
		probe_run_start(&runs[i]);
	loop_timer_add(env.loop, t0 + (int64_t)(secs * 1e6), stop_loop, NULL);
	loop_run(env.loop);
	t1 = now_usec();
	cpu1 = cpu_seconds();
	for (size_t i = 0; i < n; i++) {
		probe_run_stop(&runs[i]);
		samples += runs[i].n_samples;
		erebus_errors += runs[i].erebus_errors;
		for (size_t j = 0; j < runs[i].n_samples; j++)
			failures += !runs[i].samples[j].ok;
		probe_run_free(&runs[i]);
	}
	printf("%zu %zu %.3f %.3f %.0f %zu\n", samples, failures, (double)(t1 - t0) / 1e6, cpu1 - cpu0,
	       (double)samples / (cpu1 - cpu0), erebus_errors);
	free(runs);
	loop_free(env.loop);
	experiment_free(x);
	sbuf_free(&ini);
	return 0;
}
