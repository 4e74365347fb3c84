#!/bin/sh
# t6004: testport builds the dependencies as bulk does, then always
# rebuilds the port with QA: a staged file that no plist lists fails it
# (bulk only warns), the test target runs, files the build wrote outside
# WRKDIR/STAGEDIR fail it, and installing then deleting its package in a
# fresh root must leave nothing behind.  With -k (testport, bulk -t) the
# QA failures are warnings and the package is published.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/bulk-lib.sh"
need_root
bulk_setup || { echo "not ok 1 - setup"; done_testing; exit 1; }

mkport devel/lib ""
mkport devel/good "devel/lib" "true" "TEST_TARGET=	check"
printf 'check:\n\t@echo running the test suite\n' >> "$TMP/src/good-1.0/Makefile"
tar -C "$TMP/src" -czf "$DIST/good-1.0.tar.gz" good-1.0
rm -f "$TMP/basefs/distfiles/good-1.0.tar.gz"
"$KILN" makesum -p t devel/good >/dev/null 2>&1

ok "testport of a good port" "$KILN" testport -j main -p t devel/good
out=$(cat "$TMP/out")
like "$out" 'rebuild devel/lib .*new' "its dependency is built first"
like "$out" 'rebuild devel/good .*testport' "the port is rebuilt for testport"
log=$TMP/basefs/data/logs/bulk/main-t/latest/logs/good-1.0.log
like "$(cat "$log")" 'running the test suite' "the test target ran"
like "$(cat "$log")" 'plist and stage agree' "plist checked both ways"
like "$(cat "$log")" 'left nothing behind' "install then delete left nothing"
like "$(cat "$log")" 'no files left outside the stage' "nothing left outside the stage"
ok "testport again rebuilds the port only" "$KILN" testport -j main -p t devel/good
unlike "$(cat "$TMP/out")" 'rebuild devel/lib' "the dependency is current"
like "$(cat "$TMP/out")" 'rebuild devel/good' "the port is rebuilt"

# A port that stages a file its plist does not list.
mkport devel/sloppy "" "true"
printf '\tinstall -m 644 Makefile $(DESTDIR)$(PREFIX)/bin/stray\n' >> "$TMP/src/sloppy-1.0/Makefile"
tar -C "$TMP/src" -czf "$DIST/sloppy-1.0.tar.gz" sloppy-1.0
rm -f "$TMP/basefs/distfiles/sloppy-1.0.tar.gz"
"$KILN" makesum -p t devel/sloppy >/dev/null 2>&1
ok "bulk accepts the orphan with a warning" kbulk devel/sloppy
log=$TMP/basefs/data/logs/bulk/main-t/latest/logs/sloppy-1.0.log
like "$(cat "$log")" 'in the stage but in no plist: /usr/local/bin/stray' "the orphan is named"
fails 1 "testport refuses it" "$KILN" testport -j main -p t devel/sloppy
like "$(cat "$TMP/out")" 'failed devel/sloppy .* in phase check-plist' "fails in check-plist"

# bulk -t: the QA failure fails the listed port; with -k it is reported but
# the port counts as built and its package is published.
fails 1 "bulk -t fails the sloppy port" kbulk -t -C devel/sloppy
like "$(cat "$TMP/out")" 'failed devel/sloppy .* in phase check-plist' "-t without -k: fails in check-plist"
ok "bulk -t -k lets the QA failure through" kbulk -t -k -C devel/sloppy
like "$(cat "$TMP/out")" 'built devel/sloppy.* with QA warnings \(-k\): check-plist: 1 staged file in no plist' "the QA warning is reported"
like "$(cat "$TMP/out")" 'built 1, failed 0' "the port counts as built"
log=$TMP/basefs/data/logs/bulk/main-t/latest/logs/sloppy-1.0.log
like "$(cat "$log")" 'QA warning \(-k, not fatal\)' "the log says the QA failure was let through"
ok "its package is published" ls "$TMP/basefs/data/packages/main-t/.latest/All/sloppy-1.0.pkg"
ok "testport -k too" "$KILN" testport -k -j main -p t devel/sloppy
like "$(cat "$TMP/out")" 'built devel/sloppy.* with QA warnings' "testport -k reports the warning"

# A build that writes outside WRKDIR/STAGEDIR (/tmp is allowed): as the
# build user (BUILD_AS_NON_ROOT, the default) it cannot; as root
# (NEED_ROOT) it can, and testport's QA check catches it.
mkport devel/leaky "" "mkdir -p /usr/local/etc && echo x > /usr/local/etc/leak.conf"
fails 1 "as the build user the write itself fails" "$KILN" testport -j main -p t devel/leaky
like "$(cat "$TMP/out")" 'failed devel/leaky .* in phase build' "in phase build"
like "$(cat "$TMP/basefs/data/logs/bulk/main-t/latest/logs/leaky-1.0.log")" 'Permission denied' "the log says why"
mkport devel/leaky "" "mkdir -p /usr/local/etc; echo x > /usr/local/etc/leak.conf; echo y > /tmp/scratch" "NEED_ROOT=	yes"
fails 1 "testport fails a port that writes outside the stage" "$KILN" testport -j main -p t devel/leaky
like "$(cat "$TMP/out")" 'failed devel/leaky .* in phase check-plist.*: 1 file left outside the stage' "fails naming the count"
log=$TMP/basefs/data/logs/bulk/main-t/latest/logs/leaky-1.0.log
like "$(cat "$log")" 'left outside the stage: /usr/local/etc/leak.conf' "the file is named in the log"
unlike "$(cat "$log")" 'outside the stage: /tmp' "/tmp is not reported"
ok "testport -k lets it through" "$KILN" testport -k -j main -p t devel/leaky
like "$(cat "$TMP/out")" 'built devel/leaky.* with QA warnings \(-k\): 1 file left outside the stage' "reported as a QA warning"
ok "the host was not written" test ! -e /usr/local/etc/leak.conf
done_testing
