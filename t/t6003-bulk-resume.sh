#!/bin/sh
# t6003: kill -9 in the middle of a bulk.  The published repository is
# served intact meanwhile and afterwards (same catalog bytes, same
# package set), no builder process survives, and a re-run completes
# without rebuilding the packages that were finished before the kill.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/bulk-lib.sh"
need_root
bulk_setup || { echo "not ok 1 - setup"; done_testing; exit 1; }

mkport devel/old ""
ok "first bulk publishes a repository" kbulk devel/old
pkgdir=$TMP/basefs/data/packages/main-t
sum_before=$(cat "$pkgdir/data.pkg" "$pkgdir/meta.conf" | sha256sum)
gen_before=$(readlink "$pkgdir/.latest")

# quick finishes at once; slow sleeps long enough to be killed in build.
mkport devel/quick ""
mkport devel/slow "" "sleep 317"
: > "$TMP/bulk1.out"
KILN_NO_LIVE=1 "$KILN" bulk -j main -p t -J 2 devel/quick devel/slow devel/old \
    >"$TMP/bulk1.out" 2>&1 &
pid=$!
i=0
until grep -q 'built devel/quick' "$TMP/bulk1.out" && grep -q 'building devel/slow' "$TMP/bulk1.out"; do
	i=$((i + 1))
	[ $i -lt 600 ] || break
	sleep 0.1
done
ok "quick was built before the kill" grep -q 'built devel/quick' "$TMP/bulk1.out"
sum_during=$(cat "$pkgdir/data.pkg" "$pkgdir/meta.conf" | sha256sum)
is "$sum_during" "$sum_before" "the published catalog is untouched while building"
kill -9 $pid
wait $pid 2>/dev/null
i=0
while pgrep -f 'sleep 31[7]' >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 100 ] || break
	sleep 0.1
done
ok "no builder process survives the kill" sh -c '! pgrep -f "sleep 31[7]"'
is "$(readlink "$pkgdir/.latest")" "$gen_before" ".latest unchanged after the kill"
is "$(cat "$pkgdir/data.pkg" "$pkgdir/meta.conf" | sha256sum)" "$sum_before" "catalog unchanged after the kill"
ok "the old repository still serves its package" test -f "$pkgdir/All/old-1.0.pkg"
ok "the killed bulk's work is kept in .building" test -f "$pkgdir/.building/All/quick-1.0.pkg"

# Re-run, with slow made quick (a new distfile: drop the cached one).
rm -f "$TMP/basefs/distfiles/slow-1.0.tar.gz"
mkport devel/slow "" "true"
ok "re-run completes" kbulk -J 2 devel/quick devel/slow devel/old
out=$(cat "$TMP/out")
like "$out" 'resuming an interrupted bulk' "it resumes"
unlike "$out" 'building devel/quick|rebuild devel/quick' "quick is not rebuilt"
like "$out" 'rebuild devel/slow' "slow is built"
like "$out" 'built 1, failed 0, skipped 0' "one build"
ok "the new repository has all three" test -f "$pkgdir/All/quick-1.0.pkg" -a -f "$pkgdir/All/slow-1.0.pkg" -a -f "$pkgdir/All/old-1.0.pkg"
ok ".building is gone after publishing" test ! -e "$pkgdir/.building"
done_testing
