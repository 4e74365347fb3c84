#!/bin/sh
# kiln image: the initramfs, tar and ISO outputs hold kiln's init, rc.subr,
# busybox, the overlay and the shared libraries its programs need; one ISO
# boots under kiln vm test; errors name what is wrong.
. "$(dirname "$0")/test-lib.sh"
. "$TOP/t/lib/vm-image.sh"
vm_need

make_service_overlay "$TMP/ov"
cp /usr/bin/env "$TMP/ov/usr/local/bin/env-dyn"	# a dynamically linked program
ok "initramfs image" kiln image -t initramfs -o "$TMP/img" -c "$TMP/ov" -n demo -h demo-host
for f in vmlinuz initramfs.cpio.gz cmdline; do
	ok "initramfs output has $f" test -s "$TMP/img/$f"
done
zcat "$TMP/img/initramfs.cpio.gz" | cpio -tv --quiet > "$TMP/list" 2>/dev/null
list=$(cat "$TMP/list")
for f in init etc/rc.subr etc/rc etc/inittab usr/sbin/daemon usr/sbin/service \
    bin/busybox usr/local/etc/rc.d/hellod usr/local/bin/env-dyn; do
	like "$list" " $f\$" "the initramfs holds $f"
done
like "$list" '^crw------- +1 root +root +5, +1 .* dev/console$' "dev/console is a device node (made without mknod)"
like "$list" ' bin/sh -> /bin/busybox$' "busybox applets are links"
unlike "$(grep -v ' root  *root ' "$TMP/list")" '.' "every entry is owned by root"
interp=$(readelf -l /usr/bin/env 2>/dev/null | sed -n 's/.*interpreter: \(.*\)]/\1/p')
like "$list" " ${interp#/}\$" "the program interpreter of the dynamic program is there"
like "$list" ' lib/x86_64-linux-gnu/libc.so.6$' "and the libc it needs"

mkdir "$TMP/x"
(cd "$TMP/x" && zcat "$TMP/img/initramfs.cpio.gz" | cpio -id --quiet 2>/dev/null)
is "$(cat "$TMP/x/etc/hostname")" "demo-host" "-h sets the hostname"
like "$(cat "$TMP/x/etc/kiln-image")" '^name=demo' "-n names the image"
if [ "$(id -u)" = 0 ]; then
	ok "the dynamic program runs inside the tree (its libraries were found)" \
	    chroot "$TMP/x" /usr/local/bin/env-dyn true
else
	echo "ok - # SKIP chroot needs root"
fi

ok "rebuilding over an existing output" kiln image -t initramfs -o "$TMP/img" -c "$TMP/ov"
is "$(ls -d "$TMP"/img.tmp.* 2>/dev/null)" "" "no temporary left behind"

# With -j, libraries come from the jail's base, not from the host.
mkdir -p "$TMP/fakeroot/bin"
cp /bin/busybox "$TMP/fakeroot/bin/sh"
ok "a null jail over a tree without shared libraries" \
    kiln jail -c -j fake -m null -M "$TMP/fakeroot"
fails 1 "a jail without the libraries the program needs" \
    kiln image -j fake -p default -t tar -o "$TMP/j.tar" -c "$TMP/ov"
like "$(cat "$TMP/err")" "env-dyn: .*not (found )?in $TMP/fakeroot" "names the program and the jail's tree"
for f in $interp /lib/x86_64-linux-gnu/libc.so.6; do
	mkdir -p "$TMP/fakeroot$(dirname "$f")"
	cp -L "$f" "$TMP/fakeroot$f"
done
ok "the jail's libraries are used" kiln image -j fake -p default -t tar -o "$TMP/j.tar" -c "$TMP/ov"
like "$(tar -tf "$TMP/j.tar")" 'lib/x86_64-linux-gnu/libc.so.6' "libc taken from the jail"

ok "tar image" kiln image -t tar -o "$TMP/img.tar" -c "$TMP/ov"
tl=$(tar -tvf "$TMP/img.tar")
like "$tl" ' boot/vmlinuz$' "the tar carries the kernel"
like "$tl" ' usr/local/etc/rc.d/zsmoke$' "and the overlay"

ok "iso image" kiln image -t iso -o "$TMP/img.iso" -c "$TMP/ov" -n demo
ok "the ISO boots (BIOS, GRUB) and the service is healthy" \
    kiln vm test "$TMP/img.iso" --expect 'hello-smoke: healthy'
ok "a VM for an install" kiln vm create -t default -s 64M inst
ok "vm install starts it from the ISO" kiln vm install inst "$TMP/img.iso"
ok "the next start boots the disk again" test ! -e "$TMP/basefs/vm/inst/boot"
i=0
until grep -q 'hello-smoke: healthy' "$TMP/basefs/vm/inst/console.log" 2>/dev/null || [ $i -ge 600 ]; do
	sleep 0.2
	i=$((i + 1))
done
like "$(cat "$TMP/basefs/vm/inst/console.log")" 'hello-smoke: healthy' "the installed-from ISO boots in the VM"
ok "stop it" kiln vm stop -t 20 inst
ok "destroy it" kiln vm destroy inst
if [ -n "${KILN_TEST_UEFI:-}" ]; then
	ok "the ISO boots under UEFI (OVMF)" kiln vm test -t uefi "$TMP/img.iso" --expect 'hello-smoke: healthy'
fi

fails 1 "a bad type" kiln image -t qcow -o "$TMP/x.img"
like "$(cat "$TMP/err")" '-t qcow: want iso, tar or initramfs' "names the type"
fails 1 "a missing overlay" kiln image -t tar -o "$TMP/x.tar" -c "$TMP/nope"
like "$(cat "$TMP/err")" "$TMP/nope: overlay is not a directory" "names the overlay"
fails 1 "a missing kernel" kiln image -t initramfs -o "$TMP/x" -k "$TMP/nope"
like "$(cat "$TMP/err")" "$TMP/nope: No such file" "names the kernel"
fails 1 "packages need a jail and a ports tree" kiln image -t tar -o "$TMP/x.tar" somepkg
like "$(cat "$TMP/err")" 'packages need -j JAIL and -p PORTS' "says what is missing"
fails 1 "an unknown jail" kiln image -j nojail -p default -t tar -o "$TMP/x.tar" somepkg
like "$(cat "$TMP/err")" "jail nojail does not exist" "names the jail"
cp /usr/bin/env "$TMP/ov/usr/local/bin/env-dyn"
printf '\177ELF\002\001\001' > "$TMP/ov/usr/local/bin/corrupt"
fails 1 "a corrupt ELF file is an error, not a crash" kiln image -t tar -o "$TMP/x.tar" -c "$TMP/ov"
like "$(cat "$TMP/err")" 'usr/local/bin/corrupt: truncated or corrupt ELF' "names the file"
ok "no output on failure" test ! -e "$TMP/x.tar"
is "$(qemu_left "$TMP")" "" "no QEMU left"
done_testing
