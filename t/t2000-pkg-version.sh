#!/bin/sh
# kiln pkg version -t: every pair of the team's pairs file, and usage errors.
. "$(dirname "$0")/test-lib.sh"

bad=0
n=0
while read -r a b want; do
	case $a in ''|'#'*) continue ;; esac
	got=$(kiln pkg version -t "$a" "$b")
	n=$((n + 1))
	if [ "$got" != "$want" ]; then
		echo "# $a $b: got $got, want $want"
		bad=$((bad + 1))
	fi
done < "$TOP/tests/unit/data/version-pairs.txt"
is "$bad" 0 "kiln pkg version -t agrees with pkg on every pair"
is "$n" 41 "all 41 pairs were compared"
fails 2 "version without -t is a usage error" kiln pkg version 1 2
fails 2 "missing verb is a usage error" kiln pkg
fails 1 "unknown verb is refused" kiln pkg frobnicate
like "$(cat "$TMP/err")" "unknown verb 'frobnicate'" "the error names the verb"
ok "kiln pkg help lists verbs" kiln pkg help
like "$(cat "$TMP/out")" "^  catalog " "help lists the catalog verb"
like "$(cat "$TMP/out")" "^  version " "help lists the version verb"
ok "kiln pkg help VERB shows its usage" kiln pkg help repo
like "$(cat "$TMP/out")" "signing_command" "repo usage mentions signing_command"
fails 1 "help for an unknown verb" kiln pkg help frobnicate
fails 1 "-o needs KEY=VALUE" kiln pkg -o nonsense version -t 1 2
done_testing
