#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TAP test of the command line's help, exit statuses and documentation:
# walks every command and subcommand listed by `pvf --help` (recursing into
# each "commands:" list) and checks that `pvf help X` equals `pvf X --help`,
# that X has a section in docs/cli.md and in the generated man page, that a
# command states its exit statuses and answers an unknown option with status
# 2 and nothing on stdout, and the top level's usage errors and --version.
#
# usage: test-cli-docs.sh PVF CLI.md PVF.1 VERSION
set -u
if [ $# -ne 4 ]; then
	echo "usage: $0 PVF CLI.md PVF.1 VERSION" >&2
	exit 2
fi
pvf=$1 doc=$2 man=$3 version=$4
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pvf-cli-docs-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -s "$tmp/why" ] && sed 's/^/# /' "$tmp/why"
		failed=$((failed + 1))
	fi
	: >"$tmp/why"
}
# run WANT_EXIT CMD...: stdout in $tmp/stdout, stderr in $tmp/stderr;
# returns 0 when CMD exited WANT_EXIT.
run() {
	want=$1
	shift
	"$@" >"$tmp/stdout" 2>"$tmp/stderr"
	got=$?
	{ echo "\$ $* -> exit $got (wanted $want)"; cat "$tmp/stdout" "$tmp/stderr"; } >"$tmp/why"
	[ "$got" -eq "$want" ]
}
# commands HELP_FILE: the names in its "commands:" list
commands() {
	sed -n '/^commands:$/,/^$/s/^  \([a-z][a-z0-9-]*\)  .*/\1/p' "$1"
}
: >"$tmp/why"

# ---- the top level ------------------------------------------------------------
run 0 "$pvf" --help && grep -q '^usage: pvf COMMAND' "$tmp/stdout" && [ ! -s "$tmp/stderr" ]
result $? "pvf --help: usage on stdout, exit 0"
cp "$tmp/stdout" "$tmp/top"
run 0 "$pvf" help && cmp -s "$tmp/stdout" "$tmp/top"
result $? "pvf help = pvf --help"
run 0 "$pvf" --version && [ "$(cat "$tmp/stdout")" = "pvf $version" ]
result $? "pvf --version prints 'pvf $version'"
run 0 "$pvf" -V && [ "$(cat "$tmp/stdout")" = "pvf $version" ]
result $? "pvf -V prints 'pvf $version'"
run 2 "$pvf" && [ ! -s "$tmp/stdout" ] && grep -q 'missing command' "$tmp/stderr" &&
	grep -q '^commands:' "$tmp/stderr"
result $? "pvf without a command: the commands on stderr, exit 2"
run 2 "$pvf" no-such-command && [ ! -s "$tmp/stdout" ] &&
	grep -q 'unknown command `no-such-command`' "$tmp/stderr" &&
	grep -q 'Run `pvf --help`' "$tmp/stderr"
result $? "unknown command: says so and what to run, exit 2"
run 2 "$pvf" --no-such-option && grep -q 'unknown option `--no-such-option`' "$tmp/stderr"
result $? "unknown top-level option: exit 2"
run 2 "$pvf" help no-such-command && grep -q 'no command `no-such-command`' "$tmp/stderr"
result $? "pvf help of an unknown command: exit 2"
# a typo gets a suggestion: drop the second letter of the first command
first=$(commands "$tmp/top" | head -n 1)
typo=$(echo "$first" | sed 's/^\(.\)./\1/')
run 2 "$pvf" "$typo" && grep -q "did you mean \`$first\`" "$tmp/stderr"
result $? "typo '$typo' suggests '$first'"
grep -q '^exit status' "$tmp/top"
result $? "pvf --help lists the exit statuses"
for s in 0 1 2 3; do
	grep -q "^  $s  " "$tmp/top" && grep -q "^| $s | " "$doc"
	result $? "exit status $s in pvf --help and in docs/cli.md"
done

# ---- every command and subcommand ---------------------------------------------------
# walk PREFIX HELP_FILE: checks each command listed in HELP_FILE (as
# "PREFIX NAME") and recurses into the groups.
walk() {
	for c in $(commands "$2"); do
		path="${1:+$1 }$c"
		# shellcheck disable=SC2086
		run 0 "$pvf" help $path && grep -q "^usage: pvf $path" "$tmp/stdout"
		result $? "pvf help $path: usage on stdout, exit 0"
		help=$tmp/help-$(echo "$path" | tr ' ' '-')
		cp "$tmp/stdout" "$help"
		# shellcheck disable=SC2086
		run 0 "$pvf" $path --help && cmp -s "$tmp/stdout" "$help"
		result $? "pvf $path --help = pvf help $path"
		grep -qF "### \`pvf $path\`" "$doc"
		rc=$?
		[ $rc -eq 0 ] ||
			echo "add a section \"### \`pvf $path\`\" to docs/cli.md" >"$tmp/why"
		result $rc "docs/cli.md has a section for pvf $path"
		grep -qF ".SS \"pvf $(echo "$path" | sed 's/-/\\-/g')\"" "$man"
		result $? "the man page has a section for pvf $path"
		if grep -q '^commands:$' "$help"; then
			# shellcheck disable=SC2086
			run 2 "$pvf" $path && [ ! -s "$tmp/stdout" ]
			result $? "pvf $path without a subcommand: exit 2"
			# shellcheck disable=SC2086
			run 2 "$pvf" $path no-such-command &&
				grep -q "Run \`pvf $path --help\`" "$tmp/stderr"
			result $? "pvf $path no-such-command: says what to run, exit 2"
			walk "$path" "$help"
		else
			grep -q '^exit status: .*0.*' "$help"
			result $? "pvf $path --help states the exit statuses"
			# shellcheck disable=SC2086
			run 2 "$pvf" $path --no-such-option && [ ! -s "$tmp/stdout" ] &&
				[ -s "$tmp/stderr" ]
			result $? "pvf $path --no-such-option: message on stderr only, exit 2"
		fi
	done
}
walk "" "$tmp/top"

echo "1..$n"
[ $failed -eq 0 ]
