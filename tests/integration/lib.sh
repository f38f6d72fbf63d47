# SPDX-License-Identifier: MIT
# Shared fixtures for the integration tier (bash). A test file defines
# functions named test_*; run.sh runs each in its own subshell with its own
# scratch directory $T, and everything registered with `defer` runs when
# the test ends, passed, failed or interrupted.
#
#   defer CMD...        run CMD at the end of the test (last in, first out)
#   spawn NAME CMD...   start CMD in the background; its pid in $NAME; killed at the end
#   erebus ARGS...      the binary under test
#   run_erebus ARGS...  run it; exit code in $RC, output in $T/out and $T/err
#   run_erebus_with_nameserver NS ARGS...  the same, with NS as its only name server
#   wait_for_line FILE REGEX [SECS]  block until a line matching REGEX is written
#   json FILE JQ        print a jq expression's value
#   poll_until SECS CMD...  retry CMD every 100ms until it succeeds (a server's state)
#   end_run [SECS]      wait (at most SECS, default 15) for the run a test
#                       started in the background, pid in $ERB, to exit; its status in RC
#   stop_run [SECS]     end that run now, as Ctrl-C does (SIGINT: Erebus reverts
#                       every fault and exits 3), then end_run (default 10 s)
#   skip REASON         end the test as skipped, visibly, with the reason
#   fail MSG / assert_eq A B MSG / assert_near A B TOL MSG

: "${BUILD:?BUILD must point at the build directory}"
EREBUS="$BUILD/erebus"
DEMO="$BUILD/erebus-demo"
BURNER="$BUILD/tests/burner"

_deferred=()
defer() { _deferred=("$(printf '%q ' "$@")" "${_deferred[@]}"); }
_run_deferred() {
	local c
	for c in "${_deferred[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
	_deferred=()
}

# Each test has its own ledger directory, so a test that kills Erebus on
# purpose never leaves the next one (or the machine) a ledger to trip on.
export EREBUS_RUN_DIR="$T/run"
# Commands Erebus starts run as the user who ran sudo by default
# (docs/safety.md): as the tests expect root, whoever started them.
unset SUDO_UID SUDO_GID SUDO_USER

fail() { echo "    FAIL: $*" >&2; exit 1; }
# note MSG: a figure worth seeing even when the test passes.
note() { echo "NOTE: $*" >&2; }
skip() { echo "    SKIP: $*" >&2; exit 77; }
assert_eq() { [ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"; }
# assert_near VALUE WANT TOLERANCE MSG (floating point)
assert_near() {
	awk -v v="$1" -v w="$2" -v t="$3" 'BEGIN { d = v - w; if (d < 0) d = -d; exit !(d <= t) }' ||
		fail "$4: expected $2 +/- $3, got $1"
}
# assert_cmp VALUE OP BOUND MSG, OP one of < <= > >=
assert_cmp() {
	awk -v v="$1" -v b="$3" -v op="$2" 'BEGIN {
		ok = (op == "<") ? v < b : (op == "<=") ? v <= b : (op == ">") ? v > b : v >= b; exit !ok }' ||
		fail "$4: expected $1 $2 $3"
}

erebus() { "$EREBUS" "$@"; }
run_erebus() {
	RC=0
	"$EREBUS" "$@" >"$T/out" 2>"$T/err" || RC=$?
}

# Kill a process (and its group when it leads one) at the end of the test.
_kill_later() {
	kill -CONT "$1" 2>/dev/null
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
spawn() {
	local __name=$1; shift
	"$@" >>"$T/spawned.out" &
	local pid=$!
	printf -v "$__name" '%s' "$pid"
	defer _kill_later "$pid"
}

# Block until FILE has a line matching REGEX (written by a running
# process); fails after SECS (default 15) seconds. tail -F follows the
# writes as they happen; no polling sleep in the test.
wait_for_line() {
	local file=$1 re=$2 secs=${3:-15}
	timeout "$secs" bash -c 'tail -n +1 -F "$1" 2>/dev/null | grep -q -m1 -E -- "$2"' _ "$file" "$re" ||
		fail "no line matching /$re/ in $file within ${secs}s"
}

json() { jq -r "$2" "$1"; }

# The distinct messages of probe NAME's samples in $T/r.json, one a line
# ("ok" for a pass); the run must have kept them (erebus run --samples).
sample_errors() {
	json "$T/r.json" "[.probes[] | select(.name == \"$1\") | .samples[] |
		if .ok then \"ok\" else .error end] | unique | .[]"
}

# Probe NAME sampled at least once, and every sample read WANT.
assert_samples() {
	local got
	got=$(sample_errors "$1")
	[ -n "$got" ] || fail "probe $1 took no sample"
	assert_eq "$got" "$2" "samples of probe $1"
}

# poll_until SECS CMD...: for a server's state that no log line announces
# (Prometheus has scraped, an alert fires): run the shell command CMD (a
# pipeline: every part must succeed) every 100ms until it succeeds; fails
# after SECS seconds.
poll_until() {
	local secs=$1
	shift
	timeout "$secs" bash -c 'set -o pipefail; until eval "$1" >/dev/null 2>&1; do sleep 0.1; done' _ "$*" ||
		fail "not within ${secs}s: $*"
}

# Tests that watch a run while its faults are active start it in the
# background (pid in $ERB), give the faults durations far longer than the
# checks take, and end the run with stop_run once the checks are done: no
# check depends on how fast the machine is (the VM tier's guest is slow).
end_run() {
	local secs=${1:-15}
	timeout "$secs" tail --pid="$ERB" -f /dev/null || fail "erebus still running after ${secs}s"
	RC=0
	wait "$ERB" || RC=$?
}
stop_run() {
	kill -INT "$ERB"
	end_run "${1:-10}"
}

# /proc/PID/stat state letter (R, S, T, ...), or "gone".
proc_state() {
	local s
	s=$(sed -n 's/^[0-9]* (.*) \(.\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)
	echo "${s:-gone}"
}

# Total CPU time of a process in nanoseconds (all threads), from schedstat.
proc_cpu_ns() {
	local total=0 f v
	for f in /proc/"$1"/task/*/schedstat; do
		read -r v _ <"$f" 2>/dev/null || continue
		total=$((total + v))
	done
	echo "$total"
}

# A free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Start the demo service on a free port; sets DEMO_PORT and DEMO_PID and
# waits until it answers (its own log line says it is listening).
start_demo() {
	DEMO_PORT=$(free_port)
	spawn DEMO_PID "$DEMO" --port "$DEMO_PORT" "$@" 2>"$T/demo.log"
	wait_for_line "$T/demo.log" "worker.*start|started worker|worker [0-9]+" 10
}

# run_erebus_with_nameserver NS ARGS...: run_erebus in a mount namespace of
# its own whose /etc/resolv.conf names only the name server NS (5 s, one
# attempt).
run_erebus_with_nameserver() {
	printf 'nameserver %s\noptions timeout:5 attempts:1\n' "$1" >"$T/resolv.conf"
	shift
	RC=0
	unshare --mount --propagation private sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' \
		"$T/resolv.conf" "$EREBUS" "$@" >"$T/out" 2>"$T/err" || RC=$?
}

# This boot's id, as ledgers record it.
boot_id() { cat /proc/sys/kernel/random/boot_id; }
# A ledger written by hand in the run directory: stale_ledger NAME HEADER
# RECORD... (lines after the header).
stale_ledger() {
	local name=$1
	shift
	mkdir -m 700 -p "$EREBUS_RUN_DIR"
	printf '%s\n' "$@" >"$EREBUS_RUN_DIR/$name"
}
