# SPDX-License-Identifier: MIT
# Sandbox networks: hosts Erebus creates for an experiment, a service
# launched inside one, probes from another, ${host.NAME} addresses, and
# nothing left behind afterwards, however the run ends.

# Is there still a process in the network namespace with this inode?
# (Other tests and services may make and drop namespaces meanwhile, so
# these tests follow the sandbox's own namespaces, not a count.)
netns_alive() { local f; for f in /proc/[0-9]*/ns/net; do [ "$(stat -L -c %i "$f" 2>/dev/null)" = "$1" ] && return 0; done; return 1; }

sandbox_experiment() { # extra lines for the [experiment]
	cat <<EOF2
[experiment]
name = sandbox
${1:-}
[sandbox]
hosts = web client
subnet = 10.238.7.0/24
[target web]
host = web
command = $DEMO --bind \${host.web} --port 8080
[probe health]
type = http
from = client
url = http://\${host.web}:8080/health
interval = 100ms
[probe tcp]
type = tcp
from = client
host = \${host.web}
port = 8080
interval = 100ms
[probe isolated]
type = exec
from = web
command = test "\$(ip -o link show | wc -l)" = 2 && ip -4 -br addr show eth0 | grep -q ' 10.238.7.1/24'
interval = 100ms
EOF2
}

test_sandbox_hosts_serve_and_probe() {
	sandbox_experiment >"$T/x.ini"
	cat >>"$T/x.ini" <<EOF2
[probe where]
type = exec
from = web
command = stat -L -c %i /proc/self/ns/net >> $T/web-ns
interval = 100ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code ($(tail -3 "$T/err"))"
	json "$T/r.json" '.events[] | select(.kind == "sandbox.created") | .detail' |
		grep -qx "web 10.238.7.1, client 10.238.7.2" || fail "sandbox event: $(cat "$T/r.json")"
	for p in health tcp isolated; do
		assert_eq "$(json "$T/r.json" ".probes[] | select(.name == \"$p\") | .verdict")" passed "probe $p"
	done
	local ino
	# (appended: a sample still in flight when the run ends is cut short)
	ino=$(head -n 1 "$T/web-ns")
	[ -n "$ino" ] || fail "the probe from web wrote nothing"
	[ "$ino" != "$(stat -L -c %i /proc/self/ns/net)" ] || fail "web ran in our namespace"
	netns_alive "$ino" && fail "the web host's namespace outlived the run"
	true
}

test_sandbox_gone_after_sigkill() {
	sandbox_experiment >"$T/x.ini"
	cat >>"$T/x.ini" <<EOF2
[target demo]
within = web
process = demo-worker
[fault hold]
type = pause
target = demo
duration = 60s
EOF2
	"$EREBUS" run "$T/x.ini" 2>"$T/err" &
	local run=$!
	defer kill -KILL "$run"
	wait_for_line "$T/err" "fault.applied" 10
	local svc p ino
	svc=$(pgrep -f -x "$DEMO --bind 10.238.7.1 --port 8080") || fail "launched service not found"
	ino=$(stat -L -c %i "/proc/$(echo "$svc" | head -n 1)/ns/net")
	[ "$ino" != "$(stat -L -c %i /proc/self/ns/net)" ] || fail "the service runs in our namespace"
	kill -KILL "$run"
	wait "$run" 2>/dev/null || true
	# The launched service dies with Erebus (parent-death signal), and with
	# it the last holder of the namespaces: wait for its exit, bounded.
	for p in $svc; do
		timeout 5 tail --pid="$p" -f /dev/null || fail "the launched service ($p) outlived erebus"
	done
	netns_alive "$ino" && fail "the sandbox namespace outlived erebus"
	true
}

test_unknown_host_is_an_error() {
	cat >"$T/x.ini" <<EOF2
[experiment]
name = bad-host
[sandbox]
hosts = web
[probe p]
type = tcp
from = wbe
host = \${host.db}
port = 80
EOF2
	run_erebus validate "$T/x.ini"
	assert_eq "$RC" 2 "exit code"
	grep -qx "$T/x.ini:8: \[probe p\] host: unknown sandbox host \"db\"; known: web" "$T/err" || fail "$(cat "$T/err")"
	grep -qx "$T/x.ini:7: \[probe p\] from: unknown sandbox host \"wbe\"; did you mean \"web\"?" "$T/err" || fail "$(cat "$T/err")"
}
