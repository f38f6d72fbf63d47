# SPDX-License-Identifier: MIT
# The demo's GET /metrics (demo/erebus-demo.c): the Prometheus text format
# promtool accepts, counters that count what the demo answered and survive
# a worker's death, and erebus_demo_worker_up, which the supervisor's
# metrics port (--metrics-port) shows at 0 from the worker's death until
# its restart. The worker is killed by the test with a signal; each check
# waits on the demo's own log lines, never on time.

PROMTOOL=/usr/bin/promtool

# Start the demo with a metrics port of its own (METRICS_PORT) and the
# restart delay $1; the first worker's pid in WORKER_PID.
_start_demo_metrics() {
	METRICS_PORT=$(free_port)
	start_demo --metrics-port "$METRICS_PORT" --restart-delay "$1"
	grep -q "metrics on 127.0.0.1:$METRICS_PORT" "$T/demo.log" || fail "no metrics port in $(cat "$T/demo.log")"
	WORKER_PID=$(sed -n 's/.*worker \([0-9]*\) started$/\1/p' "$T/demo.log" | head -1)
	[ -n "$WORKER_PID" ] || fail "no worker pid in $(cat "$T/demo.log")"
}

# Scrape PORT's /metrics into $T/m.N (N counts scrapes); check it with
# promtool; its path in M.
_scrape=0
_scrape() {
	_scrape=$((_scrape + 1))
	M="$T/m.$_scrape"
	curl -sf -D "$M.head" "http://127.0.0.1:$1/metrics" >"$M" || fail "GET /metrics on port $1 failed"
	grep -qi '^content-type: text/plain; version=0.0.4' "$M.head" || fail "content type: $(cat "$M.head")"
	if [ -x "$PROMTOOL" ]; then
		"$PROMTOOL" check metrics <"$M" >"$M.lint" 2>&1 || fail "promtool check metrics: $(cat "$M.lint")"
	fi
}

# The value of series SERIES (as written, labels and all) in $M.
_value() {
	awk -v s="$1" '$1 == s { print $2; found = 1 } END { exit !found }' "$M" || fail "no series $1 in $M"
}

test_demo_metrics_count_requests_errors_and_restarts() {
	[ -x "$PROMTOOL" ] || skip "promtool is not installed (Debian package prometheus)"
	_start_demo_metrics 4s
	curl -s "http://127.0.0.1:$DEMO_PORT/health" >/dev/null
	curl -s "http://127.0.0.1:$DEMO_PORT/health" >/dev/null
	curl -s "http://127.0.0.1:$DEMO_PORT/work?ms=1" >/dev/null
	curl -s "http://127.0.0.1:$DEMO_PORT/nowhere" >/dev/null
	curl -s "http://127.0.0.1:$DEMO_PORT/work?ms=x" >/dev/null
	curl -s -X POST "http://127.0.0.1:$DEMO_PORT/health" >/dev/null
	_scrape "$DEMO_PORT"	# the worker's own /metrics, on the service's port
	assert_eq "$(_value 'erebus_demo_requests_total{route="/health"}')" 3 "/health requests (2 GET, 1 POST)"
	assert_eq "$(_value 'erebus_demo_requests_total{route="/work"}')" 2 "/work requests"
	assert_eq "$(_value 'erebus_demo_requests_total{route="other"}')" 1 "other requests"
	assert_eq "$(_value 'erebus_demo_requests_total{route="/metrics"}')" 1 "/metrics requests (this one)"
	assert_eq "$(_value 'erebus_demo_errors_total{kind="not_found"}')" 1 "404s"
	assert_eq "$(_value 'erebus_demo_errors_total{kind="bad_request"}')" 1 "400s"
	assert_eq "$(_value 'erebus_demo_errors_total{kind="method_not_allowed"}')" 1 "405s"
	assert_eq "$(_value erebus_demo_worker_up)" 1 "worker up"
	assert_eq "$(_value erebus_demo_worker_restarts_total)" 0 "restarts before any death"

	# Killed: the supervisor's port answers while no worker does, and says so.
	kill -KILL "$WORKER_PID"
	wait_for_line "$T/demo.log" "worker $WORKER_PID killed by signal 9" 10
	_scrape "$METRICS_PORT"
	grep -q "started (restart 1)" "$T/demo.log" && fail "the worker restarted before the scrape (4s delay)"
	assert_eq "$(_value erebus_demo_worker_up)" 0 "worker up between its death and its restart"
	assert_eq "$(_value erebus_demo_worker_restarts_total)" 0 "restarts before the restart"
	assert_eq "$(_value 'erebus_demo_requests_total{route="/health"}')" 3 "/health requests kept after the death"

	# Restarted: up again, one restart, the counters carried over.
	wait_for_line "$T/demo.log" "started \(restart 1\)" 15
	_scrape "$METRICS_PORT"
	assert_eq "$(_value erebus_demo_worker_up)" 1 "worker up after the restart"
	assert_eq "$(_value erebus_demo_worker_restarts_total)" 1 "restarts"
	curl -sf "http://127.0.0.1:$DEMO_PORT/health" >/dev/null || fail "the new worker does not answer"
	_scrape "$DEMO_PORT"
	assert_eq "$(_value 'erebus_demo_requests_total{route="/health"}')" 4 "/health requests across workers"
	# The metrics port serves nothing else.
	assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$METRICS_PORT/health")" 404 \
		"/health on the metrics port"
}

# A paused worker is alive: up stays 1 (the service's port does not
# answer, the metrics port does).
test_demo_metrics_paused_worker_is_up() {
	_start_demo_metrics 200ms
	kill -STOP "$WORKER_PID"
	defer kill -CONT "$WORKER_PID"
	_scrape "$METRICS_PORT"
	assert_eq "$(_value erebus_demo_worker_up)" 1 "worker up while paused"
	kill -CONT "$WORKER_PID"
}

test_demo_metrics_without_supervisor() {
	start_demo --no-supervisor
	_scrape "$DEMO_PORT"
	assert_eq "$(_value erebus_demo_worker_up)" 1 "worker up"
	RC=0
	"$DEMO" --no-supervisor --metrics-port 0 2>"$T/err" || RC=$?
	assert_eq "$RC" 2 "exit code of --metrics-port without a supervisor"
	grep -q -- "--metrics-port needs the supervisor" "$T/err" || fail "message: $(cat "$T/err")"
}
