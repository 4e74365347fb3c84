#!/bin/sh
# The plan's whole path on a small scale: two packages made with
# `kiln pkg create` (a shell daemon with an rc.d script, and a smoke agent
# that depends on it, the shape of colibri-daemon + colibri-smoke-agent),
# indexed with `kiln pkg repo` and published as JAIL-PORTS/.latest;
# `kiln image` installs the agent (pulling in the daemon) with kiln's
# package client, rc.conf comes from the overlay, and `kiln vm test` sees
# the agent report the daemon healthy.
. "$(dirname "$0")/test-lib.sh"
. "$TOP/t/lib/vm-image.sh"
vm_need
need_root	# package scripts run chrooted into the image root

B=$TMP/basefs
make_service_overlay "$TMP/src"	# the programs and rc.d scripts to package

# mkpkg NAME VERSION DEPS FILE...: a package of FILEs under /usr/local,
# taken from $TMP/src/usr/local.
mkpkg() {
	n=$1 v=$2 deps=$3
	shift 3
	st=$TMP/stage/$n md=$TMP/meta/$n
	mkdir -p "$st" "$md"
	: > "$md/plist"
	for f in "$@"; do
		mkdir -p "$(dirname "$st/usr/local/$f")"
		cp -p "$TMP/src/usr/local/$f" "$st/usr/local/$f"
		echo "$f" >> "$md/plist"
	done
	{
		echo "name: $n"
		echo "version: \"$v\""
		echo "origin: test/$n"
		echo "comment: \"$n test package\""
		echo "desc: \"$n, made by t7103\""
		echo "maintainer: test@example.org"
		echo "www: \"https://example.org/$n\""
		echo "prefix: /usr/local"
		echo "deps: {"
		for d in $deps; do
			echo "  ${d%%:*}: { origin: test/${d%%:*}, version: \"${d#*:}\" }"
		done
		echo "}"
	} > "$md/+MANIFEST"
	"$KILN" pkg create -r "$st" -m "$md" -p "$md/plist" -o "$REPO/All"
}

GEN=$B/data/packages/main-default/2026-01-01_00h00m00s
REPO=$GEN
mkdir -p "$REPO/All"
ok "a host jail (its base is this machine's)" kiln jail -c -j main -m host
ok "daemon package" mkpkg hellod 1.0 "" bin/hellod etc/rc.d/hellod
ok "smoke agent package (depends on the daemon)" \
    mkpkg hello-smoke 1.0 "hellod:1.0" bin/hello-smoke etc/rc.d/zsmoke
ok "repository index" kiln pkg repo "$REPO"
ln -s "$(basename "$GEN")" "$B/data/packages/main-default/.latest"

mkdir -p "$TMP/ov/etc"
printf 'hellod_enable="YES"\nzsmoke_enable="YES"\n' > "$TMP/ov/etc/rc.conf"
echo hello-smoke > "$TMP/pkglist"
ok "kiln image installs the packages from JAIL-PORTS" \
    kiln image -j main -p default -t initramfs -o "$TMP/img" -c "$TMP/ov" -f "$TMP/pkglist"
mkdir "$TMP/x"
(cd "$TMP/x" && zcat "$TMP/img/initramfs.cpio.gz" | cpio -id --quiet 2>/dev/null)
ok "the agent is in the image" test -x "$TMP/x/usr/local/bin/hello-smoke"
ok "its dependency, the daemon, too" test -x "$TMP/x/usr/local/etc/rc.d/hellod"
ok "the package database is in the image (for pkg upgrade later)" \
    test -f "$TMP/x/var/db/kiln/local.sqlite"
ok "the download cache is not" test ! -e "$TMP/x/var/cache/kiln"
ok "the image boots and the agent reports the daemon healthy" \
    kiln vm test "$TMP/img" --expect 'Starting hellod' --expect 'hello-smoke: healthy'

fails 1 "a package not in the repository" \
    kiln image -j main -p default -t initramfs -o "$TMP/img2" nosuchpkg
like "$(cat "$TMP/err")" 'nosuchpkg' "the error names the package"
ok "and no output was written" test ! -e "$TMP/img2"
fails 1 "a jail-ports pair with no published repository" \
    kiln image -j main -p other -t initramfs -o "$TMP/img2" hello-smoke
like "$(cat "$TMP/err")" 'main-other: no published repository' "names the pair"
is "$(qemu_left "$TMP")" "" "no QEMU left"
done_testing
