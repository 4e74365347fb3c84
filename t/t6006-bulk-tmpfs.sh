#!/bin/sh
# t6006: USE_TMPFS (default yes) puts each build's WRKDIR on a tmpfs in the
# build's own mount namespace, sized by TMPFS_LIMIT (GiB unless suffixed):
# a build writing past the limit fails, and no mount is left on the host;
# USE_TMPFS=no keeps the host directory.
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

printf 'TMPFS_LIMIT=4m\n' >> "$KILN_CONF"
mkport devel/big "" "head -c 8388608 /dev/zero > blob"
fails 1 "a build writing past TMPFS_LIMIT fails" kbulk devel/big
like "$(cat "$TMP/out")" 'failed devel/big .* in phase build' "fails in build"
like "$(cat "$TMP/basefs/data/logs/bulk/main-t/latest/logs/big-1.0.log")" 'No space left on device' "the log says the tmpfs is full"
unlike "$(cat /proc/self/mountinfo)" "$TMP" "no mount left on the host after a failure"

printf 'USE_TMPFS=no\n' >> "$KILN_CONF"
ok "USE_TMPFS=no: the host directory" kbulk -C devel/small
log=$TMP/basefs/data/logs/bulk/main-t/latest/logs/small-1.0.log
unlike "$(cat "$log")" 'WRKDIR on tmpfs' "no tmpfs"
done_testing
