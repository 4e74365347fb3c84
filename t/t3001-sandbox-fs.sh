#!/bin/sh
# Sandbox file system: the jail base and the host cannot be written except
# through rw binds; mounts never reach the host's namespace.
. "$(dirname "$0")/test-lib.sh"
need_root

ok "create a host jail" kiln jail -c -j h -m host
mounts_before=$(wc -l < /proc/self/mountinfo)
mkdir -p "$TMP/hostdir" "$TMP/rwdir" "$TMP/rodir"
echo secret > "$TMP/hostdir/file"
echo readme > "$TMP/rodir/file"
marker="kiln-t3001-$$"

ok "a root command runs" kiln run -j h -- /bin/sh -c 'echo inside'
is "$(cat "$TMP/out")" "inside" "its output is relayed"

fails 1 "host paths that are not bound are not visible" \
    kiln run -j h -- /bin/sh -c "test -e $TMP/hostdir/file"

ok "root inside may write over /usr (into the upper layer)" \
    kiln run -j h -- /bin/sh -c "echo x > /usr/bin/$marker && cat /usr/bin/$marker"
fails 1 "... but the host's /usr is untouched" test -e "/usr/bin/$marker"
ok "root inside may write to /var (jail base)" \
    kiln run -j h -- /bin/sh -c "echo x > /var/$marker"
fails 1 "... but the jail base is untouched" test -e "$TMP/basefs/jails/h/root/var/$marker"
fails 1 "... and nothing survives into the next sandbox" \
    kiln run -j h -- /bin/sh -c "test -e /var/$marker"

fails ! "the build uid cannot write to /usr" \
    kiln run -j h --uid 65534 -- /bin/sh -c "echo x > /usr/bin/$marker"
like "$(cat "$TMP/err")" "Permission denied" "permission denied"
fails ! "nor to /etc" kiln run -j h --uid 65534 -- /bin/sh -c "echo x >> /etc/passwd"

ok "a read-only bind is readable" kiln run -j h --ro "$TMP/rodir:/ports" -- cat /ports/file
is "$(cat "$TMP/out")" "readme" "with the host's content"
fails ! "a read-only bind cannot be written, even by root" \
    kiln run -j h --ro "$TMP/rodir:/ports" -- /bin/sh -c 'echo x > /ports/new'
like "$(cat "$TMP/err")" "Read-only file system" "EROFS"
fails 1 "nothing appeared on the host" test -e "$TMP/rodir/new"

ok "a read-write bind can be written" \
    kiln run -j h --rw "$TMP/rwdir:/out" --uid 0 -- /bin/sh -c 'echo built > /out/pkg'
is "$(cat "$TMP/rwdir/pkg" 2>/dev/null)" "built" "and the host sees the file"
ok "a bind at the same path" kiln run -j h --rw "$TMP/rwdir" -- test -f "$TMP/rwdir/pkg"

ok "/tmp is a private tmpfs" kiln run -j h -- /bin/sh -c 'grep " /tmp " /proc/self/mountinfo'
like "$(cat "$TMP/out")" "tmpfs" "mounted as tmpfs"
ok "/dev is minimal" kiln run -j h -- /bin/sh -c 'ls /dev | tr "\n" " "'
is "$(cat "$TMP/out")" "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero " \
    "exactly null zero full random urandom tty ptmx pts shm and the fd links"
ok "device modes" kiln run -j h -- /bin/sh -c 'stat -c "%a %t,%T" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty | tr "\n" " "'
is "$(cat "$TMP/out")" "666 1,3 666 1,5 666 1,7 666 1,8 666 1,9 666 5,0 " "are 0666 with the right numbers"
ok "no /sys, no host block devices" kiln run -j h -- /bin/sh -c 'test ! -e /sys/kernel && test ! -e /dev/vda && test ! -e /dev/sda'
ok "/proc/sys is read-only for root" kiln run -j h -- /bin/sh -c \
    'echo 1 > /proc/sys/vm/drop_caches 2>/dev/null && exit 1; grep " /proc/sys " /proc/self/mountinfo | grep -q " ro,"'

is "$(wc -l < /proc/self/mountinfo)" "$mounts_before" "the host's mount table did not change"
if grep -q 'kiln-root\|kiln-tmp\|/run/kiln-sandbox' /proc/self/mountinfo; then
	_t_result 1 "no sandbox mount is visible on the host"
else
	_t_result 0 "no sandbox mount is visible on the host"
fi

done_testing
