#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The VM tier, for `make check-vm` and tests/run-all.sh: boots Debian's
# stock kernel with tests/vm/run and runs, inside it and unchanged, the
# network integration tests through tests/integration/run.sh, after the
# VM's own checks (tests/vm/test_vm.sh). Ends with one line,
# "vm: N passed, N failed, N skipped"; a host that cannot run the VM skips
# the tier (one skip) with the reason.
# Usage: BUILD=DIR tests/vm/check.sh
# EREBUS_VM_TIMEOUT bounds the VM (seconds, default 1800).
set -u
: "${BUILD:?set BUILD to the build directory}"
BUILD=$(cd "$BUILD" && pwd -P)
top=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$top" || exit 2

summary() {
	echo "vm: $1 passed, $2 failed, $3 skipped"
	[ "$2" = 0 ]
}

if [ "${EREBUS_VM:-1}" = 0 ]; then
	echo "skip vm tier: EREBUS_VM=0 (make asan leaves it to make check: it runs the same tests, 6 minutes under TCG)"
	summary 0 0 1
	exit
fi

files=(tests/vm/test_vm.sh)
for f in tests/integration/test_shaping.sh tests/integration/test_partition.sh; do
	if [ -f "$f" ]; then files+=("$f"); else echo "vm: $f does not exist yet; not run"; fi
done

start=$SECONDS
prep=$(tests/vm/run --prepare 2>&1)
rc=$?
if [ "$rc" = 77 ]; then
	echo "skip vm tier: $(echo "$prep" | sed -n 's/^vm: cannot run here: //p' | tail -n 1)"
	summary 0 0 1
	exit
elif [ "$rc" != 0 ]; then
	echo "$prep"
	echo "FAIL vm tier: tests/vm/run --prepare failed (exit $rc)"
	summary 0 1 0
	exit
fi
echo "$prep" | grep -v '^vm: ready' || true
echo "$prep" | grep '^vm: ready'

# A file the guest writes (test_vm_writes_stay_in_guest), which must not
# reach the host.
probe=$BUILD/.vm-overlay-probe.$$
rm -f "$probe"
out=$(mktemp)
trap 'rm -f "$out" "$probe"' EXIT
tests/vm/run -t "${EREBUS_VM_TIMEOUT:-1800}" -e BUILD="$BUILD" -e EREBUS_VM_PROBE="$probe" -- \
	tests/integration/run.sh "${files[@]}" | tee "$out"
rc=${PIPESTATUS[0]}
line=$(grep -E '^integration: [0-9]+ passed' "$out" | tail -n 1)
pass=$(echo "$line" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')
fail=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
skip=$(echo "$line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')
if [ -z "$line" ]; then
	echo "FAIL vm tier: the guest ran no test to its end (tests/vm/run exit $rc)"
	pass=0 fail=1 skip=0
fi
if [ -e "$probe" ]; then
	echo "FAIL vm:host-untouched: the guest's write to $probe reached the host"
	fail=$((fail + 1))
else
	pass=$((pass + 1))
	printf 'ok   %-60s\n' "vm:host-untouched (the guest's writes stayed in its overlay)"
fi
echo "vm: the tier took $((SECONDS - start)) s (boot included)"
summary "$pass" "$fail" "$skip"
