# SPDX-License-Identifier: MIT
# The docs keep up with the binary: every fault and probe type that
# `erebus faults` lists has its page, every key it prints is documented
# (as `key`, in backticks), and every exit code is in exit-codes.md and
# the man page. Needs no privileges; runs from the top of the tree.

DOCS=docs

# `erebus faults` as "KIND TYPE KEY" lines, one per key:
#   fault - at          (a key common to every fault)
#   fault kill signal   (a key of one fault type)
#   probe http url, target - pid, experiment - name
# and "KIND TYPE -" for a type with no keys of its own.
_doc_keys() {
	"$EREBUS" faults | awk '
		/^Fault types/        { kind = "fault"; type = "-"; next }
		/^Probe types/        { kind = "probe"; type = "-"; next }
		/^\[target NAME\]/    { kind = "target"; type = "-"; next }
		/^\[experiment\]/     { kind = "experiment"; type = "-"; next }
		/^  [^ ]/             { type = $1; print kind, type, "-"; next }
		/^    [^ ]/           { print kind, type, $1; next }
	'
}

_doc_types() {	# KIND: the types `erebus faults` lists for it
	_doc_keys | awk -v k="$1" '$1 == k && $2 != "-" { print $2 }' | sort -u
}

test_faults_output_parses() {
	local out
	out=$(_doc_keys)
	[ -n "$(_doc_types fault)" ] || fail "no fault types parsed from 'erebus faults'"
	[ -n "$(_doc_types probe)" ] || fail "no probe types parsed from 'erebus faults'"
	grep -q '^target - ' <<<"$out" || fail "no [target NAME] keys parsed from 'erebus faults'"
	grep -q '^experiment - name$' <<<"$out" || fail "no [experiment] keys parsed from 'erebus faults'"
}

test_every_type_has_a_page() {
	local t missing=()
	for t in $(_doc_types fault); do
		[ -s "$DOCS/faults/$t.md" ] || missing+=("$DOCS/faults/$t.md")
	done
	for t in $(_doc_types probe); do
		[ -s "$DOCS/probes/$t.md" ] || missing+=("$DOCS/probes/$t.md")
	done
	[ ${#missing[@]} -eq 0 ] || fail "missing pages: ${missing[*]}"
}

test_every_key_is_documented() {
	local kind type key page missing=()
	while read -r kind type key; do
		[ "$key" = - ] && continue
		# In the format reference, or on the page of its own type.
		grep -qF "\`$key\`" "$DOCS/experiment-format.md" && continue
		case $kind in
		fault | probe)
			page="$DOCS/${kind}s/$type.md"
			[ "$type" != - ] && [ -f "$page" ] && grep -qF "\`$key\`" "$page" && continue
			;;
		esac
		if [ "$type" = - ]; then missing+=("$kind:$key"); else missing+=("$kind $type:$key"); fi
	done < <(_doc_keys)
	[ ${#missing[@]} -eq 0 ] ||
		fail "keys printed by 'erebus faults' but not documented as \`key\`: ${missing[*]}"
}

# Stricter: each key has its own row in the options table where it
# belongs: common keys in experiment-format.md, a type's own keys on the
# type's page ("| `key` | type | default | ...").
test_every_key_has_a_table_row() {
	local kind type key page bt='`' missing=()
	while read -r kind type key; do
		[ "$key" = - ] && continue
		page="$DOCS/experiment-format.md"
		[ "$type" != - ] && page="$DOCS/${kind}s/$type.md"
		grep -qE "^\| *$bt$key$bt *\|" "$page" 2>/dev/null || missing+=("$page:$key")
	done < <(_doc_keys)
	[ ${#missing[@]} -eq 0 ] || fail "keys without a row in their options table: ${missing[*]}"
}

test_every_type_is_in_the_index() {
	local t missing=()
	for t in $(_doc_types fault); do
		grep -qF "(faults/$t.md)" "$DOCS/README.md" || missing+=("faults/$t.md")
	done
	for t in $(_doc_types probe); do
		grep -qF "(probes/$t.md)" "$DOCS/README.md" || missing+=("probes/$t.md")
	done
	[ ${#missing[@]} -eq 0 ] || fail "not linked from $DOCS/README.md: ${missing[*]}"
}

# The exit codes: 0-5, and any the binary's help names.
_doc_exit_codes() {
	{
		seq 0 5
		"$EREBUS" help | tr '\n' ' ' | sed -n 's/.*Exit codes: //p' |
			grep -oE '(^|[ ,])[0-9]+ [a-z]' | grep -oE '[0-9]+'
	} | sort -un
}

test_every_exit_code_is_documented() {
	local c section missing=()
	# exit-codes.md: a table row "| N | ...".
	for c in $(_doc_exit_codes); do
		grep -qE "^\| *\`?$c\`? *\|" "$DOCS/exit-codes.md" || missing+=("exit-codes.md:$c")
	done
	# erebus.1: ".TP" then ".B N" inside the EXIT STATUS section.
	section=$(awk '/^\.SH/ { on = ($0 ~ /EXIT STATUS/) } on' "$DOCS/erebus.1")
	[ -n "$section" ] || fail "$DOCS/erebus.1 has no EXIT STATUS section"
	for c in $(_doc_exit_codes); do
		grep -A1 -x '\.TP' <<<"$section" | grep -qx "\.B $c" || missing+=("erebus.1:$c")
	done
	[ ${#missing[@]} -eq 0 ] || fail "exit codes not documented: ${missing[*]}"
}

test_man_page_renders_cleanly() {
	command -v groff >/dev/null || skip "groff is not installed"
	local warnings
	warnings=$(groff -man -Tutf8 -ww "$DOCS/erebus.1" 2>&1 >/dev/null)
	[ -z "$warnings" ] || fail "groff warnings in $DOCS/erebus.1: $warnings"
}

# Every relative link between the pages points at a file that exists.
test_doc_links_resolve() {
	local f link target missing=()
	for f in "$DOCS"/*.md "$DOCS"/*/*.md; do
		while read -r link; do
			target=${link%%#*}
			case $target in
			'' | http://* | https://* | mailto:*) continue ;;
			esac
			# performance.md is written separately; drop this once it exists.
			[ "$(basename "$target")" = performance.md ] && continue
			[ -e "$(dirname "$f")/$target" ] || missing+=("$f -> $link")
		done < <(grep -oE '\]\([^)]+\)' "$f" | sed 's/^](//; s/)$//')
	done
	[ ${#missing[@]} -eq 0 ] || fail "broken links: ${missing[*]}"
}
