# SPDX-License-Identifier: MIT
# Picking a target `within` a launched command: the command's process tree
# is walked through the kernel's children lists (every thread's), so its
# descendants at any depth are found, whichever thread started them, and
# nothing outside the tree is, even with the same name.

test_within_picks_the_whole_tree_and_nothing_else() {
	command -v python3 >/dev/null || skip "python3 is not installed"
	local outside
	spawn outside sleep 61
	# sh -> (sh -> sleep 61, sleep 61), sleep 61, and python3 whose second
	# thread starts one more sleep 61 and stays alive.
	cat >"$T/tree.py" <<'EOF2'
import subprocess, threading
ready, done = threading.Event(), threading.Event()
def start():
    subprocess.Popen(["sleep", "61"])
    ready.set()
    done.wait()
t = threading.Thread(target=start)
t.start()
ready.wait()
print("started", flush=True)
done.wait()
EOF2
	cat >"$T/x.ini" <<EOF2
[experiment]
name = pick-tree
seed = 1
[target pool]
command = /bin/sh -c '/bin/sh -c "sleep 61 & sleep 61 & wait" & sleep 61 & python3 $T/tree.py & wait'
[target sleepers]
within = pool
process = sleep
pick = all
[fault poke]
type = kill
target = sleepers
signal = SIGWINCH
at = 100ms
[probe four]
type = process
target = sleepers
min_count = 4
interval = 100ms
healthy_after = 1
EOF2
	run_erebus run -q "$T/x.ini" --json "$T/r.json"
	assert_eq "$RC" 0 "exit code: $(cat "$T/err")"
	assert_eq "$(json "$T/r.json" '.faults[0].targets | length')" 4 \
		"sleeps signalled (two grandchildren, a child, one started by a second thread)"
	assert_eq "$(json "$T/r.json" "[.faults[0].targets[] | select(.pid == $outside)] | length")" 0 \
		"the sleep outside the tree"
}
