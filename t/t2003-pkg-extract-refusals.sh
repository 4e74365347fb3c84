#!/bin/sh
# Safe extraction: hostile archives (crafted with python3 tarfile) are
# refused as a whole, name the member and the rule, and leave the target
# directory exactly as it was; nothing is written outside it.
. "$(dirname "$0")/test-lib.sh"

CRAFT="python3 $TOP/t/lib/craft-pkg.py"
mkdir -p "$TMP/outside"

snapshot() { (cd "$1" && find . -printf '%p %y %s\n' | sort); }

refused() {
	kind=$1 why=$2
	root=$TMP/root-$kind
	mkdir -p "$root/usr/local"
	echo keep > "$root/usr/local/keep"
	before=$(snapshot "$root")
	outside_before=$(snapshot "$TMP/outside")
	$CRAFT "$TMP/$kind.pkg" "$kind"
	fails 1 "$kind: refused" kiln pkg extract "$TMP/$kind.pkg" "$root"
	like "$(cat "$TMP/err")" "$why" "$kind: error says why"
	is "$(snapshot "$root")" "$before" "$kind: target directory unchanged"
	is "$(snapshot "$TMP/outside")" "$outside_before" "$kind: nothing written outside"
}

refused dotdot "not a normalised path"
refused relative "not an absolute path"
refused symlink-escape "points outside the root"
refused symlink-abs-escape "points outside the root"
refused through-symlink "refusing to write through /usr/local/lib"
refused chardev "refused type"
refused blockdev "refused type"
refused fifo "refused type"
refused hardlink-out "does not point to a file of this package"
refused unlisted "'/usr/local/share/unlisted' is not in the manifest"
refused badsum "/usr/local/share/f: checksum mismatch"

# A symlink already in the target pointing outside is never written through.
root=$TMP/root-planted
mkdir -p "$root/usr/local"
ln -s "$TMP/outside" "$root/usr/local/share"
$CRAFT "$TMP/good.pkg" good
fails 1 "planted symlink: refused" kiln pkg extract "$TMP/good.pkg" "$root"
like "$(cat "$TMP/err")" "refusing to write through symlink /usr/local/share" "planted symlink: error"
is "$(ls -A "$TMP/outside")" "" "planted symlink: nothing written outside"

# The same crafting helper's good archive does extract.
mkdir -p "$TMP/root-good"
ok "a well-formed archive extracts" kiln pkg extract "$TMP/good.pkg" "$TMP/root-good"
is "$(cat "$TMP/root-good/usr/local/share/f")" "ok" "its file is in place"
is "$(find "$TMP/root-good" -name '.kiln.tmp.*' | wc -l | tr -d ' ')" 0 "no temporary names left"

# -P: files outside the prefix are refused.
python3 - "$TMP/etc.pkg" <<'PY'
import io, json, sys, tarfile
m = json.dumps({"name":"e","version":"1","origin":"x/e","comment":"c","maintainer":"m",
    "www":"w","prefix":"/usr/local","desc":"d","files":{"/etc/rc.conf":""}}).encode()
b = io.BytesIO(); t = tarfile.open(fileobj=b, mode="w")
for n, d in (("+MANIFEST", m), ("/etc/rc.conf", b"x")):
    ti = tarfile.TarInfo(n); ti.size = len(d); t.addfile(ti, io.BytesIO(d))
t.close(); open(sys.argv[1], "wb").write(b.getvalue())
PY
mkdir -p "$TMP/root-p"
fails 1 "-P refuses a file outside the prefix" kiln pkg extract -P "$TMP/etc.pkg" "$TMP/root-p"
like "$(cat "$TMP/err")" "outside the prefix /usr/local" "-P error names the prefix"
is "$(ls -A "$TMP/root-p")" "" "-P: nothing written"
ok "without -P the same package extracts under the root" kiln pkg extract "$TMP/etc.pkg" "$TMP/root-p"
ok "file landed inside the root" test -f "$TMP/root-p/etc/rc.conf"
fails 1 "not a package" kiln pkg extract "$TOP/README.md" "$TMP/root-p"
done_testing
