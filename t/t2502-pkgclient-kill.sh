#!/bin/sh
# t2502: kill -9 in the middle of an install or an upgrade leaves ROOT and
# the database as they were once the next client run has cleaned up (it
# finds the journal and rolls back).  The install is stopped at a known
# point with the test hook KILN_TEST_PAUSE_BEFORE_COMMIT (client.h):
# "stage" = every file extracted to temporaries, nothing renamed;
# "rename" = half of the renames done, database not committed.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-pkgclient.sh"

command -v sqlite3 >/dev/null || skip_all "needs sqlite3"

mkpkg libgreet 1.0 "" || exit 1
mkpkg hello 1.0 "libgreet:1.0" || exit 1
mkpkg big 1.0 "" "share/big/a=a" "share/big/b=b" "share/big/c=c" \
    "share/big/d=d" "bin/big=big" || exit 1
index || exit 1
REPO_URL=file://$REPO
repoconf none
ok "baseline install" kpkg install -y hello

# killed_at POINT DESC VERB...: run kiln pkg VERB with the pause hook, kill -9 it when
# it reports the pause, then check that the next run restores everything.
killed_at() {
	_pt=$1 _d=$2
	shift 2
	snap > "$TMP/before"
	: > "$TMP/kerr"
	# The binary itself, not a shell function, so $! is kiln's pid.
	KILN_TEST_PAUSE_BEFORE_COMMIT=$_pt "$KILN" pkg -r "$ROOT" \
	    -R "$TMP/repos" "$@" >"$TMP/kout" 2>"$TMP/kerr" &
	_pid=$!
	at_exit "kill -9 $_pid"
	_i=0
	while ! grep -q "test pause ($_pt)" "$TMP/kerr" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ]; then
			echo "# never paused:"; sed 's/^/# /' "$TMP/kout" "$TMP/kerr"
			break
		fi
		sleep 0.05
	done
	kill -9 $_pid
	wait $_pid 2>/dev/null
	like "$(find "$ROOT" -name '.kiln.*' | head -1)$(ls "$ROOT/var/db/kiln")" \
	    'kiln|journal' "$_d: the killed run left its journal/temporaries"
	ok "$_d: the next run recovers" kpkg info
	like "$(cat "$TMP/out")" 'rolling back' "$_d: it says it rolled back"
	ok "$_d: no temporaries or backups left" \
	    sh -c "! find '$ROOT' -name '.kiln.*' -o -name '*.kiln.bak.*' | grep -q ."
	ok "$_d: no journal left" [ ! -e "$ROOT/var/db/kiln/journal" ]
	snap > "$TMP/after"
	if cmp -s "$TMP/before" "$TMP/after"; then
		_t_result 0 "$_d: ROOT and database as before"
	else
		_t_result 1 "$_d: ROOT and database as before"
		diff "$TMP/before" "$TMP/after" | head -20 | sed 's/^/# /'
	fi
}

killed_at stage "kill after staging a new install" install -y big
killed_at rename "kill in the middle of the renames (install)" install -y big

mkpkg hello 2.0 "libgreet:1.0" "bin/hello=hello two" "share/hello/NEW=new" || exit 1
rm "$REPO/All/hello-1.0.pkg"
index || exit 1
killed_at rename "kill in the middle of an upgrade" upgrade -y
is "$(cat "$ROOT/usr/local/bin/hello")" "#!/bin/sh
echo hello 1.0" "the old hello is back"

killed_at rename "kill in the middle of a delete" delete -y hello
ok "hello's files are back" [ -f "$ROOT/usr/local/share/hello/README" ]

ok "after all that, the upgrade works" kpkg upgrade -y
is "$(cat "$ROOT/usr/local/bin/hello")" "hello two" "hello 2.0 installed"
ok "check -s" kpkg check -s

done_testing
