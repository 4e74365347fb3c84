#!/bin/sh
# t6000: bulk on a generated tree: dependency order (a dependency's
# package is installed while its dependents build), parallel builds on
# two slots, status.json and kiln status, a second bulk that builds
# nothing and says so, and the published repository installing with
# kiln's own client.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/bulk-lib.sh"
need_root
bulk_setup || { echo "not ok 1 - setup"; done_testing; exit 1; }

# c needs b needs a; each checks its dependency's command exists.
mkport devel/a "" "sleep 1"
mkport devel/b "devel/a" "/usr/local/bin/a"
mkport devel/c "devel/b" "/usr/local/bin/b && /usr/local/bin/a"
mkport misc/p "" "sleep 1"
ok "makesum wrote distinfo" test -s "$TREE/devel/a/distinfo"
like "$(cat "$TREE/devel/a/distinfo")" '^TIMESTAMP = [0-9]+' "distinfo starts with TIMESTAMP"

ok "bulk builds the tree" kbulk -J 2 devel/c misc/p
out=$(cat "$TMP/out")
like "$out" 'rebuild devel/a \(a-1.0\): new' "a is new"
like "$out" 'built 4, failed 0, skipped 0' "four built"
# Order: a before b before c.
order=$(grep -E '^\[[^]]*\] \[[0-9]+/4\] built' "$TMP/out" | sed 's/.* built \([^ ]*\).*/\1/' | tr '\n' ' ')
like "$order" 'devel/a .*devel/b .*devel/c' "dependencies built first ($order)"
# Parallel: a and p start before either is built.
first_built=$(grep -n ' built ' "$TMP/out" | head -1 | cut -d: -f1)
pstart=$(grep -n 'building misc/p' "$TMP/out" | cut -d: -f1)
astart=$(grep -n 'building devel/a' "$TMP/out" | cut -d: -f1)
ok "a and p build at the same time on two slots" test "$pstart" -lt "$first_built" -a "$astart" -lt "$first_built"

pkgdir=$TMP/basefs/data/packages/main-t
ok "packages in the published repository" test -f "$pkgdir/All/c-1.0.pkg" -a -f "$pkgdir/All/a-1.0.pkg"
ok ".latest is a link to a generation" test -L "$pkgdir/.latest"
ok "catalog published" test -f "$pkgdir/data.pkg"
log=$(ls "$TMP"/basefs/data/logs/bulk/main-t/latest/logs/b-1.0.log)
like "$(head -5 "$log")" 'reason: new' "log header names the reason"
like "$(cat "$log")" 'PKGNAME=b-1.0' "log header lists port variables"
like "$(tail -1 "$log")" '^=> build ended: ok' "log footer says how it ended"
like "$(cat "$log")" 'installed dependency a-1.0.pkg' "b's build installed a's package"

ok "kiln status" "$KILN" status
like "$(cat "$TMP/out")" 'main-t .*: done' "status names the finished build"
like "$(cat "$TMP/out")" 'built 4' "status counts"
ok "kiln status --json" "$KILN" status -j main -p t --json
like "$(cat "$TMP/out")" '"state": "built"' "json has port states"
ok "index.html next to status.json" test -f "$TMP/basefs/data/logs/bulk/main-t/latest/index.html"

ok "second bulk" kbulk -J 2 devel/c misc/p
like "$(cat "$TMP/out")" 'nothing to build: all 4 packages are current' "says nothing to build"
unlike "$(cat "$TMP/out")" 'rebuild|building' "rebuilds nothing"
ok "dry run" kbulk -n devel/c
like "$(cat "$TMP/out")" '0 to build, 3 current' "dry run counts"

# The published repository installs with kiln's client.
mkdir -p "$TMP/repos" "$TMP/root"
printf 'kiln: { url: "file://%s", signature_type: "none", enabled: yes }\n' "$pkgdir" \
    > "$TMP/repos/kiln.conf"
ok "client update" "$KILN" pkg -r "$TMP/root" -R "$TMP/repos" update
ok "client installs c and its run dependencies" "$KILN" pkg -r "$TMP/root" -R "$TMP/repos" install -y c
ok "installed a (a run dependency)" test -x "$TMP/root/usr/local/bin/a"
is "$("$TMP/root/usr/local/bin/c")" "c" "installed c runs"
done_testing
