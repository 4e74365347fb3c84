#!/bin/sh
# make demo's script end to end, in a private directory: the example tree
# is bulk-built from distfiles served on loopback, the signed repository
# is published, colibri installed with kiln's client answers its health
# check, and the colibri ISO boots in a VM whose smoke agent reports
# healthy.  A second run builds nothing.  Costs a cargo build and one
# TCG boot (about a minute or two on two cores).
. "$(dirname "$0")/test-lib.sh"
need_root

demo=$TMP/demo
KILN_DEMO_DIR=$demo "$TOP/scripts/demo" "$KILN" > "$TMP/demo1.log" 2>&1
rc=$?
is "$rc" 0 "scripts/demo succeeds"
out=$(cat "$TMP/demo1.log")
[ "$rc" = 0 ] || tail -n 40 "$TMP/demo1.log" | sed 's/^/# /'
like "$out" 'built sysutils/colibri' "the bulk builds colibri"
like "$out" 'built devel/libfeather' "and its C library (cmake)"
like "$out" 'built sysutils/wren' "and its C tool (GNU configure + gmake)"
ok "the repository is published through .latest" \
    test -f "$demo/basefs/data/packages/main-examples/.latest/meta.conf"
for p in colibri colibri-daemon colibri-tui colibri-smoke-agent libfeather wren; do
	ok "package $p is in the repository" sh -c \
	    "ls '$demo/basefs/data/packages/main-examples/.latest/All/' | grep -q '^$p-[0-9]'"
done
ok "colibri is installed in the fresh root" test -x "$demo/root/usr/local/bin/colibri"
like "$out" 'colibri health --addr 127.0.0.1:[0-9]+' "the demo asks the installed colibri for its health"
is "$(grep -A1 '^\$ colibri health' "$TMP/demo1.log" | sed -n 2p)" "ok" "and it answers ok"
ok "the ISO was written" test -s "$demo/colibri.iso"
like "$(cat "$demo/vm-console.log" 2>/dev/null)" 'colibri-smoke-agent: healthy' \
    "the VM's console shows the smoke agent's verdict"
like "$out" 'PASS|passed' "kiln vm test passes"

KILN_DEMO_DIR=$demo "$TOP/scripts/demo" "$KILN" > "$TMP/demo2.log" 2>&1
is "$?" 0 "a second run succeeds"
unlike "$(cat "$TMP/demo2.log")" 'building sysutils/' "and builds nothing"

# Nothing of the demo's may outlive it.
left=$(ps -eo pid=,args= | grep -F "$demo" | grep -v grep || true)
is "$left" "" "no process of the demo is left"

done_testing
