#!/bin/sh
# Sandbox endings: exit status, signals, wall-clock and no-output limits,
# and every process (daemons too) killed when the command ends.
. "$(dirname "$0")/test-lib.sh"
need_root

ok "create a host jail" kiln jail -c -j h -m host

fails 7 "the command's exit status is kiln run's" kiln run -j h -- /bin/sh -c 'exit 7'
fails 143 "a signal is 128+N" kiln run -j h -- /bin/sh -c 'kill -TERM $$'
fails 127 "a missing command is 127" kiln run -j h -- /no/such/program
like "$(cat "$TMP/err")" "/no/such/program: cannot execute: No such file" "with a message"
fails 127 "a command not in PATH is 127" kiln run -j h -- no-such-program-kiln
fails 126 "a non-executable file is 126" kiln run -j h -- /etc/passwd

fails 124 "the wall-clock limit fires (exit 124)" kiln run -j h --timeout 1 -- sleep 30
like "$(cat "$TMP/err")" "^kiln: run: wall-clock limit hit after 1\.[0-9] s: killed \(exit 124\)" "one clear line"
fails 124 "it kills a process that ignores SIGTERM" kiln run -j h --timeout 1 -- /bin/sh -c 'trap "" TERM; sleep 30'

fails 125 "the no-output limit fires (exit 125)" \
    kiln run -j h --nohang 1 -- /bin/sh -c 'echo started; sleep 30'
like "$(cat "$TMP/err")" "^kiln: run: no-output limit hit" "one clear line"
is "$(cat "$TMP/out")" "started" "output before it is kept"
ok "steady output keeps the no-output limit away" \
    kiln run -j h --nohang 1 -- /bin/sh -c 'for i in 1 2 3 4 5 6; do echo $i; sleep 0.4; done'
ok "output on stderr counts too" \
    kiln run -j h --nohang 1 -- /bin/sh -c 'for i in 1 2 3 4 5 6; do echo $i >&2; sleep 0.4; done'

marker="3005.$$"
ok "a double-forked daemon is started" kiln run -j h -- /bin/sh -c \
    "setsid /bin/sh -c 'sleep $marker & sleep $marker' </dev/null >/dev/null 2>&1 & echo started"
sleep 0.2
ok "and killed when the command ends" sh -c "! pgrep -f 'slee[p] $marker'"
ok "a daemon holding stdout open does not hang kiln" kiln run -j h --timeout 10 -- /bin/sh -c \
    "setsid sleep $marker & echo done"
ok "and is killed" sh -c "! pgrep -f 'slee[p] $marker'"
fails 124 "a timed-out command's children are killed too" \
    kiln run -j h --timeout 1 -- /bin/sh -c "sleep $marker & sleep $marker & wait"
ok "none left" sh -c "! pgrep -f 'slee[p] $marker'"

done_testing
