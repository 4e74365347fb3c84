#!/bin/sh
# t6001: failures.  A failing port skips exactly its dependents (named
# with the culprit) and the exit status counts them; a distfile that does
# not match distinfo fails at checksum naming both sums and deletes
# nothing else; a build that tries the network after fetch fails.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/bulk-lib.sh"
need_root
bulk_setup || { echo "not ok 1 - setup"; done_testing; exit 1; }

mkport devel/base ""
mkport devel/bad "devel/base" "echo this build fails; exit 3"
mkport devel/mid "devel/bad"
mkport devel/top "devel/mid"
mkport misc/other "devel/base"
fails 1 "bulk with a failing port exits 1" kbulk -J 2 devel/top misc/other
out=$(cat "$TMP/out")
like "$out" 'failed devel/bad \(bad-1.0\) in phase build' "bad failed in phase build"
like "$out" 'skipped devel/mid: depends on devel/bad' "mid skipped, culprit named"
like "$out" 'skipped devel/top: depends on devel/bad' "top skipped, culprit named"
like "$out" 'built 2, failed 1, skipped 2' "base and other built"
like "$(cat "$TMP/err")" '1 failed, 2 skipped' "stderr counts failed and skipped"
log=$TMP/basefs/data/logs/bulk/main-t/latest/logs/bad-1.0.log
like "$(cat "$log")" 'this build fails' "the failing output is in the log"
like "$(tail -1 "$log")" 'build ended: failed in phase build' "footer names the phase"
ok "status --json" "$KILN" status --json
like "$(cat "$TMP/out")" '"cause": "devel/bad"' "status.json names the cause"

# Checksum: same size, different bytes.
mkport devel/sum ""
mkdir -p "$TMP/keep" && echo keep > "$TMP/basefs/distfiles/unrelated"
good=$(grep SHA256 "$TREE/devel/sum/distinfo" | awk '{print $4}')
rm -f "$TMP/basefs/distfiles/sum-1.0.tar.gz"
# Corrupt the served file while keeping its size.
python3 - "$DIST/sum-1.0.tar.gz" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[-1] ^= 0xff
open(p, 'wb').write(bytes(b))
PY
fails 1 "bulk with a bad distfile" kbulk devel/sum
like "$(cat "$TMP/out")" 'failed devel/sum .* in phase checksum' "fails at checksum"
like "$(cat "$TMP/out")" "expected $good, actual [0-9a-f]{64}" "names both sums"
ok "nothing else deleted from DISTFILES_CACHE" test -f "$TMP/basefs/distfiles/unrelated" -a -f "$TMP/basefs/distfiles/base-1.0.tar.gz"

# Network after fetch: the build phase cannot reach the server that served
# its distfile a moment earlier.
mkport net/grab "" "python3 -c \"import urllib.request; urllib.request.urlopen('$HTTP_URL/', timeout=5)\""
fails 1 "a build that uses the network" kbulk net/grab
like "$(cat "$TMP/out")" 'failed net/grab .* in phase build' "fails in build (after fetch worked)"
log=$TMP/basefs/data/logs/bulk/main-t/latest/logs/grab-1.0.log
like "$(cat "$log")" 'Attempting to fetch|is in the cache' "fetch phase had the network"
like "$(cat "$log")" 'URLError|refused|unreachable' "the build's connection failed"
done_testing
