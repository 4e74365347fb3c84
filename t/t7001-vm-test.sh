#!/bin/sh
# kiln vm test: an image boots and its expected line appears; a service
# that fails to start, a --fail pattern, a timeout and SIGTERM each fail
# with a reason and the console tail; QEMU never outlives the test.
. "$(dirname "$0")/test-lib.sh"
. "$TOP/t/lib/vm-image.sh"
vm_need

make_service_overlay "$TMP/ov"
make_service_overlay "$TMP/ovbad" broken
ok "image with a service builds" kiln image -t initramfs -o "$TMP/img" -c "$TMP/ov"
ok "image with a broken service builds" kiln image -t initramfs -o "$TMP/bad" -c "$TMP/ovbad"

ok "the service comes up healthy" kiln vm test "$TMP/img" \
    --expect 'Starting hellod' --expect 'hello-smoke: healthy' --log "$TMP/console.log"
like "$(cat "$TMP/out")" '^PASS: all 2 expected patterns appeared in order' "PASS line names the verdict"
like "$(cat "$TMP/err")" 'accelerator (tcg|kvm): ' "says which accelerator it used"
like "$(cat "$TMP/console.log")" 'kiln-rc: starting services' "--log keeps the console"

fails 1 "a service that fails to start fails the test" kiln vm test "$TMP/bad" \
    --expect 'hello-smoke: healthy'
like "$(cat "$TMP/out")" 'FAIL: a service failed to start: /usr/local/etc/rc.d/broken: start failed \(exit 3\)' \
    "the reason names the rc.d script and its status"
like "$(cat "$TMP/out")" 'broken: /usr/local/etc/broken.conf: no such file' "the console tail shows the service's error"

fails 1 "a --fail pattern fails the test" kiln vm test "$TMP/img" \
    --expect 'hello-smoke: healthy' --fail 'Starting hell'
like "$(cat "$TMP/out")" "FAIL: console matched --fail /Starting hell/: Starting hellod" "names the pattern and the line"

fails 1 "a timeout fails the test" kiln vm test "$TMP/img" --expect 'never-printed' --timeout 8
like "$(cat "$TMP/out")" 'FAIL: timed out after 8 s waiting for /never-printed/' "reason: timeout and the pattern"
like "$(cat "$TMP/out")" 'last console lines:' "the console tail follows"
like "$(cat "$TMP/out")" 'hello-smoke: healthy' "the tail holds what the guest printed"
is "$(qemu_left "$TMP")" "" "no QEMU left after the timeout"

# SIGTERM to kiln while the guest runs: QEMU is stopped, kiln says why.
"$KILN" vm test "$TMP/img" --expect 'never-printed' --timeout 120 >"$TMP/sig.out" 2>&1 &
kpid=$!
at_exit "kill $kpid"
i=0
while [ -z "$(qemu_left "$TMP/img")" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
isnt_empty=$(qemu_left "$TMP/img")
like "$isnt_empty" 'qemu-system' "QEMU runs during the test"
sleep 1
kill -TERM $kpid
wait $kpid
is "$?" 143 "kiln exits 128+SIGTERM"
like "$(cat "$TMP/sig.out")" 'FAIL: interrupted; the VM was stopped' "says it was interrupted"
is "$(qemu_left "$TMP")" "" "no QEMU left after SIGTERM"

fails 1 "an unknown image is refused" kiln vm test "$TMP/ov/etc/rc.conf"
like "$(cat "$TMP/err")" 'neither an ISO 9660 image nor a directory' "says what an image is"
fails 1 "a bad regular expression is refused" kiln vm test "$TMP/img" --expect '('
like "$(cat "$TMP/err")" "--expect '\(': not a valid extended regular expression" "names the pattern"
fails 2 "no image is a usage error" kiln vm test
is "$(qemu_left "$TMP")" "" "no QEMU left at the end"
is "$(find "$TMP/basefs" -type s 2>/dev/null)" "" "no socket left"
is "$(ls /tmp | grep -c '^kiln-kvmprobe')" 0 "no probe directory left"
done_testing
