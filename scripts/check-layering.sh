#!/bin/sh
# Enforces the module dependency rules of docs/architecture.md by checking
# #include lines. Exits 1 and names each forbidden edge.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
status=0

# allowed "<module>:<space-separated modules it may include>"
rules="base:base
engine:engine base
runtime:runtime engine base
proto:proto base
sandbox:sandbox base
cache:cache base
host:host proto sandbox cache base"

echo "$rules" | while IFS=: read -r mod allowed; do
	[ -d "src/$mod" ] || continue
	grep -rn --include='*.c' --include='*.h' -E '^#include "' "src/$mod" |
	while IFS= read -r line; do
		inc=$(echo "$line" | sed -E 's/.*#include "([^"]+)".*/\1/')
		case "$inc" in
		*/*) target=$(echo "$inc" | sed -E 's#^(\.\./)*##; s#/.*##') ;;
		*) target=$mod ;;   # same-directory include
		esac
		# "../engine_int.h" from a subdirectory stays inside the module
		case "$inc" in ../*.h) [ "$(echo "$inc" | tr -cd / | wc -c)" -eq 1 ] && target=$mod ;; esac
		# includes of a file in a module subdirectory (exec/x.h)
		[ -d "src/$mod/$target" ] && target=$mod
		ok=0
		for a in $allowed; do [ "$a" = "$target" ] && ok=1; done
		if [ $ok -eq 0 ]; then
			echo "layering: $line: module '$mod' may not include '$target'"
			echo x >> /tmp/pvf-layering.$$
		fi
	done
done
if [ -f /tmp/pvf-layering.$$ ]; then
	rm -f /tmp/pvf-layering.$$
	exit 1
fi
# The engine must not include the runtime, the host or system I/O headers.
if grep -rn --include='*.c' --include='*.h' -E '#include <(sys/socket|fcntl|dirent|sys/wait|spawn)\.h>' src/engine; then
	echo "layering: the engine does no I/O (see docs/architecture.md)"
	exit 1
fi
exit $status
