# SPDX-License-Identifier: MIT
# One unit test per message the experiment parser can produce
# (docs/testing.md): scripts/messages.py reads every message format of the
# model, of the faults' and probes' check hooks and of the option values,
# and names each one no string literal of tests/unit/*.c asserts as a whole
# `NAME:LINE: [section] key: message` line. Needs no privileges; runs from
# the top of the tree.

MESSAGES=scripts/messages.py

test_every_parser_message_has_a_unit_test() {
	/usr/bin/python3 "$MESSAGES" >"$T/out" 2>"$T/err" || { cat "$T/out" "$T/err" >&2; fail "messages without a unit test above"; }
	grep -qE '^messages: [0-9]+ messages, ([0-9]+) asserted by a unit test, 0 not; 0 unreadable$' "$T/err" ||
		fail "no summary: $(cat "$T/err")"
	# It found messages from every place it reads (a parse that silently
	# stopped finding some would otherwise pass).
	/usr/bin/python3 "$MESSAGES" --list >"$T/list" 2>/dev/null
	local where
	for where in src/model/check.c src/model/experiment.c src/base/options.c faults/rate.c \
		faults/delay.c src/probes/http.c src/net/netfault.c; do
		grep -q " $where:[0-9]*: " "$T/list" || fail "no message found in $where"
	done
}

# Run the checker on ROOT; exit code in RC, output in $T/out and $T/err.
_messages_run() {
	RC=0
	/usr/bin/python3 "$MESSAGES" --root "$1" >"$T/out" 2>"$T/err" || RC=$?
}

# A copy of the sources and unit tests, for the checker to read with --root.
_messages_tree() {
	mkdir -p "$T/tree/tests"
	cp -r src faults "$T/tree/"
	cp -r tests/unit "$T/tree/tests/"
}

# The checker must go red: a planted message no test asserts is named with
# its file, line and key, through diag_error() itself, through a friend
# (model_unknown_name's literal filled in) and through opt_parse()'s relay.
test_messages_checker_sees_a_planted_message() {
	_messages_tree
	_messages_run "$T/tree"
	assert_eq "$RC" 0 "exit code on the untouched copy ($(cat "$T/out"))"
	sed -i 's|^\(\tif (sig == SIGCONT)\)$|\tdiag_error(d, v->line, f->sec->label, "signal", "%s is planted, %d times", v->raw, 2);\n&|' \
		"$T/tree/faults/kill.c"
	sed -i 's|model_unknown_name(d, line, s->label, "type", "probe type"|model_unknown_name(d, line, s->label, "type", "planted kind"|' \
		"$T/tree/src/model/experiment.c"
	sed -i 's|msg = xasprintf("\\"%s\\" is not yes or no", text);|msg = xasprintf("\\"%s\\" is not a planted yes or no", text);|' \
		"$T/tree/src/base/options.c"
	grep -q 'is planted' "$T/tree/faults/kill.c" || fail "planting in kill.c did not apply"
	grep -q 'planted kind' "$T/tree/src/model/experiment.c" || fail "planting in experiment.c did not apply"
	grep -q 'a planted yes' "$T/tree/src/base/options.c" || fail "planting in options.c did not apply"
	_messages_run "$T/tree"
	assert_eq "$RC" 1 "exit code with messages lacking a test"
	grep -qx 'no unit test asserts: faults/kill.c:23: signal: "%s is planted, %d times"' "$T/out" ||
		fail "planted diag_error not named: $(cat "$T/out")"
	grep -qx 'no unit test asserts: src/model/experiment.c:[0-9]*: type: "unknown planted kind "%s"; known: %s"' "$T/out" ||
		fail "planted friend message not named: $(cat "$T/out")"
	grep -qx 'no unit test asserts: src/base/options.c:[0-9]*: ""%s" is not a planted yes or no"' "$T/out" ||
		fail "planted option message not named: $(cat "$T/out")"
	# The option message was asserted before; its old test no longer counts.
	grep -qE '^messages: [0-9]+ messages, [0-9]+ asserted by a unit test, 4 not; 0 unreadable$' "$T/err" ||
		fail "expected 4 messages without a test: $(cat "$T/err")"
	# A test asserting the planted message turns it green again.
	printf 'static const char planted[] = "x.ini:8: [fault k] signal: "\n\t"SIGFOO is planted, 2 times";\n' \
		>>"$T/tree/tests/unit/test_experiment.c"
	_messages_run "$T/tree"
	grep -q 'is planted' "$T/out" && fail "a literal split over two lines does not count: $(cat "$T/out")"
	true
}

# A format the checker cannot read is a finding, not a silent pass.
test_messages_checker_refuses_what_it_cannot_read() {
	_messages_tree
	sed -i 's|^\(\tif (sig == SIGCONT)\)$|\tdiag_error(d, v->line, f->sec->label, "signal", v->raw);\n&|' "$T/tree/faults/kill.c"
	_messages_run "$T/tree"
	assert_eq "$RC" 1 "exit code with an unreadable format"
	grep -qx 'faults/kill.c:23: the format of this diag_error() is not a string literal' "$T/out" ||
		fail "unreadable format not named: $(cat "$T/out")"
	# And a tree with no sources at all is an error of its own.
	mkdir "$T/empty"
	_messages_run "$T/empty"
	assert_eq "$RC" 2 "exit code with no message found"
}
