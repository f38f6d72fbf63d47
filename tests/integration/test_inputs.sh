# SPDX-License-Identifier: MIT
# Inputs a user gives Erebus that no other file covers: a tcp probe's
# name with several addresses, and an experiment file others could have
# changed when run as root.

# A name with two addresses in a private /etc/hosts (a mount namespace of
# the run's own; the machine's file is never touched): Erebus runs inside.
_with_hosts() {
	local hosts=$1; shift
	unshare -m sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' _ "$hosts" "$@"
}

_tcp_ini() {
	cat <<EOF2
[experiment]
name = tcp-names
steady_state_timeout = 2s
[probe port]
type = tcp
host = two.erebus.test
port = $1
interval = 100ms
timeout = 1s
EOF2
}

# The first address refuses, the second accepts: the probe tries each in
# turn and passes. With nothing listening on either, the sample's error
# says both were tried.
test_tcp_tries_every_address() {
	command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
	start_demo --no-supervisor
	printf '127.0.0.2 two.erebus.test\n127.0.0.1 two.erebus.test\n' >"$T/hosts"
	_tcp_ini "$DEMO_PORT" >"$T/x.ini"
	RC=0
	_with_hosts "$T/hosts" "$EREBUS" run "$T/x.ini" --json "$T/r.json" --samples 2>"$T/err" || RC=$?
	assert_eq "$RC" 0 "exit code: $(tail -n 3 "$T/err")"
	assert_eq "$(json "$T/r.json" '[.probes[0].samples[] | select(.ok | not)] | length')" 0 "failed samples"
	local port
	port=$(free_port)	# nothing listens there, on either address
	_tcp_ini "$port" >"$T/y.ini"
	RC=0
	_with_hosts "$T/hosts" "$EREBUS" run "$T/y.ini" --json "$T/r2.json" --samples 2>"$T/err" || RC=$?
	assert_eq "$RC" 3 "exit code with nothing listening"
	json "$T/r2.json" '.probes[0].samples[0].error' | grep -qF 'connection refused (2 addresses tried)' ||
		fail "error: $(json "$T/r2.json" '.probes[0].samples[0].error')"
}

# As root, a file every user may write is refused before anything runs:
# exit 2, the reason names the file and the fix, and no report.
test_root_refuses_a_world_writable_file() {
	[ "$(id -u)" = 0 ] || skip "the refusal applies to root"
	cat >"$T/x.ini" <<EOF2
[experiment]
name = writable
[probe ok]
type = exec
command = true
EOF2
	chmod 0646 "$T/x.ini"
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 2 "exit code"
	grep -qF "$T/x.ini: writable by every user; as root, Erebus refuses to run it (chmod o-w $T/x.ini)" "$T/err" ||
		fail "message: $(cat "$T/err")"
	[ ! -e "$T/r.json" ] || fail "a report was written"
	chmod o-w "$T/x.ini"
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "the same file, not writable by others: $(tail -n 3 "$T/err")"
}

# As root, a file someone else could have changed is refused (exit 2, no
# report, nothing run), each case with its reason and what to do: group
# write on the file or its directory, another owner, a symbolic link, a
# FIFO (refused at once, not waited on). The invoking user given by sudo
# (SUDO_UID) may own the file and its directory.
test_root_refuses_files_others_could_change() {
	[ "$(id -u)" = 0 ] || skip "the refusal applies to root"
	local d=$T/d f=$T/d/x.ini
	mkdir -m 0755 "$d"
	cat >"$f" <<EOF2
[experiment]
name = trusted
[probe ok]
type = exec
command = true
EOF2
	chmod 0644 "$f"
	_refused() {
		run_erebus run "$1" --json "$T/r.json"
		assert_eq "$RC" 2 "exit code for $1 ($2)"
		grep -qF "$1: $2; as root, Erebus refuses to run it ($3)" "$T/err" || fail "message: $(cat "$T/err")"
		[ ! -e "$T/r.json" ] || fail "a report was written"
	}
	chmod g+w "$f"
	_refused "$f" "writable by its group" "chmod g-w $f"
	chmod g-w "$f"
	chmod g+w "$d"
	_refused "$f" "in a directory writable by its group" "chmod g-w $d"
	chmod 0777 "$d"
	_refused "$f" "in a directory writable by every user" "chmod o-w $d"
	chmod 1777 "$d"	# shared, as /tmp: the fix is elsewhere
	_refused "$f" "in a directory writable by every user" "move the file to a directory only root or you can write"
	chmod 0755 "$d"
	chown 65534 "$f"
	_refused "$f" "owned by uid 65534, not by root" "chown root $f"
	run_erebus run "$f"
	assert_eq "$RC" 2 "another user's file"
	SUDO_UID=65534 run_erebus run "$f"
	assert_eq "$RC" 0 "the invoking user's own file: $(tail -n 3 "$T/err")"
	chown 65534 "$d"
	SUDO_UID=65534 run_erebus run "$f"
	assert_eq "$RC" 0 "the invoking user's own directory: $(tail -n 3 "$T/err")"
	chown 0 "$f"
	SUDO_UID=1234 _refused "$f" "in a directory owned by uid 65534, not by root or uid 1234" "chown root $d"
	chown 0 "$d"
	ln -s "$f" "$d/link.ini"
	_refused "$d/link.ini" "a symbolic link" "give the path of the file it points to"
	mkfifo "$d/fifo.ini"
	_refused "$d/fifo.ini" "not a regular file" "give a regular file"
	run_erebus run "$f" --json "$T/r.json"
	assert_eq "$RC" 0 "a file only root can change: $(tail -n 3 "$T/err")"
}

# Validation is linear in the size of the file. Counted, not timed: the
# instructions `erebus validate` executes (valgrind's callgrind counts
# them, the same on any machine) for a 256 KiB file of each shape that was
# quadratic (tests/integration/big_experiment.py) are under 8 times those
# for 64 KiB (linear: about 4; quadratic: 16), and under 4000 per byte
# (they were 8500 to 20000). Without valgrind only the safety net runs: 1
# MiB of each shape validated within 20 s (it took 8.5 s to minutes).
# tests/bench/validate_size.sh measures the times.
test_validate_stays_linear() {
	local shape small big ir_small ir_big
	for shape in targets unknown hosts sections repeated duplicate; do
		python3 tests/integration/big_experiment.py "$shape" 1048576 >"$T/$shape.ini"
		RC=0
		timeout 20 "$EREBUS" validate "$T/$shape.ini" >/dev/null 2>&1 || RC=$?
		[ "$RC" != 124 ] || fail "validating 1 MiB of $shape took more than 20 s"
	done
	command -v valgrind >/dev/null || skip "valgrind is not installed: only the 20 s safety net ran"
	! grep -qa __asan_init "$EREBUS" ||
		skip "this erebus is built with AddressSanitizer, which valgrind cannot run: only the 20 s safety net ran"
	_instructions() {
		valgrind --tool=callgrind --callgrind-out-file=/dev/null "$EREBUS" validate "$1" 2>&1 >/dev/null |
			sed -n 's/.*Collected : *//p'
	}
	# duplicate is left out of the count: its check of each pair of faults
	# on one interface is cheap but quadratic (0.25 s at 1 MiB)
	for shape in targets unknown hosts sections repeated; do
		small=$T/$shape-64k.ini big=$T/$shape-256k.ini
		python3 tests/integration/big_experiment.py "$shape" 65536 >"$small"
		python3 tests/integration/big_experiment.py "$shape" 262144 >"$big"
		ir_small=$(_instructions "$small")
		ir_big=$(_instructions "$big")
		[ -n "$ir_small" ] && [ -n "$ir_big" ] || fail "callgrind counted nothing for $shape"
		echo "$shape: $ir_small instructions for 64 KiB, $ir_big for 256 KiB"
		[ $((ir_big)) -lt $((8 * ir_small)) ] ||
			fail "$shape: $ir_big instructions for 256 KiB, $ir_small for 64 KiB: not linear"
		[ $((ir_big)) -lt $((4000 * $(stat -c %s "$big"))) ] ||
			fail "$shape: $ir_big instructions for $(stat -c %s "$big") bytes"
	done
}

# A network fault's interface that does not exist is named with its file
# and line: by validate when the target names a network namespace, by
# plan when a process the target matches now is in it, and by the run
# when the namespace is the run's own (a sandbox host): exit 1, the
# fault's error in the report. It was found only when the fault fired,
# without the line.
test_missing_interface_is_named_with_its_line() {
	[ "$(id -u)" = 0 ] || skip "network namespaces need root"
	command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
	local ns=eb-if-$$ sleeper
	ip netns add "$ns" || fail "ip netns add $ns"
	defer ip netns del "$ns"
	_iface_ini() {	# TARGET-LINE INTERFACE
		cat <<EOF2
[experiment]
name = iface
steady_state_timeout = 2s
[sandbox]
hosts = a
[target t]
$1
[fault slow]
type = rate
target = t
interface = $2
rate = 1mbit
duration = 300ms
[probe p]
type = exec
command = true
interval = 100ms
EOF2
	}
	_iface_ini "netns = $ns" nosuch0 >"$T/x.ini"
	run_erebus validate "$T/x.ini"
	assert_eq "$RC" 2 "validate: exit code"
	grep -qxF "$T/x.ini:11: [fault slow] interface: no interface nosuch0 in network namespace $ns ([target t] netns)" \
		"$T/err" || fail "validate: $(cat "$T/err")"
	_iface_ini "netns = $ns" lo >"$T/x.ini"
	run_erebus validate "$T/x.ini"
	assert_eq "$RC" 0 "validate, lo: $(cat "$T/err")"

	spawn sleeper ip netns exec "$ns" sh -c 'echo ready; exec sleep 60'
	wait_for_line "$T/spawned.out" ready
	_iface_ini "pid = $sleeper" nosuch0 >"$T/x.ini"
	run_erebus validate "$T/x.ini"
	assert_eq "$RC" 0 "validate does not match processes: $(cat "$T/err")"
	run_erebus plan "$T/x.ini"
	assert_eq "$RC" 2 "plan: exit code"
	grep -qxF "$T/x.ini:11: [fault slow] interface: no interface nosuch0 in the network namespace of pid $sleeper (sleep), which [target t] matches now" \
		"$T/err" || fail "plan: $(cat "$T/err")"

	_iface_ini "host = a
command = sleep 30" nosuch0 >"$T/x.ini"
	run_erebus plan "$T/x.ini"
	assert_eq "$RC" 0 "plan cannot see a sandbox host's interfaces: $(cat "$T/err")"
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 1 "run: exit code ($(tail -n 3 "$T/err"))"
	assert_eq "$(json "$T/r.json" '.faults[0].error')" \
		"$T/x.ini:12: [fault slow] interface: no interface nosuch0 in the target's network namespace" "the fault's error"
}

# A partition this process cannot make is "unsupported" before anything
# runs: as a user without CAP_NET_ADMIN the kernel itself refuses
# nf_tables (EPERM), so this is the real refusal, not a stand-in. Exit 5,
# the reason says what is needed, and no ledger, no table, nothing else.
test_partition_unsupported_without_privileges() {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	[ "$(id -u)" = 0 ] || skip "needs root to drop to another user"
	chmod o+x "$T"	# mktemp -d made it 0700
	mkdir -p "$T/user" && chmod 0777 "$T/user"
	cat >"$T/user/x.ini" <<EOF2
[experiment]
name = partition-as-nobody
[target api]
netns = /proc/self/ns/net
[fault cut]
type = partition
target = api
interface = lo
destination = 127.0.0.2
duration = 1s
[probe ok]
type = exec
command = true
EOF2
	chmod 0644 "$T/user/x.ini"
	RC=0
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		env EREBUS_RUN_DIR="$T/user/run" "$EREBUS" run "$T/user/x.ini" --json "$T/user/r.json" \
		>"$T/out" 2>"$T/err" || RC=$?
	assert_eq "$RC" 5 "exit code: $(cat "$T/err")"
	grep -qF "[fault cut] type partition: partition needs root: nftables needs CAP_NET_ADMIN" "$T/err" ||
		fail "reason: $(cat "$T/err")"
	assert_eq "$(json "$T/user/r.json" .verdict)" unsupported "verdict"
	assert_eq "$(json "$T/user/r.json" '.faults[0].applied_at_ms')" null "nothing applied"
	[ -z "$(ls -A "$T/user/run" 2>/dev/null | grep -vx run.lock)" ] || fail "a ledger was left: $(ls -A "$T/user/run")"
}
