#!/bin/sh
# kiln ports --graph and its metadata cache: a run over an unchanged tree
# evaluates nothing and does not rewrite the cache; every kind of change
# to a port's files (or its options file) is seen by the next run.
# Takes ~4 s: it waits once for the files to age past the racy window.
. "$(dirname "$0")/test-lib.sh"

T="$TMP/tree"
mkdir -p "$T/cat/a" "$T/cat/b/files"
printf 'PORTNAME=a\nPORTVERSION=1.0\nCATEGORIES=cat\nCOMMENT=a\nBUILD_DEPENDS=b:cat/b\nOPTIONS_DEFINE=FOO\n.include <bsd.port.mk>\n' > "$T/cat/a/Makefile"
printf 'PORTNAME=b\nPORTVERSION=1.0\nCATEGORIES=cat\nCOMMENT=b\n.include <bsd.port.mk>\n' > "$T/cat/b/Makefile"
printf -- '--- x.c\n+++ x.c\n-old\n+new\n' > "$T/cat/b/files/patch-x.c"

# In place and the same size: only the bytes change (same inode).
poke() { # FILE OLD NEW
	off=$(grep -bo -- "$2" "$1" | head -1 | cut -d: -f1)
	printf '%s' "$3" | dd of="$1" bs=1 seek="$off" conv=notrunc 2>/dev/null
}
runs() { # what the -v line says
	kiln -v ports -p "$T" --graph >/dev/null 2>"$TMP/v"
	sed -n 's/^kiln: //p' "$TMP/v"
}
cachefile() { ls "$TMP"/basefs/data/cache/ports/*/graph-* 2>/dev/null | head -1; }

like "$(runs)" "2 evaluated, 0 from the cache.*cache written" "cold run evaluates both ports"
sleep 3	# older than GRAPH_RACY_SECONDS: the next run settles the records
like "$(runs)" "0 evaluated, 2 from the cache \(2 of them read again" "racy records are read again, not evaluated"
before=$(stat -c '%i %y' "$(cachefile)")
like "$(runs)" "0 evaluated, 2 from the cache \(0 of them read again: stat data changed\), cache unchanged" \
    "unchanged tree: nothing evaluated, nothing read"
is "$(stat -c '%i %y' "$(cachefile)")" "$before" "the cache file is not rewritten"

poke "$T/cat/b/Makefile" "PORTVERSION=1.0" "PORTVERSION=2.0"
like "$(runs)" "1 evaluated" "same-size edit of a Makefile is seen"
ok "graph after the edit" kiln ports -p "$T" --graph cat/b
is "$(cat "$TMP/out")" "cat/b b-2.0" "the new version is used"
# right after the run that cached it, in the same second
poke "$T/cat/b/Makefile" "PORTVERSION=2.0" "PORTVERSION=3.0"
like "$(runs)" "1 evaluated" "an edit right after the cache was written is seen"
ok "graph after the quick edit" kiln ports -p "$T" --graph cat/b
is "$(cat "$TMP/out")" "cat/b b-3.0" "the newest version is used"

poke "$T/cat/b/files/patch-x.c" "+new" "+NEW"
like "$(runs)" "1 evaluated" "same-size edit of a patch is seen"
printf 'x\n' > "$T/cat/b/files/patch-y.c"
like "$(runs)" "1 evaluated" "a file added to files/ is seen"
rm "$T/cat/b/files/patch-y.c"
like "$(runs)" "1 evaluated" "a file removed from files/ is seen"
printf 'TIMESTAMP = 1\n' > "$T/cat/b/distinfo"
like "$(runs)" "1 evaluated" "a distinfo added is seen"
poke "$T/cat/b/distinfo" "= 1" "= 2"
like "$(runs)" "1 evaluated" "same-size edit of distinfo is seen"

mkdir -p "$TMP/basefs/options/cat_a"
printf 'OPTIONS_FILE_SET+=FOO\n' > "$TMP/basefs/options/cat_a/options"
like "$(runs)" "1 evaluated" "an options file added is seen"
poke "$TMP/basefs/options/cat_a/options" "_SET" "_XET"
like "$(runs)" "1 evaluated" "same-size edit of the options file is seen"

# cp -p / touch -d: contents changed, mtime put back; ctime tells
touch -r "$T/cat/a/Makefile" "$TMP/stamp"
poke "$T/cat/a/Makefile" "COMMENT=a" "COMMENT=A"
touch -r "$TMP/stamp" "$T/cat/a/Makefile"
like "$(runs)" "1 evaluated" "an edit with its mtime restored is seen"

done_testing
