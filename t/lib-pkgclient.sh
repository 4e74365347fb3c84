# lib-pkgclient.sh: helpers for the t25xx-pkgclient-* tests.  Source it
# after test-lib.sh.
#
#	mkpkg NAME VERSION "DEP..." [FILE=CONTENT...]  -> $REPO/All/NAME-VERSION.pkg
#	mkkey                -> $TMP/key.pem (private), $TMP/key.pub (public)
#	index [ARGS...]      kiln pkg repo $REPO ARGS
#	repoconf SIGTYPE [EXTRA]   $TMP/repos/kiln.conf pointing at $REPO_URL
#	snap                 prints a listing + sha of $ROOT (without kiln's
#	                     own var/db/kiln and var/cache/kiln) and a dump of
#	                     the database, to compare before/after a refusal

# Never run with an empty $TMP (paths below would land in /).
case ${TMP:-} in
/?*) ;;
*) echo "lib-pkgclient.sh: \$TMP is not set" >&2; exit 1 ;;
esac
REPO=$TMP/repo
ROOT=$TMP/root
mkdir -p "$REPO/All" "$ROOT" "$TMP/repos" "$TMP/stage" "$TMP/meta"

# mkpkg NAME VERSION DEPS [relpath=content ...]: a package whose files live
# under /usr/local; DEPS is a space separated list of NAME:VERSION.
# Default payload: bin/NAME (a script) and share/NAME/README.
mkpkg() {
	_n=$1 _v=$2 _deps=$3
	shift 3
	_st=$TMP/stage/$_n-$_v _md=$TMP/meta/$_n-$_v
	rm -rf "$_st" "$_md"
	mkdir -p "$_st/usr/local/bin" "$_st/usr/local/share/$_n" "$_md"
	: > "$_md/plist"
	if [ $# = 0 ]; then
		printf '#!/bin/sh\necho %s %s\n' "$_n" "$_v" > "$_st/usr/local/bin/$_n"
		chmod 755 "$_st/usr/local/bin/$_n"
		echo "$_n $_v" > "$_st/usr/local/share/$_n/README"
		printf 'bin/%s\nshare/%s/README\n' "$_n" "$_n" > "$_md/plist"
	fi
	for _f in "$@"; do
		_p=${_f%%=*}
		_c=${_f#*=}
		case $_p in
		@sample*) _p=${_p#@sample }; echo "@sample $_p" >> "$_md/plist" ;;
		@config*) _p=${_p#@config }; echo "@config $_p" >> "$_md/plist" ;;
		*) echo "$_p" >> "$_md/plist" ;;
		esac
		mkdir -p "$(dirname "$_st/usr/local/$_p")"
		printf '%s\n' "$_c" > "$_st/usr/local/$_p"
	done
	{
		echo "name: $_n"
		echo "version: \"$_v\""
		echo "origin: test/$_n"
		echo "comment: \"the $_n test package\""
		echo "desc: \"$_n, made by the kiln test suite\""
		echo "maintainer: test@example.org"
		echo "www: \"https://example.org/$_n\""
		echo "prefix: /usr/local"
		echo "deps: {"
		for _d in $_deps; do
			echo "  ${_d%%:*}: { origin: test/${_d%%:*}, version: \"${_d#*:}\" }"
		done
		echo "}"
	} > "$_md/+MANIFEST"
	"${KILN_CREATE:-$KILN}" pkg create -r "$_st" -m "$_md" -p "$_md/plist" -o "$REPO/All" \
	    >"$TMP/mkpkg.out" 2>&1 || { cat "$TMP/mkpkg.out"; return 1; }
}

mkkey() {
	openssl genrsa -out "$TMP/key.pem" 2048 2>/dev/null &&
	openssl rsa -in "$TMP/key.pem" -pubout -out "$TMP/key.pub" 2>/dev/null
}

index() {
	"$KILN" pkg repo "$REPO" "$@" >"$TMP/index.out" 2>&1 ||
	    { cat "$TMP/index.out"; return 1; }
	# The client decides freshness by mtime (1 s): make every re-index
	# newer than the last one.
	_t=$(date -d "+${_idx:-0} sec" +%Y%m%d%H%M.%S)
	_idx=$(( ${_idx:-0} + 2 ))
	touch -t "$_t" "$REPO/meta.conf" "$REPO"/*.pkg
}

repoconf() {
	case $1 in
	none) _s='signature_type: "none"' ;;
	pubkey) _s="signature_type: \"pubkey\", pubkey: \"${PUBKEY:-$TMP/key.pub}\"" ;;
	fingerprints) _s="signature_type: \"fingerprints\", fingerprints: \"$TMP/fp\"" ;;
	esac
	printf 'kiln: {\n  url: "%s",\n  %s,\n  enabled: yes\n}\n' \
	    "$REPO_URL" "$_s" > "$TMP/repos/kiln.conf"
}

kpkg() { "$KILN" pkg -r "$ROOT" -R "$TMP/repos" "$@"; }

snap() {
	(
		cd "$ROOT" || exit 1
		find . \( -path ./var/db/kiln -o -path ./var/cache/kiln \) -prune \
		    -o -print | LC_ALL=C sort | while IFS= read -r f; do
			if [ -f "$f" ] && [ ! -L "$f" ]; then
				printf '%s %s %s\n' "$f" "$(stat -c %a "$f")" \
				    "$(sha256sum < "$f" | cut -c1-16)"
			elif [ -L "$f" ]; then
				printf '%s -> %s\n' "$f" "$(readlink "$f")"
			else
				printf '%s %s\n' "$f" "$(stat -c %F "$f")"
			fi
		done
		ls -a var/db/kiln 2>/dev/null | grep -v -e '^lock$' -e 'local.sqlite' \
		    -e '^repos$' -e '^\.\.*$' | sed 's/^/kiln-db-dir: /'
	)
	if [ -f "$ROOT/var/db/kiln/local.sqlite" ]; then
		sqlite3 "$ROOT/var/db/kiln/local.sqlite" .dump
	fi
}
