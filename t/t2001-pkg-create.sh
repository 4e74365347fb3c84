#!/bin/sh
# kiln pkg create: packages from stage dirs, in pkg's layout, and the
# packing-list errors users see.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib/pkg-fixtures.sh"

mkstage hello 1.0_1
S=$TMP/src/hello-1.0_1
echo stray > "$S/stage/usr/local/share/stray"
ok "create a package" kiln pkg create -r "$S/stage" -m "$S/meta" -p "$S/plist" -o "$TMP/o1"
P=$TMP/o1/hello-1.0_1.pkg
is "$(cat "$TMP/out")" "$P" "prints the package path"
like "$(cat "$TMP/err")" "/usr/local/share/stray: in the stage but not in the packing list" \
    "stage files outside the list are reported"

members=$(tar -tf "$P" 2>/dev/null)
is "$(echo "$members" | sed -n 1p)" "+COMPACT_MANIFEST" "+COMPACT_MANIFEST is first"
is "$(echo "$members" | sed -n 2p)" "+MANIFEST" "+MANIFEST is second"
# GNU tar shows the stored names; python shows whether the / is there.
names=$(zstd -dc "$P" | python3 -c 'import tarfile,sys; print("\n".join(m.name for m in tarfile.open(fileobj=sys.stdin.buffer, mode="r|")))')
like "$names" "^/usr/local/bin/hello$" "payload names are absolute"
like "$(echo "$names" | tail -n 1)" "^/usr/local/share/hello/?$" "directories come last"
is "$(python3 -c 'import sys; d=open(sys.argv[1],"rb").read(4); print(d.hex())' "$P")" "28b52ffd" \
    "zstd is the default compression"
tar -xOf "$P" +MANIFEST > "$TMP/manifest.json" 2>/dev/null
ok "+MANIFEST is JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/manifest.json"
m=$(cat "$TMP/manifest.json")
like "$m" '"www":"https://example.org/hello"' "www comes from the WWW: line of +DESC"
like "$m" '"/usr/local/bin/hello":\{"sum":"1\$[0-9a-f]{64}","uname":"root","gname":"wheel","perm":"0755"' \
    "files carry sum, owner and mode"
like "$m" '"symlink_target":"hello"' "symlinks carry their target"
like "$m" '"abi":"Linux:[0-9]+\.[0-9]+:x86_64"|"abi":"Linux:[0-9]+\.[0-9]+:aarch64"' \
    "the default ABI is the host's, in pkg's Linux spelling"
like "$m" '"post-install":"if \[ ! -e' "@sample becomes a post-install script"
ok "pkg create: sha256 in the manifest matches the file" python3 - "$TMP/manifest.json" "$S/stage" <<'PY'
import json, sys, hashlib
m = json.load(open(sys.argv[1]))
f = m["files"]["/usr/local/bin/hello"]["sum"]
want = "1$" + hashlib.sha256(open(sys.argv[2] + "/usr/local/bin/hello", "rb").read()).hexdigest()
sys.exit(0 if f == want else 1)
PY

# FreeBSD packages from a Linux host, as pkg create -o ABI= -o OSVERSION=.
ok "create with a FreeBSD ABI" kiln pkg -o ABI=FreeBSD:15:amd64 -o OSVERSION=1500068 \
    create -r "$S/stage" -m "$S/meta" -p "$S/plist" -o "$TMP/fbsd"
m=$(tar -xOf "$TMP/fbsd/hello-1.0_1.pkg" +COMPACT_MANIFEST 2>/dev/null)
like "$m" '"abi":"FreeBSD:15:amd64","arch":"freebsd:15:x86:64"' "FreeBSD abi and legacy arch"
like "$m" '"annotations":\{"FreeBSD_version":"1500068"\}' "FreeBSD_version annotation"

for f in txz tgz tar; do
	ok "create with -f $f" kiln pkg create -f $f -r "$S/stage" -m "$S/meta" -p "$S/plist" -o "$TMP/$f"
	ok "the $f package extracts" kiln pkg extract "$TMP/$f/hello-1.0_1.pkg" "$(mkdir -p "$TMP/x$f" && echo "$TMP/x$f")"
done

ok "SOURCE_DATE_EPOCH sets every mtime" env SOURCE_DATE_EPOCH=1000000000 \
    "$KILN" pkg create -r "$S/stage" -m "$S/meta" -p "$S/plist" -o "$TMP/sde"
like "$(tar -tvf "$TMP/sde/hello-1.0_1.pkg" 2>/dev/null | grep bin/hello$)" "2001-09-09" \
    "payload mtime is the forced one"

# Reproducible whatever the CPU count: zstd's multi-threaded output does
# not depend on the number of workers (archive.c); ~20 MB spans several
# zstd jobs and starts the hashing pool.
B=$TMP/big
mkdir -p "$B/stage/usr/local/share/big" "$B/meta"
for i in 1 2 3 4; do
	head -c 3800000 /dev/urandom | base64 > "$B/stage/usr/local/share/big/f$i.txt"
	echo "share/big/f$i.txt"
done > "$B/plist"
sed 's/^name: hello/name: big/' "$S/meta/+MANIFEST" > "$B/meta/+MANIFEST"
cp "$S/meta/+DESC" "$B/meta/+DESC"
ok "create with -T 1" kiln pkg create -T 1 -t 1000000000 -r "$B/stage" -m "$B/meta" -p "$B/plist" -o "$B/t1"
ok "create with -T 4" kiln pkg create -T 4 -t 1000000000 -r "$B/stage" -m "$B/meta" -p "$B/plist" -o "$B/t4"
ok "-T 1 and -T 4 write the same bytes" cmp "$B/t1/big-1.0_1.pkg" "$B/t4/big-1.0_1.pkg"
ok "the -T 4 package extracts (every sum checked)" kiln pkg extract "$B/t4/big-1.0_1.pkg" "$(mkdir -p "$B/x" && echo "$B/x")"
fails 1 "a negative -T is refused" kiln pkg create -T -1 -r "$B/stage" -m "$B/meta" -p "$B/plist" -o "$B/tn"
like "$(cat "$TMP/err")" "-T -1: want 0 \\(all CPUs\\) or more" "the error names the option"

# Errors name the file, the line and the problem.
printf 'bin/hello\n@frobnicate x\n' > "$TMP/bad.plist"
fails 1 "unknown keyword refused" kiln pkg create -r "$S/stage" -m "$S/meta" -p "$TMP/bad.plist" -o "$TMP/o2"
like "$(cat "$TMP/err")" "bad.plist:2: unknown keyword '@frobnicate'" "error names file:line and the keyword"
printf 'bin/hello\nbin/missing\n' > "$TMP/bad2.plist"
fails 1 "missing staged file refused" kiln pkg create -r "$S/stage" -m "$S/meta" -p "$TMP/bad2.plist" -o "$TMP/o2"
like "$(cat "$TMP/err")" "bad2.plist:2: /usr/local/bin/missing: not in the stage" "error names the missing file"
mkdir -p "$TMP/badmeta"
printf 'name: hello\nversion: "1"\nflatsize: "big"\n' > "$TMP/badmeta/+MANIFEST"
fails 1 "mistyped manifest key refused" kiln pkg create -r "$S/stage" -m "$TMP/badmeta" -p "$S/plist" -o "$TMP/o2"
like "$(cat "$TMP/err")" "\+MANIFEST: key 'flatsize': expected integer" "error names the key"
printf 'name: hello\nversion: "1"\n' > "$TMP/badmeta/+MANIFEST"
fails 1 "missing required keys refused" kiln pkg create -r "$S/stage" -m "$TMP/badmeta" -p "$S/plist" -o "$TMP/o2"
like "$(cat "$TMP/err")" "required key 'origin'" "error names the missing key"
fails 2 "create without -r is a usage error" kiln pkg create -m "$S/meta"
ok "create --help" kiln pkg create --help
done_testing
