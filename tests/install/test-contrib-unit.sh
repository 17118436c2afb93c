#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# contrib/pvf.service: `systemd-analyze verify` accepts it without a single
# warning (with ExecStart pointed at the built pvf, since the unit names the
# installed one) and its offline exposure score stays at most 3.0 ("OK"), so
# dropping a hardening option fails. Skips when systemd-analyze is absent.
#
# usage: test-contrib-unit.sh PVF.service PVF
set -u
if [ $# -ne 2 ]; then
	echo "usage: $0 PVF.service PVF" >&2
	exit 2
fi
unit=$1 pvf=$2
case $pvf in /*) ;; *) pvf=$(pwd)/$pvf ;; esac
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "1..0 # SKIP systemd-analyze not found (apt-get install systemd)"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pvf-unit-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
sed "s|/usr/local/bin/pvf|$pvf|" "$unit" >"$tmp/pvf.service"
failed=0

out=$(cd "$tmp" && systemd-analyze verify --man=no "$tmp/pvf.service" 2>&1)
if [ $? -eq 0 ] && [ -z "$out" ]; then
	echo "ok 1 - systemd-analyze verify: no warnings"
else
	echo "not ok 1 - systemd-analyze verify: no warnings"
	echo "$out" | sed 's/^/# /'
	failed=1
fi

out=$(cd "$tmp" && systemd-analyze security --offline=yes --no-pager "$tmp/pvf.service" 2>&1)
level=$(echo "$out" | sed -n 's/.*Overall exposure level for pvf.service: \([0-9.]*\).*/\1/p')
if [ -z "$level" ]; then
	echo "ok 2 # SKIP this systemd-analyze has no offline security analysis"
elif awk -v l="$level" 'BEGIN { exit !(l <= 3.0) }'; then
	echo "ok 2 - exposure level $level <= 3.0"
else
	echo "not ok 2 - exposure level $level <= 3.0"
	echo "$out" | grep '✗' | sed 's/^/# /'
	failed=1
fi
echo "1..2"
exit $failed
