#!/bin/sh
# kill -9 of kiln during a run leaves no process, mount, namespace or
# cgroup behind (the reaper removes the cgroups; a later kiln sweeps what a
# killed reaper left).
. "$(dirname "$0")/test-lib.sh"
need_root

ok "create a host jail" kiln jail -c -j h -m host

# wait_for N CMD...: retry CMD for up to N tenths of a second.
wait_for() {
	n=$1; shift
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt "$n" ] || return 1; sleep 0.1
	done
}
cgroups_of() { find /sys/fs/cgroup -type d -name "kiln-$1-*" 2>/dev/null; }
count() { pgrep -f "$1" | wc -l; }

mounts_before=$(wc -l < /proc/self/mountinfo)
marker="3006.$$"
markre="[3]006[.]$$"
"$KILN" run -j h --memory 256M --pids 64 -- /bin/sh -c \
    "sleep $marker & setsid sleep $marker & exec sleep $marker" >/dev/null 2>&1 &
kpid=$!
at_exit "kill -9 $kpid"
wait_for 100 sh -c "test \$(pgrep -f '^slee[p] $marker' | wc -l) -ge 3"
is "$(pgrep -f "^slee[p] $marker" | wc -l)" "3" "the run's three processes are up"
spid=$(pgrep -f "^slee[p] $marker" | head -n 1)
mntns=$(readlink "/proc/$spid/ns/mnt")
netns=$(readlink "/proc/$spid/ns/net")
like "$(cgroups_of $kpid)" "memory/.*kiln-$kpid-" "it runs in a memory cgroup"
like "$(cgroups_of $kpid)" "pids/.*kiln-$kpid-" "and a pids cgroup"

kill -9 $kpid
ok "after kill -9 of kiln, every process of the run dies" \
    wait_for 50 sh -c "! pgrep -f '$markre'"
ok "the cgroups are removed" wait_for 50 sh -c "test -z \"\$(find /sys/fs/cgroup -type d -name 'kiln-$kpid-*')\""
is "$(wc -l < /proc/self/mountinfo)" "$mounts_before" "the host's mount table is as before"
left=$(for p in /proc/[0-9]*; do readlink $p/ns/mnt $p/ns/net; done 2>/dev/null | grep -c -e "$mntns" -e "$netns")
is "$left" "0" "no process holds the sandbox's mount or network namespace"

# Kill kiln and its reaper together: the cgroups stay until the next kiln.
"$KILN" run -j h --memory 256M -- /bin/sh -c "exec sleep $marker" >/dev/null 2>&1 &
kpid=$!
at_exit "kill -9 $kpid"
wait_for 100 pgrep -f "^slee[p] $marker"
reaper=$(pgrep -x kiln-reaper | while read -r p; do
	tr '\0' ' ' < /proc/$p/cmdline | grep -q "$marker" && echo $p; done)
like "$reaper" '^[0-9]+$' "kiln's reaper runs in its own process"
kill -9 $kpid $reaper
ok "processes die with kiln even without the reaper" wait_for 50 sh -c "! pgrep -f '$markre'"
like "$(cgroups_of $kpid)" "kiln-$kpid-" "with the reaper killed too, its cgroups stay"
ok "the next kiln run works" kiln run -j h -- true
is "$(cgroups_of $kpid)" "" "and swept them"

done_testing
