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

done_testing
