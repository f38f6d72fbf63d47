# SPDX-License-Identifier: MIT
# How the http and tcp probes use connections (docs/probes/http.md,
# docs/probes/tcp.md): reuse = no opens one connection per sample and lets
# the server close it first, so no TIME_WAIT is left on Erebus' side;
# reuse = yes keeps one connection for all samples; the tcp probe resets
# its connection; and a sample Erebus cannot make for lack of its own local
# ports is Erebus' error, not the service's failure.
#
# Each test runs the demo service and Erebus inside a network namespace it
# makes, so the socket table read with ss holds this run's sockets only,
# and an nft counter of SYNs there counts the connections the server saw.

# Make $NS (loopback up, removed at the end) with an nft counter of the
# SYNs to ports 8080 and 8081.
_conn_ns() {
	command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
	command -v nft >/dev/null || skip "nft is not installed"
	[ "$(id -u)" = 0 ] || skip "network namespaces need root"
	NS="eb-conn-$$$RANDOM"
	ip netns add "$NS" || fail "ip netns add $NS"
	defer ip netns del "$NS"
	in_ns "$NS" ip link set lo up
	in_ns "$NS" nft -f - <<'EOF2' || fail "nft counters"
table inet ebt {
	counter syn8080 { }
	counter syn8081 { }
	chain in {
		type filter hook input priority 0;
		tcp dport 8080 tcp flags & (syn | ack) == syn counter name syn8080
		tcp dport 8081 tcp flags & (syn | ack) == syn counter name syn8081
	}
}
EOF2
}

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Connections opened to PORT in $NS so far.
_syns() {
	in_ns "$NS" nft -j list counter inet ebt "syn$1" | jq '.nftables[] | select(.counter) | .counter.packets'
}

# Sockets in TIME_WAIT in $NS whose FILTER holds (ss syntax).
_time_wait() {
	in_ns "$NS" ss -Htan state time-wait "$1" | wc -l
}

# Start the demo in $NS on PORT; its pid in DEMO_PID.
_demo_in_ns() {
	spawn DEMO_PID ip netns exec "$NS" "$DEMO" --no-supervisor --port "$1" 2>"$T/demo$1.log"
	wait_for_line "$T/demo$1.log" "listening" 10
}

# $T/x.ini: experiment NAME whose run lasts while a sleeper is paused for
# 600ms (nothing the probes reach), then TEXT (the probes).
_conn_experiment() {
	local sleeper
	spawn sleeper sleep 600
	cat >"$T/x.ini" <<EOF2
[experiment]
name = $1
steady_state_timeout = 2s
hold = 0s
[target sleeper]
pid = $sleeper
[fault nap]
type = pause
target = sleeper
duration = 600ms
$2
EOF2
}

_run_in_ns() {
	RC=0
	in_ns "$NS" "$EREBUS" run "$T/x.ini" --json "$T/r.json" --samples >"$T/out" 2>"$T/err" || RC=$?
}

_samples() { json "$T/r.json" "[.probes[] | select(.name == \"$1\") | .samples[]] | length"; }

test_http_reuse_no_one_connection_per_sample_and_no_client_time_wait() {
	_conn_ns
	_demo_in_ns 8080
	_demo_in_ns 8081
	_conn_experiment fresh "[probe web]
type = http
url = http://127.0.0.1:8080/health
interval = 20ms
[probe port]
type = tcp
host = 127.0.0.1
port = 8081
interval = 20ms"
	_run_in_ns
	assert_eq "$RC" 0 "exit code ($(cat "$T/err"))"
	local n m syn
	n=$(_samples web)
	m=$(_samples port)
	assert_cmp "$n" ">=" 10 "http samples"
	assert_cmp "$m" ">=" 10 "tcp samples"
	assert_eq "$(json "$T/r.json" '[.probes[].samples[] | select(.ok | not)] | length')" 0 "failed samples"
	# A connection each sample (the run may have ended one in flight).
	syn=$(_syns 8080)
	assert_cmp "$syn" ">=" "$n" "connections to the http server"
	assert_cmp "$syn" "<=" "$((n + 1))" "connections to the http server"
	# The server closed each first: TIME_WAIT on its side (source port
	# 8080), none on Erebus' (destination port 8080).
	assert_eq "$(_time_wait '( dport = :8080 )')" 0 "TIME_WAIT on Erebus' side of the http probe"
	assert_cmp "$(_time_wait '( sport = :8080 )')" ">=" "$((n - 1))" "TIME_WAIT on the server's side"
	# The tcp probe resets its connection: no TIME_WAIT on either side.
	assert_cmp "$(_syns 8081)" ">=" "$m" "connections of the tcp probe"
	assert_eq "$(_time_wait '( dport = :8081 or sport = :8081 )')" 0 "TIME_WAIT from the tcp probe"
}

# A server that closes 100 ms after its response, when curl is long done:
# the connection is held until the server's FIN all the same, so the
# TIME_WAIT is still the server's.
test_http_reuse_no_waits_for_a_server_slow_to_close() {
	_conn_ns
	spawn SLOW ip netns exec "$NS" python3 -c '
import socket, threading, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 8082)); l.listen(64)
print("listening", flush=True)
def serve(c):
    c.recv(4096)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    time.sleep(0.1)
    c.close()
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()'
	wait_for_line "$T/spawned.out" "listening" 10
	_conn_experiment slow-close "[probe web]
type = http
url = http://127.0.0.1:8082/
interval = 50ms"
	_run_in_ns
	assert_eq "$RC" 0 "exit code ($(cat "$T/err"))"
	local n
	n=$(_samples web)
	assert_cmp "$n" ">=" 5 "http samples"
	assert_eq "$(_time_wait '( dport = :8082 )')" 0 "TIME_WAIT on Erebus' side"
	# Those still held when the run ended (100 ms of 50 ms samples: at
	# most 3) were reset; every other one closed from the server's side.
	assert_cmp "$(_time_wait '( sport = :8082 )')" ">=" "$((n - 3))" "TIME_WAIT on the server's side"
}

test_http_reuse_yes_keeps_one_connection() {
	_conn_ns
	_demo_in_ns 8080
	_conn_experiment warm "[probe web]
type = http
url = http://127.0.0.1:8080/health
interval = 20ms
reuse = yes
[probe web2]
type = http
url = http://127.0.0.1:8080/health
interval = 20ms
reuse = yes"
	_run_in_ns
	assert_eq "$RC" 0 "exit code ($(cat "$T/err"))"
	assert_cmp "$(_samples web)" ">=" 10 "http samples"
	assert_cmp "$(_samples web2)" ">=" 10 "http samples"
	assert_eq "$(json "$T/r.json" '[.probes[].samples[] | select(.ok | not)] | length')" 0 "failed samples"
	# One connection per probe: each has its own, never the other's.
	assert_eq "$(_syns 8080)" 2 "connections to the http server"
	# Reset at the end of the run: no TIME_WAIT on Erebus' side.
	assert_eq "$(_time_wait '( dport = :8080 )')" 0 "TIME_WAIT on Erebus' side"
	erebus plan "$T/x.ini" | grep -q "connection kept between samples" || fail "plan does not say reuse"
}

# The server drops the kept connection between samples (its worker is
# killed and restarted by the supervisor): the next sample reopens one and
# counts normally.
test_http_reuse_yes_reopens_a_broken_connection() {
	_conn_ns
	spawn DEMO_PID ip netns exec "$NS" "$DEMO" --port 8080 --restart-delay 0 2>"$T/demo.log"
	wait_for_line "$T/demo.log" "worker [0-9]+ started" 10
	_conn_experiment broken "[target svc]
pid = $DEMO_PID
[fault drop]
type = kill
target = svc
signal = KILL
[probe web]
type = http
url = http://127.0.0.1:8080/health
interval = 50ms
reuse = yes"
	# The kill goes to the worker, not the supervisor: target its child.
	local worker
	worker=$(pgrep -P "$DEMO_PID" -n)
	sed -i "s/^pid = $DEMO_PID$/pid = $worker/" "$T/x.ini"
	_run_in_ns
	assert_eq "$RC" 0 "exit code ($(cat "$T/err"))"
	assert_eq "$(json "$T/r.json" '[.probes[].samples[] | select(.ok | not) | .error] | unique | join(", ")')" "" "failed samples"
	assert_cmp "$(_syns 8080)" ">=" 2 "connections (one reopened)"
}

# The client's only local port is held by another connection to the same
# service, so every connect fails with EADDRNOTAVAIL: Erebus' own error,
# counted apart, no sample blamed on the service, exit 5.
test_local_port_exhaustion_is_erebus_error() {
	_conn_ns
	in_ns "$NS" sysctl -qw net.ipv4.ip_local_port_range="40000 40000" || skip "cannot narrow ip_local_port_range"
	local holder
	spawn holder ip netns exec "$NS" python3 -c '
import signal, socket
l = socket.socket(); l.bind(("127.0.0.1", 8080)); l.listen(16)
c = socket.create_connection(("127.0.0.1", 8080))
print("holding", c.getsockname()[1], flush=True)
signal.pause()'
	wait_for_line "$T/spawned.out" "holding 40000" 10
	cat >"$T/x.ini" <<EOF2
[experiment]
name = starved
steady_state_timeout = 500ms
[probe web]
type = http
url = http://127.0.0.1:8080/health
interval = 50ms
[probe port]
type = tcp
host = 127.0.0.1
port = 8080
interval = 50ms
EOF2
	_run_in_ns
	assert_eq "$RC" 5 "exit code ($(tail -n 20 "$T/err"))"
	assert_eq "$(json "$T/r.json" .verdict)" unsupported "verdict"
	assert_eq "$(json "$T/r.json" .figures_incomplete)" true "figures_incomplete"
	local p
	for p in web port; do
		assert_eq "$(_samples $p)" 0 "samples of $p blamed on the service"
		assert_cmp "$(json "$T/r.json" ".probes[] | select(.name == \"$p\") | .erebus_errors")" ">=" 2 "erebus_errors of $p"
		assert_eq "$(json "$T/r.json" ".probes[] | select(.name == \"$p\") | .erebus_error")" \
			"cannot assign requested address (the client ran out of local ports)" "erebus_error of $p"
		grep -q "Erebus could not make [0-9]* samples of probe $p: cannot assign requested address (the client ran out of local ports)" "$T/err" ||
			fail "summary does not say what Erebus could not do for $p"
		assert_eq "$(json "$T/r.json" "[.warnings[] | select(.probe == \"$p\" and .kind == \"erebus-errors\")] | length")" 1 \
			"the report's warnings name what Erebus could not do for $p"
	done
	json "$T/r.json" .reason | grep -q "^Erebus could not make [0-9]* of [0-9]* samples of probe web" ||
		fail "reason: $(json "$T/r.json" .reason)"
	# erebus report reads the counts back.
	erebus report "$T/r.json" 2>&1 | grep -q "Erebus could not make [0-9]* samples of probe port" ||
		fail "erebus report does not show the Erebus errors"
}

# Erebus' limit of open files lowered under it (prlimit) while an http
# probe samples a closed port: its failures before are the service's
# (connection refused), every sample after is Erebus' own error (EMFILE
# from socket()), never a service failure.
test_fd_exhaustion_is_erebus_error() {
	command -v prlimit >/dev/null || skip "prlimit (util-linux) is not installed"
	cat >"$T/x.ini" <<EOF2
[experiment]
name = no-fds
steady_state_timeout = 1500ms
[probe web]
type = http
url = http://127.0.0.1:$(free_port)/
interval = 20ms
EOF2
	# (under `make asan`, LeakSanitizer needs descriptors of its own at
	# exit, which this limit leaves it none of: its check is off here)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		"$EREBUS" run "$T/x.ini" --json - --samples >"$T/r.json" 2>"$T/err" &
	ERB=$!
	defer kill -KILL "$ERB"
	wait_for_line "$T/err" "probe.down" 10
	prlimit --pid "$ERB" --nofile=3:3 || fail "prlimit"
	end_run 15
	assert_eq "$RC" 5 "exit code ($(tail -n 20 "$T/err"))"
	assert_cmp "$(json "$T/r.json" '.probes[0].erebus_errors')" ">=" 2 "erebus_errors"
	assert_eq "$(json "$T/r.json" '.probes[0].erebus_error')" \
		"too many open files (Erebus reached its limit of open files, ulimit -n)" "erebus_error"
	assert_eq "$(json "$T/r.json" '[.probes[0].samples[].error] | unique | join(", ")')" "connection refused" \
		"the service's failures"
	grep -q "Erebus could not make [0-9]* samples of probe web: too many open files" "$T/err" ||
		fail "the summary does not say what Erebus could not do"
}
