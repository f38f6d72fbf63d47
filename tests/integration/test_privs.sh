# SPDX-License-Identifier: MIT
# Least privilege: launched commands and exec probes run as their `user`
# (default: who ran sudo, else Erebus' own) with no capabilities; after
# setup the engine keeps only the capabilities its faults and probes need,
# the guardian only those replay needs (docs/safety.md).

# A script that writes who runs it, from its own /proc/self/status, to
# $T/o/NAME as one line: "uid=U gid=G groups=... prm=... eff=... inh=...
# amb=...", then runs the rest of its arguments. In a directory every user
# may write ($T is root's and 0700: others may only pass through it).
_outdir() {
	chmod 711 "$T"
	mkdir -p "$T/o"
	chmod 1777 "$T/o"
	cat >"$T/who.sh" <<'EOF2'
n=$1; shift
awk '/^Uid:/{u=$2} /^Gid:/{g=$2} /^Groups:/{$1=""; gr=$0} /^CapPrm:/{p=$2} /^CapEff:/{e=$2}
     /^CapInh:/{i=$2} /^CapAmb:/{a=$2}
     END{printf "uid=%s gid=%s groups=%s prm=%s eff=%s inh=%s amb=%s\n", u, g, gr, p, e, i, a}' \
	/proc/self/status >"$(dirname "$0")/o/$n.tmp" && mv "$(dirname "$0")/o/$n.tmp" "$(dirname "$0")/o/$n"
[ $# -eq 0 ] || exec "$@"
EOF2
	chmod 755 "$T/who.sh"
}
NOCAPS="prm=0000000000000000 eff=0000000000000000 inh=0000000000000000 amb=0000000000000000"

# An experiment: a launched command and an exec probe that each write who
# they are to $T/o, the command then sleeping under a pause. $1: extra
# line for the target, $2: for the probe (a `user =` or nothing).
_who_ini() {
	cat <<EOF2
[experiment]
name = privs
hold = 0s
[target svc]
command = $T/who.sh launched sleep 1000
$1
[fault pause]
type = pause
target = svc
duration = 300ms
[probe who]
type = exec
command = $T/who.sh probe
interval = 100ms
$2
EOF2
}

_run_who() {
	_outdir
	_who_ini "$1" "$2" >"$T/x.ini"
	run_erebus run "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code: $(tail -n 5 "$T/err")"
}

test_user_nobody_runs_without_capabilities() {
	_run_who "user = nobody" "user = nobody"
	local nogroup
	nogroup=$(id -g nobody)
	assert_eq "$(cat "$T/o/launched")" "uid=65534 gid=$nogroup groups= $(id -G nobody) $NOCAPS" "launched command"
	assert_eq "$(cat "$T/o/probe")" "uid=65534 gid=$nogroup groups= $(id -G nobody) $NOCAPS" "exec probe"
}

# Without `user =`, through sudo: the user who ran sudo (SUDO_UID, SUDO_GID).
test_default_user_is_who_ran_sudo() {
	export SUDO_UID=65534 SUDO_GID
	SUDO_GID=$(id -g nobody)
	_run_who "" ""
	assert_eq "$(cut -d' ' -f1-2 "$T/o/launched")" "uid=65534 gid=$(id -g nobody)" "launched command"
	assert_eq "$(cut -d' ' -f1-2 "$T/o/probe")" "uid=65534 gid=$(id -g nobody)" "exec probe"
	case "$(cat "$T/o/probe")" in *"$NOCAPS") ;; *) fail "exec probe: $(cat "$T/o/probe")" ;; esac
}

# Without `user =` and without sudo, root's commands run as root: root's
# capabilities from execve(), as any root process, but nothing inherited
# from Erebus, even when Erebus itself has inheritable and ambient
# capabilities (given here with setpriv).
test_root_commands_inherit_nothing() {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	_outdir
	_who_ini "" "" >"$T/x.ini"
	RC=0
	setpriv --inh-caps=+net_raw --ambient-caps=+net_raw "$EREBUS" run "$T/x.ini" --json "$T/r.json" \
		>"$T/out" 2>"$T/err" || RC=$?
	assert_eq "$RC" 0 "exit code: $(tail -n 5 "$T/err")"
	local f
	for f in launched probe; do
		assert_eq "$(cut -d' ' -f1-2 "$T/o/$f")" "uid=0 gid=0" "$f: user"
		case "$(cat "$T/o/$f")" in
		*" inh=0000000000000000 amb=0000000000000000") ;;
		*) fail "$f: $(cat "$T/o/$f")" ;;
		esac
	done
}

# No no_new_privs and the bounding set left alone: a program with a file
# capability (Debian's ping, cap_net_raw) still works from a probe.
test_file_capabilities_still_work() {
	local ping
	ping=$(command -v ping) || skip "ping is not installed"
	getcap "$ping" 2>/dev/null | grep -q cap_net_raw || skip "$ping has no file capability here"
	cat >"$T/x.ini" <<EOF2
[experiment]
name = privs-ping
hold = 0s
[probe ping]
type = exec
command = $ping -c1 -W1 127.0.0.1
user = nobody
interval = 300ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/r.json" --samples
	assert_eq "$RC" 0 "ping from a probe: $(json "$T/r.json" '.probes[0].samples[0].message')"
}

# /proc/PID/status CapPrm, CapEff, CapInh, CapBnd as "prm eff inh bnd".
_caps_of() {
	awk '/^CapPrm:/{p=$2} /^CapEff:/{e=$2} /^CapInh:/{i=$2} /^CapBnd:/{b=$2} END{print p, e, i, b}' \
		"/proc/$1/status"
}

# While a pause is held, the engine has CAP_KILL and nothing else, in its
# bounding set too (no exec probe will start commands); its guardian the
# four capabilities a replay may need.
test_engine_keeps_only_what_the_faults_need() {
	"$BURNER" >/dev/null &
	local victim=$!
	defer _kill_later "$victim"
	cat >"$T/x.ini" <<EOF2
[experiment]
name = privs-engine
[target busy]
pid = $victim
[fault pause]
type = pause
target = busy
duration = 60s
[probe alive]
type = process
target = busy
interval = 100ms
EOF2
	"$EREBUS" run "$T/x.ini" --json "$T/r.json" 2>"$T/err" &
	ERB=$!
	defer kill -KILL "$ERB"
	wait_for_line "$T/err" "fault.applied" 10
	# CAP_KILL is bit 5: 0x20.
	assert_eq "$(_caps_of "$ERB")" "0000000000000020 0000000000000020 0000000000000000 0000000000000020" \
		"engine's capabilities (permitted, effective, inheritable, bounding)"
	local g
	g=$(pgrep -P "$ERB" -x erebus-guard)
	# CAP_KILL, CAP_NET_ADMIN (12), CAP_SYS_PTRACE (19), CAP_SYS_ADMIN (21).
	assert_eq "$(_caps_of "$g")" "0000000000281020 0000000000281020 0000000000000000 0000000000281020" \
		"guardian's capabilities"
	stop_run
	assert_eq "$RC" 3 "exit code after SIGINT"
	assert_eq "$(proc_state "$victim")" R "target running again"
	json "$T/r.json" '.events[] | select(.kind == "privileges") | .detail' | grep -qx "kept CAP_KILL; dropped every other capability" ||
		fail "privileges event: $(json "$T/r.json" '[.events[] | select(.kind == "privileges")]')"
	# erebus plan says the same beforehand.
	run_erebus plan "$T/x.ini"
	grep -qx "privileges: after setup, a run as root keeps CAP_KILL and drops every other capability" "$T/out" ||
		fail "plan: $(tail -n 2 "$T/out")"
}

# A report asked for in a directory only its owner may write (another
# user's home, as with sudo): the engine keeps CAP_DAC_OVERRIDE for it.
test_report_into_another_users_directory() {
	mkdir "$T/home"
	chown nobody "$T/home"
	chmod 755 "$T/home"
	cat >"$T/x.ini" <<EOF2
[experiment]
name = privs-report
hold = 0s
[probe ok]
type = exec
command = true
interval = 100ms
EOF2
	run_erebus run "$T/x.ini" --json "$T/home/r.json"
	assert_eq "$RC" 0 "exit code: $(tail -n 3 "$T/err")"
	assert_eq "$(json "$T/home/r.json" .verdict)" passed "report written"
	json "$T/home/r.json" '.events[] | select(.kind == "privileges") | .detail' | grep -q CAP_DAC_OVERRIDE ||
		fail "CAP_DAC_OVERRIDE not kept"
	run_erebus run "$T/x.ini" --json "$T/r.json"
	json "$T/r.json" '.events[] | select(.kind == "privileges") | .detail' | grep -qx "dropped every capability" ||
		fail "a run that needs nothing: $(json "$T/r.json" '[.events[] | select(.kind == "privileges")]')"
}
