#!/bin/sh
# t2503: install scripts run with pkg's environment; with -r ROOT they
# run chrooted into ROOT (needs root: the test gives ROOT a static
# busybox as /bin/sh); a failing pre-install script aborts the install
# with ROOT and the database unchanged; RUN_SCRIPTS=no skips them.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-pkgclient.sh"

need_root
command -v sqlite3 >/dev/null || skip_all "needs sqlite3"
BB=$(command -v busybox) || skip_all "needs busybox (static)"
file -L "$BB" 2>/dev/null | grep -q 'statically linked' ||
    ldd "$BB" 2>&1 | grep -q 'not a dynamic' || skip_all "busybox is not static"

# scripted NAME VERSION PRE POST: a package with pre/post-install scripts.
scripted() {
	mkpkg "$1" "$2" "" || return 1
	printf '%s\n' "$3" > "$TMP/meta/$1-$2/+PRE_INSTALL"
	printf '%s\n' "$4" > "$TMP/meta/$1-$2/+POST_INSTALL"
	"${KILN_CREATE:-$KILN}" pkg create -r "$TMP/stage/$1-$2" -m "$TMP/meta/$1-$2" \
	    -p "$TMP/meta/$1-$2/plist" -o "$REPO/All" >/dev/null
}

mkdir -p "$ROOT/bin" "$ROOT/tmp"
cp "$BB" "$ROOT/bin/busybox"
for t in sh cat echo env mkdir; do ln -s busybox "$ROOT/bin/$t"; done
MARK=kiln-t2503-$$
scripted env 1.0 'env > /tmp/pre.env; echo "$1" > /tmp/pre.args' \
    "echo post \$PKG_NAME > /tmp/$MARK; ls / > /tmp/root.ls"
scripted failing 1.0 'echo refusing >&2; exit 3' 'echo never > /tmp/failing'
index || exit 1
REPO_URL=file://$REPO
repoconf none

ok "install runs the scripts" kpkg install -y env
ok "post-install wrote inside ROOT" [ -f "$ROOT/tmp/$MARK" ]
ok "and not on the host" [ ! -e "/tmp/$MARK" ]
is "$(cat "$ROOT/tmp/$MARK")" "post env" "PKG_NAME is set"
like "$(cat "$ROOT/tmp/pre.env")" '^PKG_ROOTDIR=/$' "chrooted: PKG_ROOTDIR=/"
like "$(cat "$ROOT/tmp/pre.env")" "^KILN_ROOTDIR=$ROOT\$" "KILN_ROOTDIR is the host path"
like "$(cat "$ROOT/tmp/pre.env")" '^PKG_PREFIX=/usr/local$' "PKG_PREFIX"
like "$(cat "$ROOT/tmp/pre.env")" '^PKG_UPGRADE=false$' "PKG_UPGRADE"
is "$(cat "$ROOT/tmp/pre.args")" "env-1.0" "\$1 is NAME-VERSION"
like "$(cat "$ROOT/tmp/root.ls")" 'bin' "the script saw ROOT as /"
unlike "$(cat "$ROOT/tmp/root.ls")" '^proc$' "not the host's /"

snap > "$TMP/before"
fails 1 "a failing pre-install script aborts" kpkg install -y failing
like "$(cat "$TMP/err")" 'failing-1.0: pre-install script exited 3' "the error names it"
snap > "$TMP/after"
ok "ROOT and database unchanged after the failed script" cmp -s "$TMP/before" "$TMP/after"

# Upgrade: PKG_UPGRADE=true for the new version's scripts.
mkdir -p "$TMP/meta/env-1.1"
scripted env 1.1 'env > /tmp/pre.env' 'true'
rm "$REPO/All/env-1.0.pkg"
index || exit 1
ok "upgrade runs the new scripts" kpkg upgrade -y env
like "$(cat "$ROOT/tmp/pre.env")" '^PKG_UPGRADE=true$' "PKG_UPGRADE=true on upgrade"

ok "RUN_SCRIPTS=no skips scripts" kpkg -o RUN_SCRIPTS=no install -y failing
ok "no post-install ran" [ ! -e "$ROOT/tmp/failing" ]

done_testing
