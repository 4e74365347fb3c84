#!/bin/sh
# The daemon's whole chain, as DESIGN draws it: a queued job builds a port
# (bulk), stages its package into an image and boots the image in a VM
# that must print what the packaged program says; a job whose VM test
# fails is recorded as failed in that step.
. "$(dirname "$0")/test-lib.sh"
. "$TOP/t/lib/vm-image.sh"
. "$TOP/t/bulk-lib.sh"
need_root
vm_need

bulk_setup
mkport cat/hello

# the image's overlay: rc.conf enables a check that runs the packaged program
mkdir -p "$TMP/ov/etc" "$TMP/ov/usr/local/etc/rc.d"
cat > "$TMP/ov/usr/local/etc/rc.d/zcheck" <<'EOF'
#!/bin/sh
# PROVIDE: zcheck
. /etc/rc.subr
name=zcheck
rcvar=zcheck_enable
load_rc_config $name
start_cmd='echo "check: $(/usr/local/bin/hello)"'
run_rc_command "$1"
EOF
chmod 755 "$TMP/ov/usr/local/etc/rc.d/zcheck"
echo 'zcheck_enable="YES"' > "$TMP/ov/etc/rc.conf"

D=$TMP/basefs/daemon
PORT=$(free_port)
API=http://127.0.0.1:$PORT
"$KILN" daemon -l "127.0.0.1:$PORT" > "$TMP/daemon.log" 2>&1 &
dpid=$!
at_exit "kill $dpid"
i=0
until curl -s -o /dev/null "$API/api/status" || [ $i -ge 200 ]; do sleep 0.05; i=$((i + 1)); done

# post JSON: queue a job, print its id
post() {
	curl -s -d "$1" "$API/api/builds" |
	    python3 -c "import json,sys; print(json.load(sys.stdin)['id'])"
}
# wait_end ID: until the job is done or failed (10 minutes: TCG boots)
wait_end() {
	i=0
	while [ $i -lt 3000 ]; do
		s=$(python3 -c "import json; print(json.load(open('$D/jobs/$1.json'))['state'])" 2>/dev/null)
		case $s in done|failed) return 0 ;; esac
		sleep 0.2; i=$((i + 1))
	done
	return 1
}
field() { python3 -c "import json; print(json.load(open('$D/jobs/$1.json'))['$2'])"; }

job='{"jail": "main", "ports": "t", "origins": ["cat/hello"],
 "image": {"type": "initramfs", "packages": ["hello"], "overlay": "'$TMP/ov'"},
 "vmtest": {"expect": ["check: hello"], "timeout": 300}}'
id=$(post "$job")
ok "a job with image and VM test steps is queued" test -n "$id"
ok "it ends" wait_end "$id"
is "$(field "$id" state)" "done" "bulk, image and VM test all pass"
is "$(field "$id" step)" "None" "no step is left failed"
ok "the image is kept beside the job" test -f "$D/jobs/$id.initramfs/initramfs.cpio.gz"
log=$(cat "$D/jobs/$id.log")
like "$log" "==> kiln daemon: .* bulk -j main -p t cat/hello" "the log has the bulk"
like "$log" "==> kiln daemon: .* image -j main -p t -t initramfs -o .* -c $TMP/ov hello" "then the image"
like "$log" "==> kiln daemon: .* vm test .* --expect check: hello --timeout 300" "then the VM test"
like "$log" "PASS: all 1 expected patterns appeared" "which passed"

bad='{"jail": "main", "ports": "t", "origins": ["cat/hello"],
 "image": {"type": "initramfs", "packages": ["hello"], "overlay": "'$TMP/ov'"},
 "vmtest": {"expect": ["check: goodbye"], "timeout": 20}}'
id2=$(post "$bad")
ok "a job whose VM test cannot pass ends" wait_end "$id2"
is "$(field "$id2" state)" "failed" "as failed"
is "$(field "$id2" step)" "vmtest" "in its vmtest step"
is "$(field "$id2" exit)" "1" "with the VM test's exit status"
like "$(cat "$TMP/daemon.log")" "job $id2 failed in its vmtest step" "the daemon says so"
is "$(qemu_left "$TMP")" "" "no QEMU left"

# a stop while the VM boots: QEMU is stopped, the job goes back to the queue
slow='{"jail": "main", "ports": "t", "origins": ["cat/hello"],
 "image": {"type": "initramfs", "packages": ["hello"], "overlay": "'$TMP/ov'"},
 "vmtest": {"expect": ["never printed"], "timeout": 300}}'
id3=$(post "$slow")
i=0
until [ "$(python3 -c "import json; c = json.load(open('$D/status.json'))['current']; print(c and c['id'] == '$id3' and c['step'])" 2>/dev/null)" = vmtest ] ||
    [ $i -ge 1500 ]; do sleep 0.2; i=$((i + 1)); done
ok "the third job reaches its vmtest step" test $i -lt 1500
sleep 2
kill -TERM "$dpid"
ok "the daemon stops" wait "$dpid"
ok "the job's record says interrupted" grep -q '"state": "interrupted"' "$D/jobs/$id3.json"
ok "it is queued again" test -f "$D/queue/$id3.json"
is "$(qemu_left "$TMP")" "" "no QEMU left after the stop"
done_testing
