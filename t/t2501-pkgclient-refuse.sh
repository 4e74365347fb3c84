#!/bin/sh
# t2501: every refusal of kiln's package client leaves ROOT and the
# database exactly as they were (a listing with checksums of ROOT and a
# full SQL dump of the database are compared before and after):
# tampered catalog, bad signature, wrong key, missing signature, a package
# whose checksum does not match the catalog, a file whose checksum does
# not match its manifest, path traversal, symlink escapes, file conflict.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-pkgclient.sh"

command -v openssl >/dev/null || skip_all "needs openssl"
command -v sqlite3 >/dev/null || skip_all "needs sqlite3"
command -v zstd >/dev/null || skip_all "needs zstd"

mkkey || exit 1
mkpkg libgreet 1.0 "" || exit 1
mkpkg hello 1.0 "libgreet:1.0" || exit 1
mkpkg tool 1.0 "" || exit 1
index "$TMP/key.pem" || exit 1
http_serve "$REPO" || exit 1
REPO_URL=$HTTP_URL
repoconf pubkey
ok "baseline install" kpkg install -y hello
snap > "$TMP/before"

# unchanged DESC: ROOT and the database are as in $TMP/before.
unchanged() {
	snap > "$TMP/after"
	if cmp -s "$TMP/before" "$TMP/after"; then
		_t_result 0 "$1: ROOT and database unchanged"
	else
		_t_result 1 "$1: ROOT and database unchanged"
		diff "$TMP/before" "$TMP/after" | head -20 | sed 's/^/# /'
	fi
}

# refused DESC REGEX CMD...: CMD exits 1, stderr matches, nothing changed.
refused() {
	_d=$1 _re=$2
	shift 2
	fails 1 "$_d: refused with exit 1" "$@"
	like "$(cat "$TMP/err")" "$_re" "$_d: the error says why"
	case $_d in
	*catalog*|*signature*|*key*|*name*)
		unlike "$(cat "$TMP/out")" 'up to date' \
		    "$_d: never a silent 'up to date'" ;;
	esac
	unchanged "$_d"
}

# Repack the server's data.pkg with a function applied to its members.
repack() {
	rm -rf "$TMP/unpack" && mkdir "$TMP/unpack" &&
	tar --zstd -xmf "$REPO/data.pkg" -C "$TMP/unpack" && "$@" &&
	(cd "$TMP/unpack" && tar --zstd -cf "$REPO/data.pkg" $(ls -r)) &&
	rm -f "$REPO/packagesite.pkg" &&
	touch -d '+30 sec' "$REPO/data.pkg" "$REPO/meta.conf" 2>/dev/null
}

# Tampered catalog: the version of tool changed, signature kept.
repack sed -i 's/"version":"1.0"/"version":"6.6"/' "$TMP/unpack/data"
refused "tampered catalog" "invalid signature|signature" kpkg install -y tool
refused "tampered catalog (update)" "signature" kpkg update

# Bad signature: one byte of the signature flipped.
index "$TMP/key.pem" || exit 1
flip() { python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=0xff; open(p,"wb").write(b)' "$1"; }
repack flip "$TMP/unpack/signature"
refused "bad signature" "signature" kpkg install -y tool

# Missing signature: the repo is unsigned, the conf says pubkey.
index || exit 1
refused "missing signature" "signature" kpkg install -y tool

# Wrong key: signed with one key, the conf trusts another.
index "$TMP/key.pem" || exit 1
openssl genrsa -out "$TMP/other.pem" 2048 2>/dev/null
openssl rsa -in "$TMP/other.pem" -pubout -out "$TMP/other.pub" 2>/dev/null
PUBKEY=$TMP/other.pub repoconf pubkey
refused "wrong key" "signature" kpkg install -y tool
repoconf pubkey

# Package checksum mismatch: the .pkg on the server differs from the
# catalog's sum (same size).
cp "$REPO/All/tool-1.0.pkg" "$TMP/tool.save"
flip "$REPO/All/tool-1.0.pkg"
refused "package checksum mismatch" "checksum mismatch" kpkg install -y tool
cp "$TMP/tool.save" "$REPO/All/tool-1.0.pkg"

# Hand-made archives: mkevil NAME MEMBERS-JSON writes All/NAME-1.0.pkg
# with a manifest listing the members (type f/l, optional wrong sum).
mkevil() {
	python3 - "$REPO/All/$1-1.0.pkg" "$1" "$2" <<'PY'
import hashlib, io, json, sys, tarfile
out, name, members = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
files = {}
for m in members:
    if m["type"] == "l":
        s = hashlib.sha256(m["target"].lstrip("/").encode() +
                           (b"\0" if m["target"].startswith("/") else b"")).hexdigest()
        files[m["path"]] = {"sum": "1$" + s, "uname": "root", "gname": "wheel",
                            "perm": "0777", "symlink_target": m["target"]}
    else:
        s = hashlib.sha256(m["data"].encode()).hexdigest()
        files[m["path"]] = {"sum": "1$" + (m.get("sum") or s), "uname": "root",
                            "gname": "wheel", "perm": "0644"}
man = {"name": name, "origin": "test/" + name, "version": "1.0",
       "comment": "evil", "maintainer": "t@example.org", "www": "https://example.org",
       "abi": "*", "arch": "*", "prefix": "/usr/local", "flatsize": 10,
       "desc": "evil", "files": files}
compact = {k: v for k, v in man.items() if k != "files"}
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
    for n, obj in (("+COMPACT_MANIFEST", compact), ("+MANIFEST", man)):
        b = json.dumps(obj, separators=(",", ":")).encode()
        ti = tarfile.TarInfo(n); ti.size = len(b); ti.mode = 0o644
        t.addfile(ti, io.BytesIO(b))
    for m in members:
        ti = tarfile.TarInfo(m["path"])
        if m["type"] == "l":
            ti.type = tarfile.SYMTYPE; ti.linkname = m["target"]; ti.mode = 0o777
            t.addfile(ti)
        else:
            b = m["data"].encode(); ti.size = len(b); ti.mode = 0o644
            t.addfile(ti, io.BytesIO(b))
PY
}

mkevil badsum '[{"path":"/usr/local/share/badsum","type":"f","data":"x","sum":"00000000000000000000000000000000000000000000000000000000000000ff"}]'
mkevil traversal '[{"path":"/usr/local/../../../../../../tmp/kiln-t2501-escape","type":"f","data":"pwned"}]'
mkevil symesc '[{"path":"/usr/local/share/esc","type":"l","target":"../../../../../../../../tmp"},{"path":"/usr/local/share/esc/kiln-t2501-pwn","type":"f","data":"pwned"}]'
mkevil symabs '[{"path":"/usr/local/share/abs","type":"l","target":"/tmp"},{"path":"/usr/local/share/abs/kiln-t2501-pwn","type":"f","data":"pwned"}]'
mkevil symout '[{"path":"/usr/local/share/out","type":"l","target":"../../../../../../../../etc/passwd"}]'
mkevil linker '[{"path":"/usr/local/share/lnk","type":"l","target":"../bin"}]'
mkevil through '[{"path":"/usr/local/share/lnk/evil","type":"f","data":"pwned"}]'
mkevil conflict '[{"path":"/usr/local/share/conflict/a","type":"f","data":"a"},{"path":"/usr/local/bin/hello","type":"f","data":"not hello"}]'
index "$TMP/key.pem" || exit 1
grep -q badsum "$TMP/index.out" >/dev/null 2>&1 || true

refused "file checksum mismatch inside the package" "badsum" kpkg install -y badsum
refused "path traversal" "traversal|\\.\\.|refused|not found" kpkg install -y traversal
ok "nothing escaped to /tmp (traversal)" [ ! -e /tmp/kiln-t2501-escape ]
refused "relative symlink escape" "symesc" kpkg install -y symesc
refused "absolute symlink written through" "symabs" kpkg install -y symabs
ok "nothing escaped to /tmp (symlinks)" [ ! -e /tmp/kiln-t2501-pwn ]
refused "symlink pointing out of ROOT" "symout|/usr/local/share/out" kpkg install -y symout
ok "a symlink inside ROOT installs" kpkg install -y linker
snap > "$TMP/before"
refused "writing through an installed symlink" "through|lnk" kpkg install -y through
ok "nothing written through the link" [ ! -e "$ROOT/usr/local/bin/evil" ]
refused "file conflict" "conflict.*/usr/local/bin/hello|/usr/local/bin/hello.*conflict" \
    kpkg install -y conflict

# After all that, the good repository still installs.
ok "a good install still works" kpkg install -y tool
ok "and checks clean" kpkg check -s

# A signed catalog naming a package "../../..": refused, nothing written.
python3 - "$REPO/All/evilname.pkg" <<'PY' || exit 1
import io, json, sys, tarfile
man = {"name": "../../../../../../tmp/kiln-t2501-name", "origin": "t/e",
       "version": "1.0", "comment": "c", "maintainer": "m", "www": "w",
       "abi": "*", "arch": "*", "prefix": "/usr/local", "flatsize": 0,
       "desc": "d", "files": {}}
with tarfile.open(sys.argv[1], "w") as t:
    for n in ("+COMPACT_MANIFEST", "+MANIFEST"):
        b = json.dumps(man).encode(); ti = tarfile.TarInfo(n); ti.size = len(b)
        t.addfile(ti, io.BytesIO(b))
PY
index "$TMP/key.pem" || exit 1
snap > "$TMP/before"
refused "catalog with a hostile package name" "not a plain file name" kpkg update
ok "nothing written outside ROOT" sh -c '! ls /tmp/kiln-t2501-name* 2>/dev/null | grep -q .'

done_testing
