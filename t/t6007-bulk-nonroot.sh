#!/bin/sh
# t6007: BUILD_AS_NON_ROOT (default yes) runs extract through stage as
# PORTBUILD_USER (default nobody, looked up in the jail's /etc/passwd),
# with WRKDIR and what kiln writes there given to that user; NEED_ROOT in
# a port and BUILD_AS_NON_ROOT=no build as root; an unknown user fails the
# bulk before anything is built.  Packages own their files as root either
# way.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/bulk-lib.sh"
need_root
bulk_setup || { echo "not ok 1 - setup"; done_testing; exit 1; }
logs=$TMP/basefs/data/logs/bulk/main-t/latest/logs
nobody=$(awk -F: '$1 == "nobody" { print $3 ":" $4 }' /etc/passwd)

# The build shows its ids in the log; it writes to its (kiln-extracted)
# source tree, and the stage gets a file through a post-install target.
mkport devel/who "" "id -u | sed 's/^/build uid: /'; id -g | sed 's/^/build gid: /'; touch written-by-build"
mkport sysutils/needroot "" "id -u | sed 's/^/build uid: /'" "NEED_ROOT=	yes"

ok "bulk as the build user" kbulk devel/who sysutils/needroot
like "$(cat "$logs/who-1.0.log")" "building as uid ${nobody%:*} gid ${nobody#*:} \\(BUILD_AS_NON_ROOT\\)" "the log names the ids"
like "$(cat "$logs/who-1.0.log")" "build uid: ${nobody%:*}" "the build ran as nobody's uid"
like "$(cat "$logs/who-1.0.log")" "build gid: ${nobody#*:}" "and nobody's gid"
like "$(cat "$logs/needroot-1.0.log")" "building as root \\(NEED_ROOT\\)" "NEED_ROOT: the log says root"
like "$(cat "$logs/needroot-1.0.log")" "build uid: 0" "NEED_ROOT: the build ran as root"
pkg=$TMP/basefs/data/packages/main-t/All/who-1.0.pkg
like "$(tar -tvf "$pkg" 2>/dev/null | grep /bin/who)" "root/wheel" "the package's files belong to root"

printf 'BUILD_AS_NON_ROOT=no\n' >> "$KILN_CONF"
ok "BUILD_AS_NON_ROOT=no" kbulk -C devel/who
like "$(cat "$logs/who-1.0.log")" "build uid: 0" "the build ran as root"

printf 'BUILD_AS_NON_ROOT=yes\nPORTBUILD_USER=kiln-no-such-user\n' >> "$KILN_CONF"
fails 1 "an unknown PORTBUILD_USER" kbulk -C devel/who
like "$(cat "$TMP/err")" "PORTBUILD_USER: kiln-no-such-user: no such user in jail main's /etc/passwd" "the error names the user and the jail"
unlike "$(cat "$TMP/out")" "built devel/who" "nothing was built"

printf 'PORTBUILD_USER=4321\n' >> "$KILN_CONF"
ok "a numeric PORTBUILD_USER" kbulk -C devel/who
like "$(cat "$logs/who-1.0.log")" "build uid: 4321" "the build ran as that uid"
done_testing
