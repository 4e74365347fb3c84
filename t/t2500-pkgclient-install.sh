#!/bin/sh
# t2500: kiln's package client against a signed repository served over
# HTTP on loopback: update, install (with dependencies), info, query,
# check -s, upgrade, @sample config files, delete, autoremove, add; and
# the same repository in fingerprints mode with a signing command.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-pkgclient.sh"

command -v openssl >/dev/null || skip_all "needs openssl"
command -v sqlite3 >/dev/null || skip_all "needs sqlite3"

mkkey || exit 1
mkpkg libgreet 1.0 "" || exit 1
mkpkg hello 1.0 "libgreet:1.0" "bin/hello=hello one" \
    "@sample etc/hello.conf.sample=greeting=hi" || exit 1
mkpkg tool 2.0 "" || exit 1
index "$TMP/key.pem" || exit 1
http_serve "$REPO" || exit 1
REPO_URL=$HTTP_URL
repoconf pubkey

for v in update install upgrade delete autoremove add info query fetch check; do
	ok "pkg $v -h" kpkg $v -h
done
fails 2 "install without a name is a usage error" kpkg install
fails 2 "check without -s is a usage error" kpkg check

ok "update downloads and verifies the catalog" kpkg update
like "$(cat "$TMP/out")" 'kiln: catalog updated' "update says what it did"
ok "second update is a 304" kpkg update
like "$(cat "$TMP/out")" 'up to date' "second update: up to date"
like "$(grep -c 'data.pkg HTTP/1.[01]" 304' "$TMP/http.log")" '^[1-9]' \
    "the server answered 304 to If-Modified-Since"

ok "install hello with its dependency" kpkg install -y hello
is "$(cat "$ROOT/usr/local/bin/hello")" "hello one" "hello's file is in ROOT"
is "$(cat "$ROOT/usr/local/share/libgreet/README")" "libgreet 1.0" \
    "the dependency's file is in ROOT"
is "$(cat "$ROOT/usr/local/etc/hello.conf")" "greeting=hi" \
    "@sample target created when absent"
ok "query" kpkg query '%n %v %a %o' 
is "$(cat "$TMP/out")" "hello 1.0 0 test/hello
libgreet 1.0 1 test/libgreet" "query lists both; the dependency is automatic"
ok "query deps" kpkg query '%n depends on %dn-%dv' hello
is "$(cat "$TMP/out")" "hello depends on libgreet-1.0" "query %dn %dv"
ok "query rdeps" kpkg query '%rn' libgreet
is "$(cat "$TMP/out")" "hello" "query %rn"
fails 1 "query: unknown pattern" kpkg query '%Z'
like "$(cat "$TMP/err")" "unknown pattern '%Z'" "unknown pattern named"
ok "info" kpkg info
like "$(cat "$TMP/out")" '^hello-1.0' "info lists hello"
ok "info NAME" kpkg info hello
like "$(cat "$TMP/out")" 'Origin +: test/hello' "info NAME shows the origin"
ok "info -l NAME" kpkg info -l hello
like "$(cat "$TMP/out")" '/usr/local/bin/hello' "info -l lists files"
ok "check -s: all sums good" kpkg check -s
echo tampered >> "$ROOT/usr/local/share/libgreet/README"
fails 1 "check -s finds a changed file" kpkg check -s
like "$(cat "$TMP/out")" 'libgreet-1.0: /usr/local/share/libgreet/README: checksum mismatch' \
    "check -s names package and file"
echo "libgreet 1.0" > "$ROOT/usr/local/share/libgreet/README"
ok "install of an installed package is a no-op" kpkg install -y hello
like "$(cat "$TMP/out")" 'already installed|nothing to do' "says nothing to do"

# Upgrade: hello 1.1 in the repo; the user edited hello.conf.
echo "greeting=mine" > "$ROOT/usr/local/etc/hello.conf"
mkpkg hello 1.1 "libgreet:1.0" "bin/hello=hello two" \
    "@sample etc/hello.conf.sample=greeting=new" || exit 1
rm "$REPO/All/hello-1.0.pkg"
index "$TMP/key.pem" || exit 1
ok "upgrade" kpkg upgrade -y
is "$(cat "$ROOT/usr/local/bin/hello")" "hello two" "hello upgraded"
is "$(kpkg query %v hello)" "1.1" "the database says 1.1"
is "$(cat "$ROOT/usr/local/etc/hello.conf")" "greeting=mine" \
    "a config file the user changed is kept"
is "$(cat "$ROOT/usr/local/etc/hello.conf.sample")" "greeting=new" \
    "the new sample is installed"
ok "check -s after upgrade" kpkg check -s

# Delete and autoremove.
ok "delete hello" kpkg delete -y hello
[ ! -e "$ROOT/usr/local/bin/hello" ]
ok "hello's files are gone" [ ! -e "$ROOT/usr/local/bin/hello" ]
is "$(cat "$ROOT/usr/local/etc/hello.conf")" "greeting=mine" \
    "delete keeps the changed config file"
ok "libgreet stays (automatic, until autoremove)" [ -e "$ROOT/usr/local/share/libgreet/README" ]
ok "autoremove" kpkg autoremove -y
like "$(cat "$TMP/out")" 'deleted libgreet-1.0' "autoremove removed libgreet"
ok "libgreet's files are gone" [ ! -e "$ROOT/usr/local/share/libgreet" ]
is "$(kpkg query %n)" "" "nothing installed"

# add FILE.pkg
ok "add a local package file" kpkg add "$REPO/All/tool-2.0.pkg"
is "$(kpkg query '%n %v %R')" "tool 2.0 unknown-repository" "added package recorded"

# Fingerprints mode with a signing command.
cat > "$TMP/sign.sh" <<EOS
#!/bin/sh
read -r sum
printf 'SIGNATURE\n'
printf '%s' "\$sum" | openssl dgst -sha256 -sign "$TMP/key.pem" -binary
printf '\nCERT\n'
cat "$TMP/key.pub"
printf 'END\n'
EOS
chmod +x "$TMP/sign.sh"
index signing_command: "$TMP/sign.sh" || exit 1
mkdir -p "$TMP/fp/trusted" "$TMP/fp/revoked"
printf 'function: "sha256"\nfingerprint: "%s"\n' \
    "$(sha256sum < "$TMP/key.pub" | cut -d' ' -f1)" > "$TMP/fp/trusted/kiln"
repoconf fingerprints
ok "fingerprints: install from a repo signed by a signing command" \
    kpkg install -y hello
is "$(cat "$ROOT/usr/local/bin/hello")" "hello two" "installed in fingerprints mode"
mv "$TMP/fp/trusted/kiln" "$TMP/fp/revoked/kiln"
fails 1 "fingerprints: a revoked key is refused" kpkg update
like "$(cat "$TMP/err")" "refused" "the refusal says so"

mv "$TMP/fp/revoked/kiln" "$TMP/fp/trusted/kiln"

# @config: replaced on upgrade when unchanged, else kept (+ .pkgnew).
mkpkg cfg 1.0 "" "@config etc/cfg/a.conf=a=1" "@config etc/cfg/b.conf=b=1" || exit 1
index signing_command: "$TMP/sign.sh" || exit 1
ok "install a package with @config files" kpkg install -y cfg
echo "b=mine" > "$ROOT/usr/local/etc/cfg/b.conf"
mkpkg cfg 2.0 "" "@config etc/cfg/a.conf=a=2" "@config etc/cfg/b.conf=b=2" || exit 1
rm "$REPO/All/cfg-1.0.pkg"
index signing_command: "$TMP/sign.sh" || exit 1
ok "upgrade it" kpkg upgrade -y cfg
is "$(cat "$ROOT/usr/local/etc/cfg/a.conf")" "a=2" "an unchanged @config file is replaced"
is "$(cat "$ROOT/usr/local/etc/cfg/b.conf")" "b=mine" "a changed @config file is kept"
is "$(cat "$ROOT/usr/local/etc/cfg/b.conf.pkgnew")" "b=2" "the new version is in .pkgnew"
ok "delete it" kpkg delete -y cfg
ok "the unchanged one is removed" [ ! -e "$ROOT/usr/local/etc/cfg/a.conf" ]
is "$(cat "$ROOT/usr/local/etc/cfg/b.conf")" "b=mine" "the changed one is kept"

# Two repositories: the higher priority wins even with an older version.

# A file moving from one package to another in one upgrade.
mkpkg mover 1.0 "" "share/moving/file=old owner" "share/mover/keep=k" || exit 1
index signing_command: "$TMP/sign.sh" || exit 1
ok "install mover 1.0" kpkg install -y mover
mkpkg mover 2.0 "newowner:1.0" "share/mover/keep=k2" || exit 1
mkpkg newowner 1.0 "" "share/moving/file=new owner" || exit 1
rm "$REPO/All/mover-1.0.pkg"
index signing_command: "$TMP/sign.sh" || exit 1
ok "upgrade: the file changes owner" kpkg upgrade -y
is "$(cat "$ROOT/usr/local/share/moving/file")" "new owner" "new content in place"
is "$(kpkg query '%n' newowner)" "newowner" "the new owner is installed"
ok "check -s agrees" kpkg check -s

# A vital package is not deleted.
mkpkg vitalpkg 1.0 "" || exit 1
echo "vital: true" >> "$TMP/meta/vitalpkg-1.0/+MANIFEST"
"$KILN" pkg create -r "$TMP/stage/vitalpkg-1.0" -m "$TMP/meta/vitalpkg-1.0" \
    -p "$TMP/meta/vitalpkg-1.0/plist" -o "$REPO/All" >/dev/null || exit 1
index signing_command: "$TMP/sign.sh" || exit 1
ok "install a vital package" kpkg install -y vitalpkg
fails 1 "delete refuses a vital package" kpkg delete -y vitalpkg
like "$(cat "$TMP/err")" 'vitalpkg-1.0: vital package' "the error says vital"
ok "it is still there" [ -f "$ROOT/usr/local/bin/vitalpkg" ]

# ABI: packages for another system are not candidates; add refuses them.
mkdir -p "$TMP/root2"
fails 1 "packages of another ABI are not installed" "$KILN" pkg -r "$TMP/root2" \
    -R "$TMP/repos" -o ABI=FreeBSD:15:amd64 install -y libgreet
like "$(cat "$TMP/out")" 'for another ABI .* ignored; this system is FreeBSD:15:amd64' \
    "the client says why"
fails 1 "add refuses a package of another ABI" \
    kpkg -o ABI=FreeBSD:15:amd64 add "$REPO/All/libgreet-1.0.pkg"
like "$(cat "$TMP/err")" 'wrong ABI' "add says wrong ABI"

ok "delete tool" kpkg delete -y tool
mkkey_repo=$REPO
REPO=$TMP/repo2
mkdir -p "$REPO/All"
mkpkg tool 1.5 "" || exit 1
index || exit 1
REPO=$mkkey_repo
printf 'local: { url: "file://%s/repo2", priority: 10 }\n' "$TMP" > "$TMP/repos/local.conf"
ok "install from two repos" kpkg install -y tool
is "$(kpkg query '%v %R' tool)" "1.5 local" "the higher-priority repo wins"
printf 'local: { priority: -1 }\n' > "$TMP/repos/zz-override.conf"
ok "upgrade after lowering its priority" kpkg upgrade -y
is "$(kpkg query '%v %R' tool)" "2.0 kiln" "upgraded from the other repo"
printf 'local: { enabled: no }\n' > "$TMP/repos/zz-override.conf"
ok "fetch -d into the cache" kpkg fetch -d hello
ok "fetched files are in the cache" [ -f "$ROOT/var/cache/kiln/hello-1.1.pkg" ]
printf 'broken: { url: "file:///x", signature_type: "gpg" }\n' > "$TMP/repos/zz-override.conf"
fails 1 "a bad repo file is an error" kpkg info
like "$(cat "$TMP/err")" 'zz-override.conf:1: repo .broken.: unknown signature_type' \
    "the error names FILE:LINE"

done_testing
