#!/bin/sh
# SPDX-License-Identifier: MIT
# Every test tier, for `make check` and `make asan`: unit (no privileges),
# then integration (root: real processes and servers), then the VM tier
# (tests/vm: the network tests on Debian's stock kernel). Prints one summary
# line at the end, "N passed, N failed, N skipped", after a line naming
# every skipped test. EREBUS_REQUIRE_VM=1 (as in CI) makes a VM tier that
# could not run a failure, not a skip: without it the netem faults meet no
# kernel at all.
# Usage: tests/run-all.sh BUILD_DIR
set -u
BUILD=$(cd "${1:-build}" && pwd)
export BUILD
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2

units=$(ls "$BUILD"/tests/test_* 2>/dev/null)
unit_out=$(mktemp)
# shellcheck disable=SC2086
tests/run-unit.sh $units | tee "$unit_out"
u_pass=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$unit_out")
u_fail=$(sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$unit_out")
u_skip=$(sed -n 's/^unit: .* \([0-9]*\) skipped$/\1/p' "$unit_out")
skipped=$(sed -n 's/^unit: skipped: *//p' "$unit_out")
rm -f "$unit_out"

int_out=$(mktemp)
tests/integration/run.sh | tee "$int_out"
i_line=$(grep -E '^integration: [0-9]+ passed' "$int_out" | tail -n 1)
skipped="$skipped $(grep -E '^skip ' "$int_out" | awk '{print $2}' | tr '\n' ' ')"
rm -f "$int_out"
i_pass=$(echo "$i_line" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')
i_fail=$(echo "$i_line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
i_skip=$(echo "$i_line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')

# VM tier: the network tests again, inside qemu on Debian's stock kernel
# (netem and every qdisc); skips with its reason where qemu cannot run.
vm_out=$(mktemp)
tests/vm/check.sh | tee "$vm_out"
v_line=$(grep -E '^vm: [0-9]+ passed' "$vm_out" | tail -n 1)
skipped="$skipped $(grep -E '^skip ' "$vm_out" | grep -v '^skip vm tier' | awk '{print "vm:" $2}' | tr '\n' ' ')"
vm_whole=$(grep -E '^skip vm tier' "$vm_out" | head -n 1)
[ -n "$vm_whole" ] && skipped="$skipped the-vm-tier"
rm -f "$vm_out"
v_pass=$(echo "$v_line" | sed -n 's/.* \([0-9]*\) passed.*/\1/p')
v_fail=$(echo "$v_line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
v_skip=$(echo "$v_line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')

pass=$(( ${u_pass:-0} + ${i_pass:-0} + ${v_pass:-0} ))
fail=$(( ${u_fail:-1} + ${i_fail:-1} + ${v_fail:-1} ))
skip=$(( ${u_skip:-0} + ${i_skip:-0} + ${v_skip:-0} ))
if [ -n "$vm_whole" ] && [ "${EREBUS_REQUIRE_VM:-0}" = 1 ] && [ "${EREBUS_VM:-1}" != 0 ]; then
	echo "FAIL vm tier required (EREBUS_REQUIRE_VM=1) but it did not run: $vm_whole"
	fail=$((fail + 1)) skip=$((skip - 1))
fi
echo
skipped=$(echo "$skipped" | xargs)
[ -n "$skipped" ] && echo "skipped: $skipped"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
