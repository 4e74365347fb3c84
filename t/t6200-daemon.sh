#!/bin/sh
# kiln daemon and kiln queue: jobs from the queue command, the JSON API and
# a schedule are built one at a time as bulks; status.json, the page and
# job records say what happened; bad requests are refused with a reason; a
# stop interrupts the running bulk and the next start finishes its job.
. "$(dirname "$0")/test-lib.sh"
. "$TOP/t/bulk-lib.sh"
need_root

bulk_setup
mkport cat/a
mkport cat/b "cat/a"
mkport cat/slow "" "sleep 6"

D=$TMP/basefs/daemon
PORT=$(free_port)
API=http://127.0.0.1:$PORT

# get URL: the body on stdout; HTTP status in $TMP/code
get() { curl -s -o "$TMP/body" -w '%{http_code}' "$@" > "$TMP/code"; cat "$TMP/body"; }
# jobfield ID FIELD: one field of a job's record, through the API
jobfield() {
	get "$API/api/jobs/$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])" 2>/dev/null
}
# wait_state ID STATE...: until the job is in one of the states (3 minutes)
wait_state() {
	_id=$1; shift
	_i=0
	while [ $_i -lt 900 ]; do
		_s=$(jobfield "$_id" state)
		for _w in "$@"; do [ "$_s" = "$_w" ] && return 0; done
		sleep 0.2; _i=$((_i + 1))
	done
	echo "# job $_id stayed '$_s'"
	return 1
}
start_daemon() {
	"$KILN" daemon -l "127.0.0.1:$PORT" "$@" > "$TMP/daemon.log" 2>&1 &
	dpid=$!
	at_exit "kill $dpid"
	_i=0
	until curl -s -o /dev/null "$API/api/status" 2>/dev/null; do
		_i=$((_i + 1)); [ $_i -lt 200 ] || return 1; sleep 0.05
	done
}

# -- the queue, before any daemon runs
ok "kiln queue queues a bulk" kiln queue -j main -p t cat/b
like "$(cat "$TMP/out")" '^queued [0-9]{8}-[0-9]{6}-[0-9]{6}-[0-9]+-[0-9]+$' "and prints its id"
qid=$(sed -n 's/^queued //p' "$TMP/out")
ok "an equal job is not queued twice" kiln queue -j main -p t cat/b
is "$(cat "$TMP/out")" "already queued as $qid" "it names the queued one"
ok "kiln queue -l" kiln queue -l
like "$(cat "$TMP/out")" "$qid +queued +main t cat/b" "lists the queued job"
ok "kiln queue -l --json" kiln queue -l --json
cp "$TMP/out" "$TMP/list.json"
ok "is JSON with the queued job" python3 -c "
import json; d = json.load(open('$TMP/list.json'))
assert [j['id'] for j in d['queue']] == ['$qid'] and d['recent'] == [], d"
fails 1 "an unknown jail is refused" kiln queue -j nosuch -p t cat/b
like "$(cat "$TMP/err")" "jail nosuch does not exist" "naming the jail"
fails 1 "a malformed origin is refused" kiln queue -j main -p t ../etc
like "$(cat "$TMP/err")" "origin '../etc': want category/name" "naming the origin"
fails 2 "nothing to build is a usage error" kiln queue -j main -p t
is "$(ls "$D/queue")" "$qid.json" "refusals queued nothing"

# -- the daemon
cat > "$TMP/sched.ucl" <<'EOF'
often { jail = "main"; ports = "t"; every = "1h"; origins = ["cat/a"]; }
EOF
printf 'bad { jail = "main"; ports = "t"; every = "soon"; all = yes; }\n' > "$TMP/bad.ucl"
fails 1 "a bad schedule file is refused" kiln daemon -l "127.0.0.1:$PORT" -s "$TMP/bad.ucl"
like "$(cat "$TMP/err")" "bad.ucl: schedule bad: every = \"soon\": want N, Ns, Nm, Nh or Nd" "naming the file, the schedule and the value"
printf 'gone { jail = "nosuch"; ports = "t"; every = "1h"; all = yes; }\n' > "$TMP/gone.ucl"
fails 1 "a schedule naming a jail that does not exist is refused" kiln daemon -l "127.0.0.1:$PORT" -s "$TMP/gone.ucl"
like "$(cat "$TMP/err")" "gone.ucl: schedule gone: jail nosuch does not exist" "naming the schedule and the jail"

ok "the daemon starts" start_daemon -s "$TMP/sched.ucl"
fails 1 "a second daemon on the same BASEFS is refused" kiln daemon -l 127.0.0.1:0
like "$(cat "$TMP/err")" "in use by pid $dpid" "naming the first one"
ok "the queued job is built" wait_state "$qid" done failed
is "$(jobfield "$qid" state)" "done" "and succeeds"
is "$(jobfield "$qid" exit)" "0" "exit 0 recorded"
ok "packages are published" test -f "$TMP/basefs/data/packages/main-t/All/b-1.0.pkg"
ok "the job's log is kept" grep -q "cat/b" "$D/jobs/$qid.log"

# the schedule (never run before) queued cat/a at start
sid=$(python3 -c "
import json; s = json.load(open('$D/status.json'))
print(' '.join(j['id'] for j in s['recent'] + s['queue'] + ([s['current']] if s['current'] else []) if j['by'] == 'schedule:often'))")
ok "the schedule queued a job" test -n "$sid"
ok "the scheduled job is built" wait_state "$sid" done failed
is "$(jobfield "$sid" state)" "done" "and succeeds"

# -- the API
get -X POST -H 'Content-Type: application/json' \
    -d '{"jail": "main", "ports": "t", "origins": ["cat/a", "cat/b"]}' "$API/api/builds" > "$TMP/post"
is "$(cat "$TMP/code")" "201" "POST /api/builds queues (201)"
aid=$(python3 -c "import json; print(json.load(open('$TMP/post'))['id'])")
ok "and answers the new job's id" test -n "$aid"
ok "the API's job is built" wait_state "$aid" done failed
is "$(jobfield "$aid" by)" "api" "recorded as asked by the API"
is "$(jobfield "$aid" state)" "done" "and done"

get -X POST -d '{"jail": "nosuch", "ports": "t", "all": true}' "$API/api/builds" > "$TMP/post"
is "$(cat "$TMP/code")" "400" "an unknown jail is a bad request"
like "$(cat "$TMP/post")" '"error": *"jail nosuch does not exist' "with the reason in JSON"
get -X POST -d '{"jail": "main", "ports": ' "$API/api/builds" > "$TMP/post"
is "$(cat "$TMP/code")" "400" "a body that is not JSON is a bad request"
like "$(cat "$TMP/post")" '"error": *"request body: 1:' "saying where it is wrong"
get -X POST -d '{"jail": "main", "ports": "t"}' "$API/api/builds" > "$TMP/post"
like "$(cat "$TMP/post")" "nothing to build" "a job without targets is refused"
get -X POST -d '{"jail": "main", "ports": "t", "origin": ["cat/a"]}' "$API/api/builds" > "$TMP/post"
like "$(cat "$TMP/post")" 'unknown key \\"origin\\"' "a misspelt key is refused by name"
get -X PUT -d '{}' "$API/api/builds" > /dev/null
is "$(cat "$TMP/code")" "405" "another method is not allowed"
get "$API/api/nothing" > /dev/null
is "$(cat "$TMP/code")" "404" "an unknown API is not found"
get "$API/api/jobs/..%2Fstatus" > /dev/null
is "$(cat "$TMP/code")" "404" "a job id cannot leave the job directory"

get "$API/api/status" > "$TMP/status"
is "$(cat "$TMP/code")" "200" "GET /api/status"
ok "status.json is JSON with the daemon's fields" python3 -c "
import json; s = json.load(open('$TMP/status'))
assert s['state'] == 'idle' and s['current'] is None and s['queue'] == [], s
assert [d['name'] for d in s['schedules']] == ['often'] and s['schedules'][0]['last'] > 0
assert {j['id'] for j in s['recent']} >= {'$qid', '$sid', '$aid'}"
like "$(get "$API/daemon/")" "<title>kiln daemon</title>" "the page is served"
ok "so are the repositories" sh -c "curl -sf '$API/packages/main-t/meta.conf' >/dev/null"

# -- a stop while a bulk runs, and the next start
get -X POST -d '{"jail": "main", "ports": "t", "origins": ["cat/slow"]}' "$API/api/builds" > "$TMP/post"
slow=$(python3 -c "import json; print(json.load(open('$TMP/post'))['id'])")
ok "a slow job starts" wait_state "$slow" running
ok "kiln queue adds a job while it runs" kiln queue -j main -p t cat/a
later=$(sed -n 's/^queued //p' "$TMP/out")
# status.json follows the queue within the daemon's one-second tick
i=0
until grep -q "$later" "$D/status.json" || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
ok "status.json lists the job queued behind it" python3 -c "
import json; s = json.load(open('$D/status.json'))
assert s['state'] == 'building' and s['current']['id'] == '$slow', s
assert [j['id'] for j in s['queue']] == ['$later'], s"
sleep 1
kill -TERM "$dpid"
ok "SIGTERM stops the daemon" wait "$dpid"
like "$(cat "$TMP/daemon.log")" "job $slow interrupted; queued again" "it says the job goes back to the queue"
ok "the job's record says interrupted" grep -q '"state": "interrupted"' "$D/jobs/$slow.json"
ok "and it is queued again" test -f "$D/queue/$slow.json"
is "$(pgrep -f "kiln.* bulk -j main -p t cat/slow" || true)" "" "no bulk is left running"
ok "status.json says stopped" grep -q '"state": "stopped"' "$D/status.json"

# a bulk started by hand holds the jail and tree for a moment
lockf=$TMP/basefs/.locks/bulk-main-t.lock
flock "$lockf" sleep 3 &
fpid=$!
at_exit "kill $fpid"
i=0
while flock -n "$lockf" true && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
ok "the daemon starts again" start_daemon
ok "the interrupted job is built" wait_state "$slow" done failed
ok "then the one queued behind it" wait_state "$later" done failed
like "$(cat "$TMP/daemon.log")" "job $slow waits: .*in use" "it waited while the tree was busy"
is "$(jobfield "$slow" state)" "done" "and done"
ok "its package is published" test -f "$TMP/basefs/data/packages/main-t/All/slow-1.0.pkg"
kill -TERM "$dpid"
ok "stops when idle" wait "$dpid"

done_testing
