#!/bin/sh
# The sandbox's cgroup v2 path, on a machine that has only cgroup v2 (as a
# stock Debian 12 install does).  This host mounts the memory and pids
# controllers as cgroup v1, so the v2 path cannot run here directly: the
# test boots a guest (QEMU, TCG) whose kernel has every controller on the
# unified hierarchy, runs kiln's own binary there against a busybox jail,
# and reads the verdicts from the guest's console.  Proves on v2 what
# t3004/t3006 prove on v1: memory (anonymous, tmpfs, upper layer) and pids
# limits hold and are reported, and nothing is left behind, also when kiln
# is killed with SIGKILL in the middle of a run.
. "$(dirname "$0")/test-lib.sh"
. "$TOP/t/lib/vm-image.sh"
need_root
vm_need

kver=${KERNEL##*/vmlinuz-}
overlay_ko=/lib/modules/$kver/kernel/fs/overlayfs/overlay.ko
if ! grep -q '^CONFIG_OVERLAY_FS=y' "/boot/config-$kver" 2>/dev/null; then
	[ -r "$overlay_ko" ] || skip_all "no overlay module for $kver ($overlay_ko)"
fi

ov=$TMP/ov
mkdir -p "$ov/usr/local/bin" "$ov/usr/local/etc/rc.d" "$ov/lib/modules/kiln" "$ov/etc"
cp "$KILN" "$ov/usr/local/bin/kiln"
[ -r "$overlay_ko" ] && cp "$overlay_ko" "$ov/lib/modules/kiln/"

# The guest side: every verdict is one "cg2: NAME: ..." line.
cat > "$ov/usr/local/bin/cg2-check" <<'EOS'
#!/bin/sh
say() { echo "cg2: $*"; }
mount -t cgroup2 cgroup2 /sys/fs/cgroup || { say "FAIL: cannot mount cgroup2"; exit 0; }
say "v1 hierarchies: $(grep -c ' cgroup ' /proc/mounts)"
say "controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
mkdir -p /jail/bin /jail/tmp /jail/var
cp /bin/busybox /jail/bin/busybox
for a in sh dd sleep cat echo true ls; do ln -s busybox /jail/bin/$a; done
# Nothing can pivot_root away from the initramfs (rootfs) itself; a disk
# root can.  Run kiln from a bind mount of /, which behaves like one.
mkdir -p /r && mount --rbind / /r
k() { chroot /r /usr/local/bin/kiln -B /var/kiln "$@"; }
mounts_before=$(wc -l < /proc/self/mountinfo)
k jail -c -j g -m null -M /jail
say "jail: exit $?"
k run -j g -- /bin/sh -c 'echo inside'
say "plain: exit $?"
k run -j g --memory 32M -- /bin/sh -c 'x=0123456789abcdef; while :; do x=$x$x; done'
say "anon hog: exit $?"
k run -j g --memory 32M -- /bin/sh -c 'dd if=/dev/zero of=/tmp/fill bs=1M count=200'
say "tmpfs hog: exit $?"
k run -j g --memory 32M -- /bin/sh -c 'dd if=/dev/zero of=/var/fill bs=1M count=200'
say "upper hog: exit $?"
k run -j g --memory 128M -- /bin/sh -c 'dd if=/dev/zero of=/tmp/fill bs=1M count=16 2>/dev/null'
say "below: exit $?"
k run -j g --pids 8 -- /bin/sh -c 'i=0; while [ $i -lt 30 ]; do sleep 30 & i=$((i + 1)); done'
say "pids: exit $?"
k run -j g --pids 16 --timeout 60 -- /bin/sh -c '
bomb() { bomb | bomb & }; bomb
i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done
# Freeze the bomb before counting: while it churns, a pid reaped and
# another forked between two reads of /proc would be counted twice.
# Count live processes only: exited ones waiting for their parent show in
# /proc too, and whether they still hold a pid depends on the kernel.
# Builtins only from here: there may be no pid left to fork.
kill -STOP -1 2>/dev/null; kill -STOP -1 2>/dev/null
live=0 dead=0
for p in /proc/[0-9]*; do
	read -r st 2>/dev/null < "$p/stat" || continue
	set -- $st
	if [ "$3" = Z ]; then dead=$((dead + 1)); else live=$((live + 1)); fi
done
echo "cg2: bomb: $live live processes, $dead exited"; test $live -le 17'
say "bomb: exit $?"
say "bomb left: $(ps | grep -c 'bom[b]')"
chroot /r /usr/local/bin/kiln -B /var/kiln run -j g -- /bin/sh -c 'sleep 300' &
kpid=$!
i=0
while [ $i -lt 300 ] && ! ls -d /sys/fs/cgroup/kiln-* >/dev/null 2>&1; do
	sleep 0.1; i=$((i + 1))
done
say "kill9 cgroups while running: $(ls -d /sys/fs/cgroup/kiln-* 2>/dev/null | wc -l)"
kill -9 $kpid
wait $kpid 2>/dev/null
i=0
while [ $i -lt 300 ] && ls -d /sys/fs/cgroup/kiln-* >/dev/null 2>&1; do
	sleep 0.1; i=$((i + 1))
done
say "kill9 sleepers left: $(ps | grep -c '[s]leep 300')"
say "cgroups left: $(ls -d /sys/fs/cgroup/kiln-* 2>/dev/null | wc -l)"
say "mounts: $mounts_before before, $(wc -l < /proc/self/mountinfo) after"
say "done"
EOS
cat > "$ov/usr/local/etc/rc.d/cg2check" <<'EOS'
#!/bin/sh
# PROVIDE: cg2check
. /etc/rc.subr
name=cg2check
rcvar=cg2check_enable
load_rc_config $name
start_cmd="/usr/local/bin/cg2-check"
run_rc_command "$1"
EOS
chmod 755 "$ov/usr/local/bin/cg2-check" "$ov/usr/local/etc/rc.d/cg2check"
echo 'cg2check_enable="YES"' > "$ov/etc/rc.conf"

ok "an image with kiln in it builds" kiln image -t initramfs -k "$KERNEL" -o "$TMP/img" -c "$ov"
ok "the guest runs every check" kiln vm test "$TMP/img" --expect 'cg2: done' \
    --fail 'cg2: FAIL' --fail 'ERROR: [A-Za-z]+Sanitizer|runtime error:' --timeout 600 --log "$TMP/console.log"
# the verdicts (and kiln's own lines), not the kernel's boot messages
log=$(tr -d '\r' < "$TMP/console.log" | grep -a -e '^cg2' -e '^kiln:')
printf '%s\n' "$log" | sed 's/^/# guest: /'

like "$log" 'cg2: v1 hierarchies: 0' "the guest has no cgroup v1 hierarchy"
like "$log" 'cg2: controllers: .*memory' "memory is on the unified hierarchy"
like "$log" 'cg2: controllers: .*pids' "and pids"
like "$log" 'cg2: jail: exit 0' "a jail is created in the guest"
like "$log" 'cg2: plain: exit 0' "a plain run works"
like "$log" 'cg2: anon hog: exit 123' "an anonymous memory hog is stopped (exit 123)"
like "$log" 'kiln: run: memory limit hit: killed \(peak memory' "with the one-line report"
like "$log" 'cg2: tmpfs hog: exit 123' "tmpfs pages count against the limit"
like "$log" 'cg2: upper hog: exit 123' "so do the upper layer's"
like "$log" 'cg2: below: exit 0' "below the limit the same command works"
like "$log" 'cg2: pids: exit 2' "forks past the pids limit fail"
like "$log" 'kiln: run: process limit hit: [0-9]+ forks refused \(--pids 8\)' "and kiln says so (pids.events)"
like "$log" 'process limit hit: [0-9]+ forks refused \(--pids 16\)' "a fork bomb runs into the pids limit"
like "$log" 'cg2: bomb: exit 0' "and is held there (at most 16 live processes and the init)"
like "$log" 'cg2: bomb left: 0' "and killed at the end"
like "$log" 'cg2: kill9 cgroups while running: 1' "a running sandbox has its cgroup"
like "$log" 'cg2: kill9 sleepers left: 0' "kill -9 of kiln kills the sandbox's processes"
like "$log" 'cg2: cgroups left: 0' "no cgroup is left behind"
mounts=$(printf '%s\n' "$log" | sed -n 's/^cg2: mounts: \([0-9]*\) before, \([0-9]*\) after$/\1 \2/p')
ok "mount counts were printed" test -n "$mounts"
set -- $mounts
is "${2:-}" "${1:-x}" "no mount is left behind"
is "$(qemu_left "$TMP")" "" "no QEMU left"

done_testing
