#!/bin/sh
# `pvf security-check` (TAP): lists every layer, exits 1 when a required
# layer is broken (test-only option), and exits 0 on a machine that can run
# the sandbox: seccomp present and user namespaces usable (change-root then
# covers the Landlock-or-change-root requirement). Otherwise skips (77),
# naming what the machine lacks.
set -u
pvf=$1
n=0
fail=0
t() { # t COND-EXIT-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi
}

if ! grep -q '^Seccomp:' /proc/self/status; then
	echo "1..0 # SKIP seccomp: no Seccomp line in /proc/self/status"; exit 77
fi
if ! unshare -Ur true 2>/dev/null; then
	echo "1..0 # SKIP user namespaces: unshare -Ur true fails"; exit 77
fi

out=$("$pvf" security-check); rc=$?
echo "$out" | sed 's/^/# /'
t $rc "security-check exits 0 on this machine"
for l in user-namespace change-root net-namespace ipc-namespace no-new-privs rlimits \
	close-fds clear-env landlock landlock-net seccomp secure-clone; do
	echo "$out" | grep -Eq "^  $l +(works|MISSING)"; t $? "lists $l"
done
echo "$out" | grep -q '^secure validator mode: possible'; t $? "says secure mode is possible"

out=$("$pvf" security-check --test-break seccomp); rc=$?
[ $rc -eq 1 ]; t $? "seccomp broken: exit 1 (got $rc)"
echo "$out" | grep -Eq '^  seccomp +MISSING +required'; t $? "seccomp broken: listed MISSING"
echo "$out" | grep -q 'NOT possible: seccomp'; t $? "seccomp broken: names seccomp"

out=$("$pvf" security-check --test-break landlock); rc=$?
[ $rc -eq 0 ]; t $? "landlock broken, change-root works: exit 0 (got $rc)"

out=$("$pvf" security-check --test-break landlock,change-root); rc=$?
[ $rc -eq 1 ]; t $? "landlock and change-root broken: exit 1 (got $rc)"

out=$("$pvf" security-check --json --test-break seccomp); rc=$?
[ $rc -eq 1 ]; t $? "--json, seccomp broken: exit 1 (got $rc)"
echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
bad = [l["name"] for l in d["layers"] if not l["works"]]
assert len(d["layers"]) == 12 and bad == ["seccomp"], bad
assert d["secure_validator_mode_possible"] is False and "seccomp" in d["why"]
'; t $? "--json: 12 layers, only seccomp missing, secure mode not possible"

"$pvf" security-check --no-such-option >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ]; t $? "bad option: exit 2 (got $rc)"

echo "1..$n"
exit $fail
