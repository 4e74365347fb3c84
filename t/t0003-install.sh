#!/bin/sh
# make install's payload: the binary, the man pages and share/kiln, under
# DESTDIR and PREFIX, and the installed binary runs.
. "$(dirname "$0")/test-lib.sh"

build=${KILN_BUILD:-$TOP/build}
ok "cmake --install into DESTDIR" env DESTDIR="$TMP/dest" cmake --install "$build" --prefix /opt/kiln
ok "the binary is installed" test -x "$TMP/dest/opt/kiln/bin/kiln"
ok "kiln(8) is installed" test -f "$TMP/dest/opt/kiln/share/man/man8/kiln.8"
ok "the installed binary runs" "$TMP/dest/opt/kiln/bin/kiln" version
ok "every man page in man/ is installed" sh -c '
	for m in "$0"/man/*.8; do
		test -f "$1/opt/kiln/share/man/man8/$(basename "$m")" || exit 1
	done' "$TOP" "$TMP/dest"
ok "man pages are valid mdoc" sh -c '
	for m in "$0"/man/*.8; do
		# "kiln vm" style names make mandoc see Xr kiln 8 as a self reference.
		out=$(mandoc -T lint -W warning "$m" 2>&1 | grep -v "cross reference to self: Xr kiln 8" || true)
		[ -z "$out" ] || { echo "$out"; exit 1; }
	done' "$TOP"

done_testing
