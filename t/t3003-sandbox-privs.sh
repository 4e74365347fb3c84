#!/bin/sh
# Sandbox privileges: no mount, no unshare, no new privileges from setuid
# binaries, root inside keeps only file-owner capabilities.
. "$(dirname "$0")/test-lib.sh"
need_root

ok "create a host jail" kiln jail -c -j h -m host

for uid in 0 65534; do
	fails ! "uid $uid cannot mount a tmpfs" kiln run -j h --uid $uid -- mount -t tmpfs none /mnt
	fails ! "uid $uid cannot remount / read-write" kiln run -j h --uid $uid -- mount -o remount,rw /
	fails ! "uid $uid cannot unshare a user namespace" kiln run -j h --uid $uid -- unshare -U true
	like "$(cat "$TMP/err")" "Operation not permitted" "EPERM"
	fails ! "uid $uid cannot unshare a mount namespace" kiln run -j h --uid $uid -- unshare -m true
	fails ! "uid $uid cannot unshare a net namespace via clone" kiln run -j h --uid $uid -- \
	    python3 -c "import os; os.unshare(os.CLONE_NEWUSER | os.CLONE_NEWNS)"
	fails ! "uid $uid cannot enter another namespace" kiln run -j h --uid $uid -- \
	    nsenter -t 1 -m true
	fails ! "uid $uid cannot chroot" kiln run -j h --uid $uid -- chroot / true
	ok "uid $uid runs with no_new_privs" kiln run -j h --uid $uid -- grep -q '^NoNewPrivs:	1' /proc/self/status
done

ok "root inside has no CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_NET_ADMIN, CAP_MKNOD, CAP_SYS_PTRACE" \
    kiln run -j h -- python3 -c "
caps = int([l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1], 16)
bnd = int([l for l in open('/proc/self/status') if l.startswith('CapBnd')][0].split()[1], 16)
for c in (21, 16, 12, 27, 19, 17, 25, 2):
    assert not caps & (1 << c) and not bnd & (1 << c), c
print('ok')"
fails ! "root inside cannot mknod a disk" kiln run -j h -- mknod /tmp/disk b 254 0
ok "the build uid has no capabilities at all" kiln run -j h --uid 65534 -- grep -q '^CapEff:	0000000000000000' /proc/self/status

# A setuid-root program made inside by root, run by the build uid.
ok "a setuid binary gives nothing" kiln run -j h -- /bin/sh -c '
cp /usr/bin/id /usr/local/bin/suid-id && chmod 4755 /usr/local/bin/suid-id &&
test -u /usr/local/bin/suid-id &&
setpriv --reuid=65534 --regid=65534 --clear-groups /usr/local/bin/suid-id -u'
is "$(cat "$TMP/out")" "65534" "the effective uid stays 65534"
fails ! "su from the build uid fails" kiln run -j h --uid 65534 -- su -c true root

done_testing
