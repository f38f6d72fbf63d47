# SPDX-License-Identifier: MIT
# The prometheus and alertmanager probes against a real Prometheus (Debian
# prometheus) and a real Alertmanager (Debian prometheus-alertmanager),
# each started here on loopback on a free port with its own configuration
# and storage under $T, and killed when the test ends. Each run is an
# experiment of probes only: it passes (exit 0) once every probe is
# healthy, or aborts (exit 3) after steady_state_timeout with the probes
# that were down and why; the samples' messages are read from the JSON
# (runs keep them: --samples)
# report.

PROMETHEUS=/usr/bin/prometheus
ALERTMANAGER=/usr/bin/prometheus-alertmanager

# Start $T/x.ini: an [experiment] NAME that waits 2s at most for steady state.
_experiment() {
	printf '[experiment]\nname = %s\nsteady_state_timeout = 2s\n' "$1" >"$T/x.ini"
}

# Wait (at most SECS) until the shell command CMD (a pipeline: each part
# must succeed) succeeds, trying every 100ms: for a server's state that
# has no log line to wait for.
_await() {
	local secs=$1
	shift
	timeout "$secs" bash -c 'set -o pipefail; until eval "$1" >/dev/null 2>&1; do sleep 0.1; done' _ "$*" ||
		fail "not within ${secs}s: $*"
}

# Start Prometheus on a free port (PROM_PORT), scraping itself every 1s,
# and wait until its first scrape is in: `up` has a series.
_start_prometheus() {
	[ -x "$PROMETHEUS" ] || skip "prometheus is not installed (Debian package prometheus)"
	PROM_PORT=$(free_port)
	mkdir -p "$T/prom"
	cat >"$T/prom/prometheus.yml" <<EOF2
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:$PROM_PORT']
EOF2
	spawn PROM_PID "$PROMETHEUS" --config.file="$T/prom/prometheus.yml" \
		--storage.tsdb.path="$T/prom/data" --web.listen-address="127.0.0.1:$PROM_PORT" 2>"$T/prom.log"
	_await 30 "curl -sf 'http://127.0.0.1:$PROM_PORT/api/v1/query?query=up' | jq -e '.data.result | length > 0'"
}

# Start Alertmanager on a free port (AM_PORT), clustering off, and wait
# until it is ready.
_start_alertmanager() {
	[ -x "$ALERTMANAGER" ] || skip "alertmanager is not installed (Debian package prometheus-alertmanager)"
	AM_PORT=$(free_port)
	mkdir -p "$T/am"
	printf 'route:\n  receiver: none\nreceivers:\n  - name: none\n' >"$T/am/alertmanager.yml"
	spawn AM_PID "$ALERTMANAGER" --config.file="$T/am/alertmanager.yml" --storage.path="$T/am/data" \
		--web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= 2>"$T/am.log"
	_await 30 "curl -sf 'http://127.0.0.1:$AM_PORT/-/ready'"
}

# POST JSON to Alertmanager's API PATH (alerts, silences).
_am_post() {
	curl -sf -X POST -H 'Content-Type: application/json' --data "$2" "http://127.0.0.1:$AM_PORT/api/v2/$1" >/dev/null ||
		fail "POST /api/v2/$1 refused"
}

# A query that Prometheus' scrape of itself satisfies: the run passes.
test_prometheus_probe_passes_on_a_satisfied_query() {
	_start_prometheus
	_experiment "prom-up"
	cat >>"$T/x.ini" <<EOF2
[probe up]
type = prometheus
url = http://127.0.0.1:$PROM_PORT
query = up{job="prometheus"}
expect_value = == 1
interval = 200ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 0 "exit code ($(cat "$T/err"))"
	assert_eq "$(json "$T/r.json" .verdict)" passed "verdict"
	assert_samples up ok
}

# Every way a query can fail, against one Prometheus: a comparison not
# satisfied (the message names the series, its value and the
# comparison), a malformed query (Prometheus' own error text), an empty
# result (no data; passes with empty = healthy), a scalar, and a URL that
# is not Prometheus' API (its 404 reply, not JSON).
test_prometheus_probe_failures() {
	_start_prometheus
	local u="http://127.0.0.1:$PROM_PORT"
	_experiment "prom-failures"
	cat >>"$T/x.ini" <<EOF2
[probe above]
type = prometheus
url = $u
query = up
expect_value = > 1
interval = 200ms
[probe malformed]
type = prometheus
url = $u
query = up{job=
expect_value = > 0
interval = 200ms
[probe nodata]
type = prometheus
url = $u
query = up{job="nothing"}
expect_value = > 0
interval = 200ms
[probe nodata-ok]
type = prometheus
url = $u
query = up{job="nothing"}
expect_value = > 0
empty = healthy
interval = 200ms
[probe scalar]
type = prometheus
url = $u/
query = scalar(up{job="prometheus"}) * 2
expect_value = < 1.5
interval = 200ms
[probe not-api]
type = prometheus
url = $u/nowhere
query = up
expect_value = > 0
interval = 200ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 3 "exit code ($(cat "$T/err"))"
	assert_samples above "up{instance=\"127.0.0.1:$PROM_PORT\", job=\"prometheus\"} = 1, expected > 1"
	assert_samples malformed \
		'Prometheus error (bad_data): invalid parameter "query": 1:8: parse error: unexpected end of input inside braces'
	assert_samples nodata "no data: the query returned no series"
	assert_samples nodata-ok ok
	assert_samples scalar "scalar 2, expected < 1.5"
	assert_samples not-api "status 404 from Prometheus: 404 page not found"
	json "$T/r.json" .reason | grep -qF "above is down (up{instance=" || fail "reason: $(json "$T/r.json" .reason)"
}

# A Prometheus that is down: nothing listens on its port.
test_prometheus_down() {
	local port
	port=$(free_port)
	_experiment "prom-down"
	cat >>"$T/x.ini" <<EOF2
[probe up]
type = prometheus
url = http://127.0.0.1:$port
query = up
expect_value = == 1
interval = 200ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 3 "exit code ($(cat "$T/err"))"
	assert_samples up "cannot reach Prometheus: connection refused"
}

# Healthy with no alert; down while a matching alert is active (the
# message names it and its labels); healthy again once it is silenced. A
# probe whose matchers the alert does not carry stays healthy throughout.
test_alertmanager_probe_fires_and_silence_clears() {
	_start_alertmanager
	_experiment "am"
	cat >>"$T/x.ini" <<EOF2
[probe checkout-alert]
type = alertmanager
url = http://127.0.0.1:$AM_PORT
alertname = ErebusCheckoutDown
matchers = job=checkout
interval = 200ms
[probe other-job]
type = alertmanager
url = http://127.0.0.1:$AM_PORT/
alertname = ErebusCheckoutDown
matchers = job=payments
interval = 200ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 0 "exit code with no alert ($(cat "$T/err"))"
	assert_samples checkout-alert ok

	_am_post alerts '[{"labels":{"alertname":"ErebusCheckoutDown","job":"checkout","severity":"page"}}]'
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 3 "exit code with the alert firing ($(cat "$T/err"))"
	assert_samples checkout-alert \
		'alert ErebusCheckoutDown is firing: {alertname="ErebusCheckoutDown", job="checkout", severity="page"}'
	assert_samples other-job ok
	json "$T/r.json" .reason | grep -qF 'checkout-alert is down (alert ErebusCheckoutDown is firing' ||
		fail "reason: $(json "$T/r.json" .reason)"

	_am_post silences '{"matchers":[{"name":"alertname","value":"ErebusCheckoutDown","isRegex":false}],
		"startsAt":"2020-01-01T00:00:00Z","endsAt":"2100-01-01T00:00:00Z","createdBy":"erebus-test","comment":"test"}'
	_await 10 "curl -sf 'http://127.0.0.1:$AM_PORT/api/v2/alerts' | jq -e '.[0].status.silencedBy | length > 0'"
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 0 "exit code with the alert silenced ($(cat "$T/err"))"
	assert_samples checkout-alert ok
}

# An Alertmanager answering 500 (a stand-in server: a real one does not
# fail on demand), and one that is down.
test_alertmanager_errors() {
	cat >"$T/server.py" <<'EOF2'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"internal error: storage unavailable\n"
        self.send_response(500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
print("listening", file=sys.stderr, flush=True)
s.serve_forever()
EOF2
	local port closed
	port=$(free_port)
	closed=$(free_port)
	spawn SERVER_PID /usr/bin/python3 "$T/server.py" "$port" 2>"$T/server.log"
	wait_for_line "$T/server.log" listening 10
	_experiment "am-errors"
	cat >>"$T/x.ini" <<EOF2
[probe broken]
type = alertmanager
url = http://127.0.0.1:$port
alertname = Down
interval = 200ms
[probe gone]
type = alertmanager
url = http://127.0.0.1:$closed
alertname = Down
interval = 200ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 3 "exit code ($(cat "$T/err"))"
	assert_samples broken "Alertmanager error: status 500: internal error: storage unavailable"
	assert_samples gone "cannot reach Alertmanager: connection refused"
}

# A detector on a real Alertmanager whose alert already fires before any
# fault: the environment is already broken; the run aborts (exit 3) and
# injects nothing.
test_alertmanager_detector_already_alerting_aborts() {
	_start_alertmanager
	spawn IDLE sleep 600
	_experiment "already-alerting"
	cat >>"$T/x.ini" <<EOF2
[target idle]
pid = $IDLE
[fault pause-idle]
type = pause
target = idle
duration = 1s
[probe checkout-alert]
type = alertmanager
url = http://127.0.0.1:$AM_PORT
alertname = ErebusCheckoutDown
interval = 200ms
expect = detect
detect_within = 10s
EOF2
	_am_post alerts '[{"labels":{"alertname":"ErebusCheckoutDown","job":"checkout"}}]'
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 3 "exit code ($(cat "$T/err"))"
	json "$T/r.json" .reason | grep -q '^the environment is already alerting: \[probe checkout-alert\] (alert ErebusCheckoutDown is firing: {alertname="ErebusCheckoutDown", job="checkout"}); nothing was injected$' ||
		fail "reason: $(json "$T/r.json" .reason)"
	assert_eq "$(json "$T/r.json" '.faults[0].applications')" 0 "applications"
	assert_eq "$(proc_state "$IDLE")" S "the idle process, never paused"
}
