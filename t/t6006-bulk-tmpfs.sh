#!/bin/sh
# t6006: USE_TMPFS (default yes) puts each build's WRKDIR on a tmpfs in the
# build's own mount namespace, sized by TMPFS_LIMIT (GiB unless suffixed):
# a build writing past the limit fails, and no mount is left on the host;
# USE_TMPFS=no keeps the host directory.  SAVE_WRKDIR archives a failed
# build's work directory (tmpfs or not) under data/wrkdirs/.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/bulk-lib.sh"
need_root
bulk_setup || { echo "not ok 1 - setup"; done_testing; exit 1; }

mkport devel/small ""
printf 'TMPFS_LIMIT=1\n' >> "$KILN_CONF"
ok "bulk with the default USE_TMPFS" kbulk devel/small
log=$TMP/basefs/data/logs/bulk/main-t/latest/logs/small-1.0.log
like "$(cat "$log")" "=> WRKDIR on tmpfs \\(mode=0755,size=1073741824\\)" "WRKDIR was a tmpfs of TMPFS_LIMIT GiB"
unlike "$(cat /proc/self/mountinfo)" "$TMP" "no mount left on the host"

printf 'TMPFS_LIMIT=4m\nSAVE_WRKDIR=yes\n' >> "$KILN_CONF"
mkport devel/big "" "head -c 8388608 /dev/zero > blob"
fails 1 "a build writing past TMPFS_LIMIT fails" kbulk devel/big
saved=$TMP/basefs/data/wrkdirs/main-t/big-1.0.tgz
like "$(tar -tzf "$saved" 2>&1)" "big-1.0/Makefile" "SAVE_WRKDIR archived the tmpfs work directory"
like "$(cat "$TMP/basefs/data/logs/bulk/main-t/latest/logs/big-1.0.log")" "work directory saved \\(SAVE_WRKDIR\\): $saved" "the log says where"
like "$(cat "$TMP/out")" 'failed devel/big .* in phase build' "fails in build"
like "$(cat "$TMP/basefs/data/logs/bulk/main-t/latest/logs/big-1.0.log")" 'No space left on device' "the log says the tmpfs is full"
unlike "$(cat /proc/self/mountinfo)" "$TMP" "no mount left on the host after a failure"

printf 'USE_TMPFS=no\n' >> "$KILN_CONF"
ok "USE_TMPFS=no: the host directory" kbulk -C devel/small
log=$TMP/basefs/data/logs/bulk/main-t/latest/logs/small-1.0.log
unlike "$(cat "$log")" 'WRKDIR on tmpfs' "no tmpfs"
mkport devel/broken "" "echo half > half-done; false"
fails 1 "a failing build in a host work directory" kbulk devel/broken
like "$(tar -tzf "$TMP/basefs/data/wrkdirs/main-t/broken-1.0.tgz" 2>&1)" "broken-1.0/half-done" "SAVE_WRKDIR archived it with the build's files"
ok "the successful port saved nothing" test ! -e "$TMP/basefs/data/wrkdirs/main-t/small-1.0.tgz"
done_testing
