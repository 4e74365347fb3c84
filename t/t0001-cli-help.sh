#!/bin/sh
# The command line: help, version, unknown commands, exit codes.
. "$(dirname "$0")/test-lib.sh"

ok "kiln with no arguments prints the overview" kiln
like "$(cat "$TMP/out")" '^usage: kiln' "overview starts with usage"
like "$(cat "$TMP/out")" '^  config ' "overview lists the config command"

ok "kiln -h prints the overview" kiln -h
like "$(cat "$TMP/out")" 'commands:' "kiln -h lists commands"

ok "kiln help config" kiln help config
like "$(cat "$TMP/out")" '^usage: kiln config \[--json\]' "help config shows its usage"

ok "kiln config -h" kiln config -h
like "$(cat "$TMP/out")" 'usage: kiln config' "config -h shows the usage"

ok "kiln config --help" kiln config --help

for c in $(kiln | sed -n '/^commands:/,$s/^  \([a-z-]*\) .*/\1/p'); do
	ok "kiln $c -h works" kiln "$c" -h
	like "$(cat "$TMP/out")" "^usage: kiln $c" "kiln $c -h prints its usage"
done

for v in create install start console stop list destroy accel test; do
	ok "kiln vm $v --help works" kiln vm "$v" --help
	like "$(cat "$TMP/out")" "^usage: kiln vm create" "kiln vm $v --help prints the usage"
done

fails 2 "unknown command is a usage error" kiln confg
like "$(cat "$TMP/err")" "'confg' is not a kiln command" "names the unknown command"
like "$(cat "$TMP/err")" "most similar command is 'config'" "suggests the closest command"

fails 1 "help for an unknown command fails" kiln help nosuch
like "$(cat "$TMP/err")" "no command named 'nosuch'" "and names it"

fails 2 "unknown global option is a usage error" kiln -Z config
fails 2 "unknown command option is a usage error" kiln config --bogus
like "$(cat "$TMP/err")" 'usage: kiln config' "and prints the usage"

ok "kiln version" kiln version
like "$(cat "$TMP/out")" '^kiln [0-9]+\.[0-9]+\.[0-9]+$' "prints a version"

done_testing
