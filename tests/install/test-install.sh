#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TAP test of the installed tree: installs the build into a temporary DESTDIR
# (meson install, as `make install` does), then builds examples/consumer
# against the INSTALLED pkg-config file, shared and static, runs both, and
# checks the exported symbols, the pvf command, its man page and the worker
# programs (when the build has them). Skips with 77 when a tool it needs is
# missing.
#
# usage: test-install.sh BUILD_DIR SOURCE_DIR SANITIZE [PVF.wasm]
#   SANITIZE: the build's b_sanitize option ("none", "address,undefined", ...)
#   PVF.wasm: code the consumer pre-checks through the installed workers
# environment: PVF_TEST_CC (compiler command, default cc)
set -u
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
	echo "usage: $0 BUILD_DIR SOURCE_DIR SANITIZE [PVF.wasm]" >&2
	exit 2
fi
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd) sanitize=$3 wasm=${4:-}
cc=${PVF_TEST_CC:-cc}
# meson points this at the build tree; the test must use the installed tree
unset LD_LIBRARY_PATH

skip() {
	echo "1..0 # SKIP $*"
	exit 77
}
for tool in meson pkg-config nm make; do
	command -v "$tool" >/dev/null 2>&1 ||
		skip "$tool not found (apt-get install meson pkg-config binutils make)"
done
command -v "${cc%% *}" >/dev/null 2>&1 || skip "C compiler $cc not found"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pvf-install-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
n=0
failed=0

pass() {
	n=$((n + 1))
	echo "ok $n - $1"
}
# have NAME PATH: passes when PATH exists
have() {
	if [ -e "$2" ]; then pass "$1"; else : >"$tmp/out"; fail "$1"; fi
}
fail() {
	n=$((n + 1))
	echo "not ok $n - $1"
	failed=$((failed + 1))
	[ -f "$tmp/out" ] && sed 's/^/# /' "$tmp/out"
	: >"$tmp/out"
}
# check NAME CMD...: CMD's exit status decides; its output is shown on failure.
check() {
	name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then pass "$name"; else fail "$name"; fi
}

if ! meson install -C "$build" --no-rebuild --destdir "$dest" >"$tmp/out" 2>&1; then
	fail "meson install --destdir"
	echo "1..$n"
	exit 1
fi
pass "meson install --destdir"

meson introspect --buildoptions "$build" >"$tmp/options.json" &&
	python3 - "$tmp/options.json" >"$tmp/dirs" <<'PY' || skip "cannot read the build options"
import json, sys
o = {x["name"]: x["value"] for x in json.load(open(sys.argv[1]))}
for k in ("prefix", "libdir", "bindir", "mandir", "libexecdir", "includedir"):
    print(o[k])
PY
opt() { sed -n "${1}p" "$tmp/dirs"; }
prefix=$(opt 1)
abs() { case "$1" in /*) echo "$1" ;; *) echo "$prefix/$1" ;; esac; }
libdir=$dest$(abs "$(opt 2)") bindir=$dest$(abs "$(opt 3)") mandir=$dest$(abs "$(opt 4)")
libexecdir=$dest$(abs "$(opt 5)") includedir=$dest$(abs "$(opt 6)")

for f in "$libdir/libpvf.so" "$libdir/libpvf.a" "$libdir/pkgconfig/pvf.pc" \
	 "$includedir/pvf/pvf.h" "$bindir/pvf" "$mandir/man1/pvf.1"; do
	have "installed ${f#"$dest"}" "$f"
done
check "installed header is include/pvf/pvf.h" cmp "$src/include/pvf/pvf.h" "$includedir/pvf/pvf.h"

# ---- pkg-config, as a consumer sees it --------------------------------------
# The sysroot maps the .pc file's prefix into the staging directory.
export PKG_CONFIG_PATH="$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
version=$(meson introspect --projectinfo "$build" | python3 -c \
	'import json, sys; print(json.load(sys.stdin)["version"])')
check "pkg-config --modversion pvf is $version" \
	sh -c '[ "$(pkg-config --modversion pvf)" = "$1" ]' sh "$version"
libs=$(pkg-config --libs pvf) || {
	fail "pkg-config --libs pvf"
	echo "1..$n"
	exit 1
}
case "$libs" in *"-L$libdir"*) pass "pkg-config --libs points into the installed tree" ;;
	*) echo "libs: $libs" >"$tmp/out"
	   fail "pkg-config --libs points into the installed tree" ;;
esac

# ---- the exported symbols are exactly the PVF_API functions of pvf.h --------
sed -n 's/^PVF_API[^(]*[ *]\([a-z_0-9]*\)(.*/\1/p' "$includedir/pvf/pvf.h" | sort >"$tmp/api"
nm -D --defined-only "$libdir/libpvf.so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' |
	sed 's/@.*//' | sort >"$tmp/so-syms"
nm -g --defined-only "$libdir/libpvf.a" | awk 'NF == 3 {print $3}' | sort >"$tmp/a-syms"
if [ -s "$tmp/api" ] && cmp -s "$tmp/api" "$tmp/so-syms"; then
	pass "libpvf.so exports exactly the $(wc -l <"$tmp/api") PVF_API functions"
else
	diff "$tmp/api" "$tmp/so-syms" >"$tmp/out"
	echo "(< only in pvf.h: add it to src/libpvf/pvf.map; > exported but not API)" >>"$tmp/out"
	fail "libpvf.so exports exactly the PVF_API functions"
fi
if cmp -s "$tmp/api" "$tmp/a-syms"; then
	pass "libpvf.a has only the PVF_API functions as global symbols"
else
	diff "$tmp/api" "$tmp/a-syms" >"$tmp/out"
	fail "libpvf.a has only the PVF_API functions as global symbols"
fi

# ---- the consumer example, shared and static --------------------------------
cflags_extra="-std=c17 -Wall -Wextra -Werror -O1"
[ "$sanitize" != none ] && [ -n "$sanitize" ] && cflags_extra="$cflags_extra -fsanitize=$sanitize"
# with examples/consumer/Makefile, as a user would build it
mk() {
	make -f "$src/examples/consumer/Makefile" -C "$tmp" "CC=$cc" "CFLAGS=$cflags_extra" "$@"
}
check "consumer builds against the installed pvf.pc (shared)" mk consumer
# libpvf.a instead of libpvf.so; the libraries it needs come from Requires.private
check "consumer builds against the installed pvf.pc (static)" mk consumer-static

run_consumer() {
	name=$1 bin=$2
	shift 2
	if [ ! -x "$bin" ]; then
		fail "$name: not built"
		return
	fi
	LD_LIBRARY_PATH="$libdir" "$bin" "$@" >"$tmp/out" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && grep -q '^host: started' "$tmp/out" &&
	   grep -q '^security: secure_validator_mode=0 ' "$tmp/out" &&
	   grep -q '^# TYPE polkadot_pvf_prepare_enqueued counter' "$tmp/out" &&
	   grep -q '^host: stopped' "$tmp/out"; then
		pass "$name runs: host started, security status, metrics, stopped"
	else
		echo "exit $rc" >>"$tmp/out"
		fail "$name runs: host started, security status, metrics, stopped"
	fi
}
# pvf_host_new runs each worker program's security check: give it the
# installed ones
run_consumer "consumer (shared)" "$tmp/consumer" --cache "$tmp/cache" --workers "$libexecdir/pvf"
if [ -x "$tmp/consumer" ]; then
	check "consumer (shared) uses the installed libpvf.so" \
		sh -c 'LD_LIBRARY_PATH="$1" ldd "$2" | grep -q "libpvf.so.* => $1/libpvf.so"' \
		sh "$libdir" "$tmp/consumer"
fi
run_consumer "consumer (static)" "$tmp/consumer-static" --workers "$libexecdir/pvf"
if [ -x "$tmp/consumer-static" ]; then
	check "consumer (static) does not need libpvf.so" \
		sh -c '! ldd "$1" | grep -q libpvf' sh "$tmp/consumer-static"
fi

# ---- the pvf command and its man page ----------------------------------------
check "installed pvf --version says $version" \
	sh -c '"$1" --version | grep -qx "pvf $2"' sh "$bindir/pvf" "$version"
"$bindir/pvf" --help >"$tmp/help" 2>&1
sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p' "$tmp/help" >"$tmp/cmds"
cp "$tmp/help" "$tmp/out"
if [ -s "$tmp/cmds" ]; then pass "pvf --help lists commands"; else fail "pvf --help lists commands"; fi
while read -r c; do
	# roff escapes the hyphens: .SS "pvf security\-check"
	check "man page documents pvf $c" \
		grep -qF ".SS \"pvf $(echo "$c" | sed 's/-/\\-/g')\"" "$mandir/man1/pvf.1"
done <"$tmp/cmds"
if command -v groff >/dev/null 2>&1; then
	check "man page formats without groff warnings" \
		sh -c 'groff -man -ww -z -Tutf8 "$1" 2>&1 | { ! grep .; }' sh "$mandir/man1/pvf.1"
fi

# ---- worker programs ------------------------------------------------------------
if [ -x "$build/workers/pvf-prepare-worker" ]; then
	for w in pvf-prepare-worker pvf-execute-worker; do
		have "installed $w" "$libexecdir/pvf/$w"
	done
	if [ -n "$wasm" ] && [ -x "$tmp/consumer" ]; then
		LD_LIBRARY_PATH="$libdir" "$tmp/consumer" --workers "$libexecdir/pvf" \
			--precheck "$wasm" >"$tmp/out" 2>&1
		if grep -q '^precheck: .*: accepted' "$tmp/out"; then
			pass "consumer pre-checks through the installed workers"
		else
			fail "consumer pre-checks through the installed workers"
		fi
		# the installed pvf finds the installed workers by itself
		check "installed pvf precheck finds the installed workers" \
			env -u PVF_WORKER_DIR "$bindir/pvf" precheck "$wasm"
	fi
else
	echo "# no worker programs in this build; not checking their installation"
fi

echo "1..$n"
[ $failed -eq 0 ]
