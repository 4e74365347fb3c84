#!/bin/sh
# t6005: ports with IGNORE or BROKEN set (after options) are not built:
# they are "ignored" with the reason (event line, status.json, summary)
# and their dependents are skipped naming them; -T builds BROKEN ports
# anyway, never IGNORE ones.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/bulk-lib.sh"
need_root
bulk_setup || { echo "not ok 1 - setup"; done_testing; exit 1; }

mkport devel/base ""
mkport devel/broke "devel/base" "true" "BROKEN=	does not build with this compiler"
mkport devel/user "devel/broke"
mkport misc/never "" "true" "OPTIONS_DEFINE=	BAD
OPTIONS_DEFAULT=	BAD
BAD_DESC=	A bad option
.include <bsd.port.options.mk>
.if \${PORT_OPTIONS:MBAD}
IGNORE=	is not supported with BAD
.endif"
fails 1 "bulk with BROKEN and IGNORE ports exits 1 (dependents skipped)" kbulk devel/user misc/never
out=$(cat "$TMP/out")
like "$out" 'ignored devel/broke: BROKEN: does not build with this compiler' "BROKEN port ignored with its reason"
like "$out" 'ignored misc/never: IGNORE: is not supported with BAD' "IGNORE set by an option: ignored"
like "$out" 'skipped devel/user: depends on devel/broke' "its dependent is skipped naming it"
like "$out" 'built 1, failed 0, skipped 1, ignored 2' "summary counts the ignored"
unlike "$out" 'building devel/broke' "the BROKEN port was not built"
ok "status --json" "$KILN" status --json
like "$(cat "$TMP/out")" '"state": "ignored"' "status.json has the ignored state"
like "$(cat "$TMP/out")" '"cause": "BROKEN: does not build with this compiler"' "status.json has the reason"
ok "no package for the BROKEN port" test ! -e "$TMP/basefs/data/packages/main-t/.latest/All/broke-1.0.pkg"

ok "bulk -T builds BROKEN ports" kbulk -T devel/user misc/never
out=$(cat "$TMP/out")
like "$out" 'built devel/broke' "the BROKEN port is built with -T"
like "$out" 'built devel/user' "and its dependent"
like "$out" 'ignored misc/never: IGNORE' "IGNORE still ignored with -T"
done_testing
