#!/bin/sh
# kiln.conf: search order, origins, JSON output, errors with FILE:LINE.
. "$(dirname "$0")/test-lib.sh"

ok "config with the test's KILN_CONF" kiln config
like "$(cat "$TMP/out")" "^BASEFS=$TMP/basefs	# $KILN_CONF:1" "BASEFS comes from the file, with its line"
like "$(cat "$TMP/out")" "^POUDRIERE_DATA=$TMP/basefs/data	# default" "defaults follow BASEFS"

ok "config --json" kiln config --json
cp "$TMP/out" "$TMP/config.json"
ok "config --json is valid JSON" python3 -c "import json,sys; json.load(open('$TMP/config.json'))"
is "$(python3 -c "import json; d=json.load(open('$TMP/config.json')); print(d['keys']['BASEFS']['origin'])")" \
    "$KILN_CONF:1" "JSON gives the origin of BASEFS"
is "$(python3 -c "import json; d=json.load(open('$TMP/config.json')); print(d['file'])")" \
    "$KILN_CONF" "JSON names the file read"

ok "-B overrides BASEFS" kiln -B /srv/other config --json
is "$(python3 -c "import json; d=json.load(open('$TMP/out')); k=d['keys']; print(k['BASEFS']['value'], k['BASEFS']['origin'], k['DISTFILES_CACHE']['value'])")" \
    "/srv/other option -B /srv/other/distfiles" "-B moves defaults under the new BASEFS"

cat > "$TMP/poudriere.conf" <<'CONF'
ZPOOL=zroot
ZROOTFS=/poudriere
FREEBSD_HOST=https://download.FreeBSD.org
RESOLV_CONF=/etc/resolv.conf
BASEFS=/usr/local/poudriere
USE_TMPFS=yes
MAX_MEMORY=4
MAX_FILES=2048
DISTFILES_CACHE=/usr/ports/distfiles
PARALLEL_JOBS=8
CONF
ok "poudriere's sample configuration loads" kiln -c "$TMP/poudriere.conf" config
is "$(cat "$TMP/err")" "" "with no warnings"
like "$(cat "$TMP/out")" "^PARALLEL_JOBS=8	# $TMP/poudriere.conf:10" "values and lines are reported"

printf 'BASEFS=/x\nNOT_A_KEY=1\n' > "$TMP/unknown.conf"
ok "an unknown key is only a warning" kiln -c "$TMP/unknown.conf" config
like "$(cat "$TMP/err")" "warning: $TMP/unknown.conf:2: unknown key NOT_A_KEY" "warning names file and line"

printf 'BASEFS=/x\n\nthis line is wrong\n' > "$TMP/bad.conf"
fails 1 "a malformed line is an error" kiln -c "$TMP/bad.conf" config
like "$(cat "$TMP/err")" "^kiln: $TMP/bad.conf:3: expected KEY=value" "error names file and line"

fails 1 "a missing -c file is an error" kiln -c "$TMP/nope.conf" config
like "$(cat "$TMP/err")" "$TMP/nope.conf: No such file" "and names the file"

KILN_CONF= fails 0 "no configuration file at all is fine" env -u KILN_CONF "$KILN" -B "$TMP/b" config

done_testing
