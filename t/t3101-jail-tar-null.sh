#!/bin/sh
# kiln jail -m tar and -m null: a small rootfs (a static busybox from the
# host) as a tarball and as a directory; unsafe tarballs are refused.
. "$(dirname "$0")/test-lib.sh"
need_root
command -v busybox >/dev/null || skip_all "needs busybox (Debian busybox-static)"
file -L "$(command -v busybox)" | grep -q 'statically linked' || skip_all "needs a static busybox"

rootfs="$TMP/rootfs"
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/usr/bin" "$rootfs/tmp"
cp "$(command -v busybox)" "$rootfs/bin/busybox"
for a in sh echo cat ls id touch test uname; do ln -s busybox "$rootfs/bin/$a"; done
ln -s ../../bin/busybox "$rootfs/usr/bin/uname"
printf 'ID=kilntest\nVERSION_ID=1.0\n' > "$rootfs/etc/os-release"
echo 'root:x:0:0::/:/bin/sh' > "$rootfs/etc/passwd"
(cd "$rootfs" && tar czf "$TMP/rootfs.tgz" .)

ok "jail -c -m tar" kiln jail -c -j t -m tar -M "$TMP/rootfs.tgz"
like "$(cat "$TMP/out")" "jail t created: tar kilntest-1.0, Linux:[0-9.]+:$(uname -m)" \
    "version from its os-release, ABI from its uname (a symlink inside the tree)"
ok "the tree was unpacked" test -x "$TMP/basefs/jails/t/root/bin/busybox"
ok "run in the tar jail" kiln run -j t -- sh -c 'echo in-tar; ls /bin | wc -l'
like "$(cat "$TMP/out")" "^in-tar" "its own shell runs"
fails 1 "the host's /usr is not there" kiln run -j t -- test -e /usr/bin/env
ok "jail -i -m tar" kiln jail -i -j t
idt=$(sed -n 's/^identity: *//p' "$TMP/out")
like "$idt" '^[0-9a-f]{64}$' "has an identity"
ok "jail -u re-unpacks" kiln jail -u -j t
is "$(sed -n 's/.*identity \([0-9a-f]*\)$/\1/p' "$TMP/out")" "$(printf %.12s "$idt")" "same tarball, same identity"

ok "jail -c -m null" kiln jail -c -j n -m null -M "$rootfs"
ok "run in the null jail" kiln run -j n -- sh -c 'echo in-null > /tmp/x; touch /etc/new; cat /tmp/x'
is "$(cat "$TMP/out")" "in-null" "works"
fails 1 "and never writes the tree" test -e "$rootfs/etc/new"
ok "jail -i -m null" kiln jail -i -j n
idn=$(sed -n 's/^identity: *//p' "$TMP/out")
is "$idn" "$idt" "the same tree has the same identity whatever the method"
echo changed > "$rootfs/etc/motd"
ok "jail -i after the tree changed" kiln jail -i -j n
isnt=$(sed -n 's/^identity: *//p' "$TMP/out")
[ "$isnt" != "$idn" ]; _t_result $? "a null jail's identity follows its tree"
ok "jail -d -m null" kiln jail -d -j n
ok "leaves the tree alone" test -x "$rootfs/bin/busybox"

python3 - "$TMP/evil.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name in ("bin/ok", "../escaped-kiln-t3101"):
        data = b"x\n"
        ti = tarfile.TarInfo(name); ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
PY
fails 1 "a tarball with '..' is refused" kiln jail -c -j evil -m tar -M "$TMP/evil.tar"
fails 1 "nothing was written outside" test -e "$TMP/basefs/jails/escaped-kiln-t3101"
fails 1 "and the half-made jail is removed" test -e "$TMP/basefs/jails/evil"
fails 1 "a missing tarball is refused" kiln jail -c -j x -m tar -M "$TMP/nope.tgz"
like "$(cat "$TMP/err")" "nope.tgz: no such file" "naming it"

done_testing
