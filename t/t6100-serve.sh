#!/bin/sh
# t6100: kiln serve publishes POUDRIERE_DATA/packages and /logs over HTTP:
# kiln's client installs from the bulk's signed repository through it and
# its catalog cache gets 304s; files, HEAD, If-Modified-Since, listings and
# redirects behave; "..", encoded "..", and symlinks out of the tree are
# refused; only GET and HEAD; a port in use fails clearly; SIGTERM stops it.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/bulk-lib.sh"
. "$(dirname "$0")/lib/pkg-fixtures.sh"
need_root
bulk_setup || { echo "not ok 1 - setup"; done_testing; exit 1; }
data=$TMP/basefs/data

mkport devel/small ""
mkkey repo
printf 'PKG_REPO_SIGNING_KEY=%s\n' "$TMP/repo.key" >> "$KILN_CONF"
ok "a signed bulk to serve" kbulk devel/small

"$KILN" serve -l 127.0.0.1:0 > "$TMP/serve.out" 2> "$TMP/serve.err" &
spid=$!
at_exit "kill $spid 2>/dev/null"
i=0
until port=$(sed -n 's/^=> serving on port \([0-9]*\) .*/\1/p' "$TMP/serve.out") && [ -n "$port" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.05
done
ok "kiln serve says where it listens" test -n "$port"
U=http://127.0.0.1:$port

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
is "$(curl -s "$U/packages/main-t/meta.conf")" "$(cat "$data/packages/main-t/meta.conf")" "a file is served as it is"
like "$(curl -sI "$U/packages/main-t/All/small-1.0.pkg")" "Content-Length: $(stat -L -c %s "$data/packages/main-t/All/small-1.0.pkg")" "HEAD gives the length"
lm=$(curl -sI "$U/packages/main-t/meta.conf" | sed -n 's/^Last-Modified: \(.*\)\r$/\1/p')
is "$(code -H "If-Modified-Since: $lm" "$U/packages/main-t/meta.conf")" 304 "If-Modified-Since its own date: 304"
is "$(code -H "If-Modified-Since: Thu, 01 Jan 1970 00:00:01 GMT" "$U/packages/main-t/meta.conf")" 200 "an older date: 200"
is "$(code "$U/packages/main-t")" 301 "a directory without its slash is redirected"
like "$(curl -s "$U/packages/main-t/All/")" 'href="small-1.0.pkg"' "a directory without index.html is listed"
like "$(curl -s "$U/")" 'href="/packages/"' "/ lists the mounts"
like "$(curl -s "$U/logs/bulk/main-t/latest/status.json")" '"state"' "a bulk's status.json"
like "$(curl -sI "$U/logs/bulk/main-t/latest/status.json")" "Content-Type: application/json" "served as JSON"
ok "a bulk's web page (its index.html)" sh -c "curl -s '$U/logs/bulk/main-t/latest/' | grep -qi '<html'"
is "$(code "$U/packages/main-t/nothing-here")" 404 "a missing file: 404"
is "$(code "$U/elsewhere/")" 404 "an unknown prefix: 404"
is "$(code --path-as-is "$U/packages/../../../etc/passwd")" 403 "a .. path: 403"
is "$(code --path-as-is "$U/packages/%2e%2e/%2e%2e/etc/passwd")" 403 "an encoded .. path: 403"
ln -s /etc "$data/packages/escape"
is "$(code "$U/packages/escape/passwd")" 404 "a symlink out of the tree: 404"
is "$(code -X POST "$U/packages/main-t/meta.conf")" 405 "POST: 405"
like "$(cat "$TMP/serve.out")" "GET /packages/main-t/meta.conf 200" "requests are logged"

# kiln's client, through the server, pubkey-verified.
ROOT=$TMP/root
mkdir -p "$ROOT" "$TMP/repos"
printf 'kiln: { url: "%s/packages/main-t", signature_type: "pubkey", pubkey: "%s" }\n' \
    "$U" "$TMP/repo.pub" > "$TMP/repos/kiln.conf"
ok "kiln pkg installs from kiln serve" "$KILN" pkg -r "$ROOT" -R "$TMP/repos" install -y small
ok "the package's program is there" test -x "$ROOT/usr/local/bin/small"
ok "a second update" "$KILN" pkg -r "$ROOT" -R "$TMP/repos" update
like "$(cat "$TMP/serve.out")" "GET /packages/main-t/meta.conf 304" "the catalog cache asked with If-Modified-Since and got 304"

fails 1 "a second server on the same port" "$KILN" serve -l "127.0.0.1:$port"
like "$(cat "$TMP/err")" "listen on 127.0.0.1:$port: Address already in use" "says the address is in use"
fails 1 "a bad listen address" "$KILN" -q serve -l nowhere:80
like "$(cat "$TMP/err")" "nowhere is not an IPv4 or IPv6 address" "says what is wrong"

kill -TERM "$spid"
wait "$spid"
is "$?" 0 "SIGTERM stops it cleanly"
like "$(cat "$TMP/serve.out")" "stopped by signal 15" "and it says so"
done_testing
