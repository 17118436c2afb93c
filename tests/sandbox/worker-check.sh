#!/bin/sh
# The worker programs' check mode (TAP): `pvf-prepare-worker --check-security`
# and `pvf-execute-worker --check-security` try every layer as that worker
# applies them and print one line per layer (workers/worker.h). Checks:
# the report's form; that it agrees with `pvf security-check` (the
# in-process probe of the standard policy) layer by layer; each layer broken
# with the test-only PVF_WORKER_TEST_BREAK is reported missing with a reason
# and the exit status follows the required set (pvf-host.md §5.1);
# PVF_WORKER_SANDBOX=off reports every layer missing; bad usage exits 2; the
# scratch directory is removed; a given worker dir is handed to nobody when
# run as root. Skips (77) on a machine without seccomp or user namespaces.
set -u
pvf=$1
prep=$2
exec_=$3
n=0
fail=0
t() { # t COND-EXIT-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi
}
layers="user-namespace change-root net-namespace ipc-namespace no-new-privs rlimits close-fds
clear-env landlock landlock-net seccomp secure-clone"

if ! grep -q '^Seccomp:' /proc/self/status; then
	echo "1..0 # SKIP seccomp: no Seccomp line in /proc/self/status"; exit 77
fi
if ! unshare -Ur true 2>/dev/null; then
	echo "1..0 # SKIP user namespaces: unshare -Ur true fails"; exit 77
fi
tmp=$(mktemp -d /tmp/pvf-worker-check-test-XXXXXX)
chmod 0755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp"

probe=$("$pvf" security-check)
for w in prepare execute; do
	if [ $w = prepare ]; then prog=$prep; else prog=$exec_; fi
	out=$("$prog" --check-security); rc=$?
	echo "$out" | sed "s/^/# $w: /"
	t $rc "$w: --check-security exits 0 on this machine"
	[ "$(echo "$out" | sed -n 1p)" = "pvf-worker-security-check 1" ]; t $? "$w: header line"
	echo "$out" | grep -qx "worker $w"; t $? "$w: names its kind"
	# one line per layer, in the sandbox's order
	got=$(echo "$out" | sed -n 's/^layer \([a-z-]*\) .*/\1/p' | tr '\n' ' ')
	want=$(echo $layers | tr '\n' ' ')
	[ "$got" = "$want" ]; t $? "$w: one line per layer in order ($got)"
	echo "$out" | grep -qx 'verdict secure'; t $? "$w: verdict secure"
	if [ "$(id -u)" = 0 ]; then
		echo "$out" | grep -qx 'run-as nobody'; t $? "$w: as root, runs as nobody"
	fi
	# agrees with the in-process probe, layer by layer
	agree=0
	for l in $layers; do
		a=$(echo "$out" | sed -n "s/^layer $l \([a-z]*\).*/\1/p")
		b=$(echo "$probe" | sed -n "s/^  $l *\([A-Za-z]*\).*/\1/p" | tr A-Z a-z)
		if [ "$a" != "$b" ]; then
			echo "# $w: $l: worker check says '$a', pvf security-check says '$b'"
			agree=1
		fi
	done
	t $agree "$w: every layer as pvf security-check reports it"

	# each layer broken in turn
	for l in $layers; do
		out=$(PVF_WORKER_TEST_BREAK=$l "$prog" --check-security); rc=$?
		echo "$out" | grep -Eq "^layer $l missing .{8,}"
		t $? "$w: $l broken: reported missing with a reason"
		echo "$out" | grep -qx "test-break $l"; t $? "$w: $l broken: the report says so"
		case $l in
		seccomp | no-new-privs) want_rc=1 ;;
		*) want_rc=0 ;;
		esac
		[ $rc -eq $want_rc ]; t $? "$w: $l broken: exit $want_rc (got $rc)"
	done
	out=$(PVF_WORKER_TEST_BREAK=landlock,change-root "$prog" --check-security); rc=$?
	[ $rc -eq 1 ]; t $? "$w: landlock and change-root broken: exit 1 (got $rc)"
	echo "$out" | grep -q '^verdict insecure landlock and change-root'
	t $? "$w: landlock and change-root broken: verdict names both"
	out=$(PVF_WORKER_TEST_BREAK=seccomp "$prog" --check-security)
	echo "$out" | grep -q '^layer seccomp missing .*CONFIG_SECCOMP_FILTER'
	t $? "$w: the seccomp reason names the kernel option"

	# the sandbox switched off (tests only): every layer missing
	out=$(PVF_WORKER_SANDBOX=off "$prog" --check-security); rc=$?
	[ $rc -eq 1 ] && [ "$(echo "$out" | grep -c '^layer .* missing .*PVF_WORKER_SANDBOX=off')" -eq 12 ]
	t $? "$w: PVF_WORKER_SANDBOX=off: every layer missing, exit 1 (got $rc)"

	# usage
	"$prog" "$w-worker" --check-security >/dev/null; rc=$?
	t $rc "$w: '$w-worker --check-security' works too"
	if [ $w = prepare ]; then other=execute; else other=prepare; fi
	"$prog" "$other-worker" --check-security >/dev/null 2>&1; rc=$?
	[ $rc -eq 2 ]; t $? "$w: the other kind's subcommand: exit 2 (got $rc)"
	PVF_WORKER_TEST_BREAK=no-such-layer "$prog" --check-security >/dev/null 2>&1; rc=$?
	[ $rc -eq 2 ]; t $? "$w: unknown layer in PVF_WORKER_TEST_BREAK: exit 2 (got $rc)"
	"$prog" --check-security --bogus >/dev/null 2>&1; rc=$?
	[ $rc -eq 2 ]; t $? "$w: unknown option: exit 2 (got $rc)"

	# a given worker dir: used (and, as root, given to nobody), not removed
	mkdir "$tmp/dir-$w"
	out=$("$prog" --check-security --worker-dir-path "$tmp/dir-$w"); rc=$?
	[ $rc -eq 0 ] && [ -d "$tmp/dir-$w" ]; t $? "$w: --worker-dir-path: checked, dir kept"
	if [ "$(id -u)" = 0 ]; then
		[ "$(stat -c %u "$tmp/dir-$w")" = 65534 ]; t $? "$w: the dir was given to nobody"
	fi
	out=$("$prog" --check-security --worker-dir-path "$tmp/missing-$w"); rc=$?
	[ $rc -eq 3 ] && echo "$out" | grep -q "^error worker dir"
	t $? "$w: a worker dir that does not exist: exit 3 with an error line (got $rc)"
done
left=$(find "$tmp" -mindepth 1 -maxdepth 1 -name 'pvf-worker-check-*' | wc -l)
[ "$left" -eq 0 ]; t $? "scratch directories removed ($left left)"

echo "1..$n"
exit $fail
