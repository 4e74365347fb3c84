#!/bin/sh
# kiln pkg repo: catalogs in pkg 2.x's format, signed with a key file and
# with a signing command, verified; tampering, wrong keys, missing and
# revoked signatures refused; re-indexing an unchanged repo opens no package.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib/pkg-fixtures.sh"

R=$TMP/repo
mkpkg libgreet 2.0 "$R/All"
mkpkg hello 1.0 "$R/All" libgreet 2.0
mkdir -p "$R/Latest" && ln -s ../All/hello-1.0.pkg "$R/Latest/hello.pkg"
mkkey good
mkkey evil

ok "index and sign with a key file" kiln pkg repo "$R" "$TMP/good.key"
like "$(cat "$TMP/out")" "2 packages \(2 read, 0 from the cache\), signed with a key" "summary line"
for f in meta.conf meta packagesite.pkg data.pkg; do
	ok "$f written" test -s "$R/$f"
done
is "$(cat "$R/meta.conf")" 'version = 2;
packing_format = "tzst";
manifests = "packagesite.yaml";
data = "data";
filesite = "files";
manifests_archive = "packagesite";
filesite_archive = "files";' "meta.conf as pkg 2.8 writes it"
is "$(stat -c %Y "$R/meta.conf")" "$(stat -c %Y "$R/data.pkg")" "data.pkg has meta.conf's mtime"
is "$(stat -c %Y "$R/meta.conf")" "$(stat -c %Y "$R/packagesite.pkg")" "packagesite.pkg has meta.conf's mtime"

is "$(zstd -dc "$R/data.pkg" | tar -tf - | tr '\n' ' ')" "signature data " \
    "data.pkg: signature member, then data"
is "$(zstd -dc "$R/packagesite.pkg" | tar -tf - | tr '\n' ' ')" "signature packagesite.yaml " \
    "packagesite.pkg: signature member, then packagesite.yaml"
zstd -dc "$R/packagesite.pkg" | tar -xOf - packagesite.yaml > "$TMP/ps.yaml"
zstd -dc "$R/data.pkg" | tar -xOf - data > "$TMP/data"
zstd -dc "$R/data.pkg" | tar -xOf - signature > "$TMP/signature"
ok "catalog lines carry sum, pkgsize, path, repopath; data lists the same objects" \
    python3 - "$TMP/ps.yaml" "$TMP/data" "$R" <<'PY'
import json, sys, hashlib, os
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "", "every line ends with a newline"
objs = [json.loads(l) for l in lines[:-1]]
assert len(objs) == 2
raw = open(sys.argv[2]).read()
assert "\n" not in raw, "data is one line"
data = json.loads(raw)
assert data["groups"] == [] and data["expired_packages"] == []
assert data["packages"] == objs
for o in objs:
    p = os.path.join(sys.argv[3], o["repopath"])
    assert o["path"] == o["repopath"]
    assert o["sum"] == hashlib.sha256(open(p, "rb").read()).hexdigest()
    assert o["pkgsize"] == os.path.getsize(p)
    assert "files" not in o and "scripts" not in o
    assert list(o)[:9] == ["name","origin","version","comment","maintainer","www","abi","arch","prefix"]
h = [o for o in objs if o["name"] == "hello"][0]
assert h["deps"] == {"libgreet": {"origin": "misc/libgreet", "version": "2.0"}}
PY
# The signature is RSA PKCS#1 v1.5 / SHA-256 over the sha256 hex of the member, plus a NUL.
printf '%s' "$(sha256sum "$TMP/data" | cut -d' ' -f1)" > "$TMP/hex"
head -c 256 "$TMP/signature" > "$TMP/sig.raw"
ok "signature verifies with openssl as pkg verifies it" \
    openssl dgst -sha256 -verify "$TMP/good.pub" -signature "$TMP/sig.raw" "$TMP/hex"
is "$(wc -c < "$TMP/signature" | tr -d ' ')" 257 "signature member is the raw signature plus one NUL"

ok "catalog verifies with the right public key" kiln pkg catalog -k "$TMP/good.pub" "$R"
is "$(sort "$TMP/out" | tr '\n' ' ')" "hello-1.0 All/hello-1.0.pkg libgreet-2.0 All/libgreet-2.0.pkg " \
    "catalog lists both packages (Latest/ skipped)"
fails 1 "wrong key refused" kiln pkg catalog -k "$TMP/evil.pub" "$R"
like "$(cat "$TMP/err")" "invalid signature" "error says invalid signature"
fails 1 "fingerprints mode refuses a key-file-only repo" kiln pkg catalog -F "$TMP/fp" "$R"

# Tamper with data but keep the signature: refused.
python3 - "$R/data.pkg" "$TMP/tampered.pkg" <<'PY'
import io, sys, subprocess, tarfile
raw = subprocess.run(["zstd", "-dc", sys.argv[1]], capture_output=True, check=True).stdout
src = tarfile.open(fileobj=io.BytesIO(raw))
out = io.BytesIO()
dst = tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT)
for m in src.getmembers():
    data = src.extractfile(m).read()
    if m.name == "data":
        data = data.replace(b'"version":"1.0"', b'"version":"9.9"')
    m.size = len(data)
    dst.addfile(m, io.BytesIO(data))
dst.close()
open(sys.argv[2], "wb").write(subprocess.run(["zstd", "-c"], input=out.getvalue(), capture_output=True, check=True).stdout)
PY
mkdir -p "$TMP/t" && cp "$R/meta.conf" "$TMP/t/" && cp "$TMP/tampered.pkg" "$TMP/t/data.pkg"
fails 1 "tampered catalog refused" kiln pkg catalog -k "$TMP/good.pub" "$TMP/t"
like "$(cat "$TMP/err")" "data.pkg: data: .*invalid signature" "error names the archive and member"

# Unsigned repo: a pubkey client must refuse it, not call it up to date.
mkdir -p "$TMP/u/All" && cp "$R/All/"*.pkg "$TMP/u/All/"
ok "index without a key" kiln pkg repo "$TMP/u"
ok "unsigned catalog reads in none mode" kiln pkg catalog "$TMP/u"
fails 1 "missing signature refused in pubkey mode" kiln pkg catalog -k "$TMP/good.pub" "$TMP/u"
like "$(cat "$TMP/err")" "no signature" "error says the signature is missing"

# Signing command: .sig/.pub members for fingerprints clients.
mksigner good
ok "index with a signing command" kiln pkg repo "$R" signing_command: "$TMP/sign-good.sh"
is "$(zstd -dc "$R/data.pkg" | tar -tf - | tr '\n' ' ')" "data.sig data.pub data " \
    "data.pkg: data.sig, data.pub, then data"
mkfingerprint good "$TMP/fp" trusted
ok "fingerprints mode accepts a trusted certificate" kiln pkg catalog -F "$TMP/fp" "$R"
mkdir -p "$TMP/fp2/trusted" && mkfingerprint evil "$TMP/fp2" trusted
fails 1 "untrusted certificate refused" kiln pkg catalog -F "$TMP/fp2" "$R"
like "$(cat "$TMP/err")" "no trusted certificate" "error says no trusted certificate"
mkfingerprint good "$TMP/fp2" revoked
fails 1 "revoked certificate refused" kiln pkg catalog -F "$TMP/fp2" "$R"
like "$(cat "$TMP/err")" "revoked" "error says revoked"
fails 1 "pubkey mode refuses a command-only repo" kiln pkg catalog -k "$TMP/good.pub" "$R"
printf '#!/bin/sh\nexit 3\n' > "$TMP/failsign.sh" && chmod +x "$TMP/failsign.sh"
fails 1 "a failing signing command fails the index" kiln pkg repo "$R" signing_command: "$TMP/failsign.sh"
like "$(cat "$TMP/err")" "signing command .* exited 3" "error names the signing command"
ok "catalog unchanged after the failed index" kiln pkg catalog -F "$TMP/fp" "$R"

# packagesite.pkg alone (old clients, or data.pkg missing) works.
mkdir -p "$TMP/ps" && cp "$R/meta.conf" "$R/packagesite.pkg" "$TMP/ps/"
ok "packagesite.pkg is used when data.pkg is absent" kiln pkg catalog -F "$TMP/fp" "$TMP/ps"
is "$(wc -l < "$TMP/out" | tr -d ' ')" 2 "both packages listed from packagesite.yaml"

# A FreeBSD package in another repo: ABI strings in pkg's FreeBSD form.
S=$TMP/src/hello-1.0
ok "create a FreeBSD package" kiln pkg -o ABI=FreeBSD:15:amd64 -o OSVERSION=1500068 \
    create -r "$S/stage" -m "$S/meta" -p "$S/plist" -o "$TMP/fr/All"
ok "index it" kiln pkg repo "$TMP/fr" "$TMP/good.key"
like "$(zstd -dc "$TMP/fr/packagesite.pkg" | tar -xOf - packagesite.yaml)" \
    '"abi":"FreeBSD:15:amd64","arch":"freebsd:15:x86:64"' "FreeBSD abi in the catalog"

# Re-index: the cache answers for unchanged packages; prove no package is
# opened by making them unreadable (as nobody when running as root).
before=$(stat -c %Y "$R/meta.conf")
chmod 000 "$R/All/"*.pkg
if [ "$(id -u)" = 0 ]; then
	chmod 711 "$TMP"
	chown -R 65534:65534 "$R"
	chmod 644 "$TMP/sign-good.sh" "$TMP/good.key" "$TMP/good.pub"; chmod 755 "$TMP/sign-good.sh"
	asuser="setpriv --reuid=65534 --regid=65534 --clear-groups"
else
	asuser=
fi
ok "re-index with unreadable packages succeeds from the cache" \
    $asuser "$KILN" pkg repo "$R" signing_command: "$TMP/sign-good.sh"
like "$(cat "$TMP/out")" "2 packages \(0 read, 2 from the cache\)" "no package was read"
after=$(stat -c %Y "$R/meta.conf")
ok "the new catalog is newer than the old one" test "$after" -gt "$before"
chmod 644 "$R/All/"*.pkg
touch "$R/All/hello-1.0.pkg"
chmod 000 "$R/All/hello-1.0.pkg"
fails 1 "a changed package is read again (and unreadable fails)" \
    $asuser "$KILN" pkg repo "$R" signing_command: "$TMP/sign-good.sh"
like "$(cat "$TMP/err")" "hello-1.0.pkg" "error names the package"
chmod 644 "$R/All/hello-1.0.pkg"
ok "after touching one package" $asuser "$KILN" pkg repo "$R" signing_command: "$TMP/sign-good.sh"
like "$(cat "$TMP/out")" "2 packages \(1 read, 1 from the cache\)" "only the changed package was read"
ok "catalog still verifies" kiln pkg catalog -F "$TMP/fp" "$R"

# -l: files.pkg, pkg's front-compressed directory dictionary + package blocks.
ok "index with -l" kiln pkg repo -l "$TMP/u" "$TMP/good.key"
zstd -dc "$TMP/u/files.pkg" | tar -xOf - files > "$TMP/files"
is "$(sed -n '1,/^$/p' "$TMP/files" | tr '\n' '|')" "0 /usr/local/bin|11 etc|11 share/hello|17 libgreet||" \
    "files: sorted, front-compressed directory dictionary"
like "$(cat "$TMP/files")" "hello 1.0
>0
hello
hello-link
>1
hello.conf.sample
>2
data.txt" "files: a block per package selecting directories by index"
ok "files.pkg is signed too" sh -c "zstd -dc '$TMP/u/files.pkg' | tar -tf - | grep -qx signature"

fails 2 "repo without DIR is a usage error" kiln pkg repo
fails 1 "a missing key file is an error" kiln pkg repo "$TMP/u" "$TMP/nokey.pem"
like "$(cat "$TMP/err")" "nokey.pem" "error names the key file"
done_testing
