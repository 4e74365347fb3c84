#!/bin/sh
# kiln jail -m debootstrap -v bookworm: a Debian minbase tree from Debian's
# default mirror.  Slow (minutes, ~40 MB download) and needs the archive:
# runs only with KILN_SLOW_TESTS=1.
. "$(dirname "$0")/test-lib.sh"
need_root
[ "${KILN_SLOW_TESTS:-0}" = 1 ] || skip_all "slow: debootstrap downloads a Debian base from its default mirror; set KILN_SLOW_TESTS=1 to run it"
command -v debootstrap >/dev/null || skip_all "needs debootstrap"

ok "jail -c -m debootstrap -v bookworm" kiln jail -c -j deb -m debootstrap -v bookworm
like "$(cat "$TMP/out")" "jail deb created: debootstrap bookworm, Linux:3.2:$(uname -m)" "Debian 12's ABI"
ok "resolv.conf is scrubbed" test ! -s "$TMP/basefs/jails/deb/root/etc/resolv.conf"
is "$(ls "$TMP/basefs/jails/deb/root/var/cache/apt/archives" | grep -c '\.deb$')" "0" "no .deb files are kept"
ok "jail -i" kiln jail -i -j deb
like "$(cat "$TMP/out")" "^version: +bookworm$" "the suite is the version"
ok "a command runs in it" kiln run -j deb -- /bin/sh -c '. /etc/os-release; echo $VERSION_CODENAME; dpkg -l | grep -c ^ii'
like "$(head -n 1 "$TMP/out")" "^bookworm$" "it is bookworm"
ok "jail -d" kiln jail -d -j deb

done_testing
