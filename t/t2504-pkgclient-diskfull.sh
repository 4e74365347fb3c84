#!/bin/sh
# t2504: a full disk leaves ROOT and the database as they were.  ROOT is a
# 4 MiB tmpfs mounted in a private mount namespace (unshare -m), so the
# mount disappears with the test.  Two cases: the space check refuses a
# package whose flatsize does not fit before anything is written, and a
# package that lies about its size (flatsize 1) runs out of space during
# extraction (ENOSPC) and is rolled back.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-pkgclient.sh"

need_root
command -v unshare >/dev/null || skip_all "needs unshare"
command -v sqlite3 >/dev/null || skip_all "needs sqlite3"
unshare -m true 2>/dev/null || skip_all "cannot make a mount namespace here"

mkpkg small 1.0 "" || exit 1
mkpkg huge 1.0 "" "share/huge/blob=$(head -c 6000000 /dev/zero | tr '\0' x)" || exit 1
index || exit 1
# liar: a 6 MB file while its manifest says flatsize 1.
python3 - "$REPO/All/liar-1.0.pkg" <<'PY' || exit 1
import hashlib, io, json, sys, tarfile
data = b"y" * 6000000
man = {"name": "liar", "origin": "test/liar", "version": "1.0", "comment": "c",
       "maintainer": "m@example.org", "www": "https://example.org", "abi": "*",
       "arch": "*", "prefix": "/usr/local", "flatsize": 1, "desc": "d",
       "files": {"/usr/local/share/liar/blob": {"sum": "1$" + hashlib.sha256(data).hexdigest(),
                 "uname": "root", "gname": "wheel", "perm": "0644"}}}
with tarfile.open(sys.argv[1], "w") as t:
    for n, o in (("+COMPACT_MANIFEST", {k: v for k, v in man.items() if k != "files"}),
                 ("+MANIFEST", man)):
        b = json.dumps(o).encode(); ti = tarfile.TarInfo(n); ti.size = len(b)
        t.addfile(ti, io.BytesIO(b))
    ti = tarfile.TarInfo("/usr/local/share/liar/blob"); ti.size = len(data)
    t.addfile(ti, io.BytesIO(data))
PY
index || exit 1
REPO_URL=file://$REPO
repoconf none

# Everything below runs inside the private mount namespace; it gets the
# paths it needs through the environment.
export TMP ROOT KILN
unshare -m sh -c '
	mount --make-rprivate / 2>/dev/null
	mount -t tmpfs -o size=4m tmpfs "$1" || exit 99
	shift
	exec "$@"
' sh "$ROOT" sh -c '
	. "$1/t/lib-pkgclient.sh" 2>/dev/null
	kp() { "$KILN" pkg -r "$ROOT" -R "$TMP/repos" "$@"; }
	kp install -y small >/dev/null 2>&1 || echo "small: failed"
	snap > "$TMP/before"
	kp install -y huge >"$TMP/huge.out" 2>"$TMP/huge.err"; echo "huge: $?"
	snap > "$TMP/after-huge"
	kp install -y liar >"$TMP/liar.out" 2>"$TMP/liar.err"; echo "liar: $?"
	snap > "$TMP/after-liar"
	kp install -y small >/dev/null 2>&1; echo "again: $?"
	df -k "$ROOT" | tail -1 | awk "{print \"used:\", \$3}"
' sh "$TOP" > "$TMP/ns.out" 2>&1
rc=$?
ok "the namespace ran" [ $rc = 0 ]
is "$(grep '^huge:' "$TMP/ns.out")" "huge: 1" "a package larger than the free space: exit 1"
like "$(cat "$TMP/huge.err")" 'not enough space' "the error says not enough space"
ok "huge: ROOT and database unchanged" cmp -s "$TMP/before" "$TMP/after-huge"
is "$(grep '^liar:' "$TMP/ns.out")" "liar: 1" "running out of space while extracting: exit 1"
like "$(cat "$TMP/liar.err")" 'No space left|space' "the error says no space"
ok "liar: ROOT and database unchanged" cmp -s "$TMP/before" "$TMP/after-liar"
is "$(grep '^again:' "$TMP/ns.out")" "again: 0" "the root is still usable"
ok "the tmpfs is gone with the namespace" sh -c "! grep -q ' $ROOT ' /proc/mounts"

done_testing
