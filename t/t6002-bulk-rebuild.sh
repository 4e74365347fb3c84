#!/bin/sh
# t6002: what a bulk rebuilds and why.  Touching one port's Makefile
# rebuilds it and its dependents, each with its reason printed, and
# nothing else; changing an option rebuilds; -n prints the plan and builds
# nothing; -C rebuilds the listed port only; old generations are pruned.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/bulk-lib.sh"
need_root
bulk_setup || { echo "not ok 1 - setup"; done_testing; exit 1; }

mkport devel/a ""
mkport devel/b "devel/a"
mkport devel/c "devel/b"
mkport misc/solo "" "true" "OPTIONS_DEFINE=	FOO
FOO_DESC=	An option"
ok "first bulk" kbulk -J 2 devel/c misc/solo
like "$(cat "$TMP/out")" 'built 4' "four built"

echo "# a comment" >> "$TREE/devel/b/Makefile"
ok "dry run after touching b" kbulk -n devel/c misc/solo
out=$(cat "$TMP/out")
like "$out" 'rebuild devel/b \(b-1.0\): Makefile changed' "b: Makefile changed"
like "$out" 'rebuild devel/c \(c-1.0\): dependency devel/b changed' "c: dependency b changed"
unlike "$out" 'rebuild devel/a|rebuild misc/solo' "a and solo are current"
like "$out" '2 to build, 2 current' "plan counts"
ok "dry run built nothing" test ! -d "$TMP/basefs/data/packages/main-t/.building"

ok "bulk after touching b" kbulk -J 2 devel/c misc/solo
out=$(cat "$TMP/out")
like "$out" 'rebuild devel/b .*Makefile changed' "reason printed"
like "$out" 'built 2, failed 0, skipped 0, ignored 0, current 2' "only b and c rebuilt"
unlike "$out" 'building devel/a|building misc/solo' "a and solo not rebuilt"

# Options: the options file kiln reads (poudriere's options directory).
mkdir -p "$TMP/basefs/options/misc_solo"
echo 'OPTIONS_FILE_SET+=FOO' > "$TMP/basefs/options/misc_solo/options"
ok "bulk after setting an option" kbulk misc/solo
like "$(cat "$TMP/out")" 'rebuild misc/solo \(solo-1.0\): options changed' "options changed is the reason"
like "$(cat "$TMP/out")" 'built 1' "solo rebuilt"

ok "-C rebuilds the listed port" kbulk -C devel/a
like "$(cat "$TMP/out")" 'rebuild devel/a .*forced \(-C\)' "forced (-C)"
like "$(cat "$TMP/out")" 'built 1, failed 0' "only the listed port (its key is unchanged)"

ok "nothing left to do" kbulk devel/c misc/solo
like "$(cat "$TMP/out")" 'nothing to build' "all current"
gens=$(ls -d "$TMP"/basefs/data/packages/main-t/.real_* | wc -l)
is "$gens" "1" "old generations pruned (KEEP_OLD_PACKAGES=no)"
done_testing
