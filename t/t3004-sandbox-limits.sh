#!/bin/sh
# Sandbox limits: memory (anonymous and tmpfs), processes, open files.
. "$(dirname "$0")/test-lib.sh"
need_root

ok "create a host jail" kiln jail -c -j h -m host

fails 123 "a memory hog is stopped at the limit (exit 123)" \
    kiln run -j h --memory 64M -- python3 -c '
x = []
while True:
    x.append(bytearray(1 << 20))'
like "$(cat "$TMP/err")" "^kiln: run: memory limit hit: killed \(peak memory" "one clear line on stderr"
fails 123 "a hog writing tmpfs files is stopped at the limit too" \
    kiln run -j h --memory 64M -- /bin/sh -c 'dd if=/dev/zero of=/tmp/fill bs=1M count=512'
like "$(cat "$TMP/err")" "memory limit hit" "and reported"
fails 123 "also in the upper layer" \
    kiln run -j h --memory 64M -- /bin/sh -c 'dd if=/dev/zero of=/var/fill bs=1M count=512'
ok "below the limit the same command works" \
    kiln run -j h --memory 256M -- /bin/sh -c 'dd if=/dev/zero of=/tmp/fill bs=1M count=32 2>/dev/null'

fails 2 "forks past the pids limit fail" kiln run -j h --pids 16 -- /bin/sh -c '
i=0; while [ $i -lt 64 ]; do sleep 30 & i=$((i + 1)); done'
like "$(cat "$TMP/err")" "Cannot fork" "the shell could not fork"
like "$(cat "$TMP/err")" "process limit hit: [0-9]+ forks refused" "and kiln says so"
# Only shell builtins after the bomb starts: with every pid taken, a fork
# for sleep or ls would fail and make the check itself flaky under load.
ok "a full fork bomb is held at the limit and killed" \
    kiln run -j h --pids 32 --timeout 30 -- /bin/sh -c '
bomb() { bomb | bomb & }; bomb
i=0; while [ $i -lt 300000 ]; do i=$((i + 1)); done
# Freeze the bomb before counting: while it churns, a pid reaped and
# another forked between two reads of /proc would be counted twice.
# Count live processes only: whether an exited one still holds a pid
# depends on the kernel.
kill -STOP -1 2>/dev/null; kill -STOP -1 2>/dev/null
live=0
for p in /proc/[0-9]*; do
	read -r st 2>/dev/null < "$p/stat" || continue
	set -- $st
	[ "$3" = Z ] || live=$((live + 1))
done
echo "live processes: $live" >&2; test $live -le 33'
ok "the host is not affected: no bomb processes are left" \
    sh -c '! pgrep -f "bom[b] [|] bomb" >/dev/null'

ok "open files stop at --files" kiln run -j h --files 40 -- python3 -c '
import os, errno
fds = []
try:
    while True: fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e:
    assert e.errno == errno.EMFILE, e
    print(len(fds) + 3)'
is "$(cat "$TMP/out")" "40" "exactly 40 descriptors"
ok "and the limit cannot be raised" kiln run -j h --files 40 --uid 65534 -- /bin/sh -c 'ulimit -n 100 2>/dev/null && exit 1; exit 0'
printf 'BASEFS=%s/basefs\nMAX_FILES=64\n' "$TMP" > "$TMP/kiln.conf"
ok "MAX_FILES from kiln.conf is the default" kiln run -j h -- /bin/sh -c 'ulimit -n'
is "$(cat "$TMP/out")" "64" "RLIMIT_NOFILE = MAX_FILES"

done_testing
