#!/bin/sh
# kiln vm create/start/list/console/stop/destroy on a template; template
# errors name FILE:LINE; nothing of a VM is left after destroy.
. "$(dirname "$0")/test-lib.sh"
. "$TOP/t/lib/vm-image.sh"
vm_need

B=$TMP/basefs
make_service_overlay "$TMP/ov"
ok "image builds" kiln image -t initramfs -o "$TMP/img" -c "$TMP/ov"
mkdir -p "$B/vm/.templates"
cat > "$B/vm/.templates/svc.conf" <<EOC
# a direct-boot guest (loader=kernel is kiln's)
loader="kernel"
cpu=1
memory=256M
disk0_type="virtio-blk"
disk0_size="64M"
network0_switch="public"   # a vm-bhyve key, ignored by QEMU
kernel="$TMP/img/vmlinuz"
initrd="$TMP/img/initramfs.cpio.gz"
cmdline="quiet"
EOC
printf 'loader="bios"\nmemroy=1G\n' > "$B/vm/.templates/typo.conf"

fails 1 "an unknown key names FILE:LINE" kiln vm create -t typo v0
like "$(cat "$TMP/err")" "typo.conf:2: unknown key 'memroy'" "the message names the key"
fails 1 "an unknown template is refused" kiln vm create -t nosuch v0
like "$(cat "$TMP/err")" "template 'nosuch': neither" "says where it looked"
fails 1 "a bad name is refused" kiln vm create -t svc ../evil
ok "create from the shipped default template" kiln vm create -s 32M plain
is "$(stat -c %s "$B/vm/plain/disk0.img")" 33554432 "-s sizes the sparse disk"
ok "create from a BASEFS template" kiln vm create -t svc guest
ok "vm.ucl is JSON" python3 -c "import json,sys; d=json.load(open('$B/vm/guest/vm.ucl')); assert d['config']['loader']=='kernel' and d['template']=='svc'"
fails 1 "create twice is refused" kiln vm create -t svc guest

ok "start runs it in the background" kiln vm start guest
like "$(cat "$TMP/out")" 'vm guest started, accelerator (tcg|kvm)' "start says the accelerator"
for f in qmp.sock console.sock qemu.pid; do
	ok "$f exists while it runs" test -e "$B/vm/guest/$f"
done
fails 1 "start twice is refused" kiln vm start guest
ok "list" kiln vm list
like "$(cat "$TMP/out")" 'guest +kernel +1 +256M .*Running \([0-9]+\)' "list shows it running, CPUs and memory"
like "$(cat "$TMP/out")" 'plain +bios .*Stopped' "and the stopped one"
ok "list --json" kiln vm list --json
cp "$TMP/out" "$TMP/list.json"
ok "list --json has state, cpu, memory, uptime" python3 -c "
import json; d={v['name']: v for v in json.load(open('$TMP/list.json'))}
g=d['guest']; assert g['state']=='running' and g['cpu']==1 and g['memory']==256<<20 and g['uptime']>=0 and g['pid']>0
assert d['plain']['state']=='stopped' and d['plain']['uptime'] is None"

# Wait for the guest's services, then talk to its shell over the console.
i=0
until grep -q 'hello-smoke: healthy' "$B/vm/guest/console.log" 2>/dev/null || [ $i -ge 300 ]; do
	sleep 0.2
	i=$((i + 1))
done
like "$(cat "$B/vm/guest/console.log")" 'hello-smoke: healthy' "console.log has the boot output"
(printf '\n'; sleep 2; printf 'echo answer-$((6*7)); service hellod status\n'; sleep 3) |
    "$KILN" vm console guest > "$TMP/console.out" 2>&1
like "$(cat "$TMP/console.out")" 'answer-42' "console: a command typed reaches the guest's shell"
like "$(cat "$TMP/console.out")" 'hellod is running as pid [0-9]+' "console: the service runs in the guest"
fails 1 "destroy refuses a running VM" kiln vm destroy guest
like "$(cat "$TMP/err")" 'is running; stop it first' "says why"

ok "stop powers it off" kiln vm stop -t 20 guest
is "$(cat "$TMP/out")" "vm guest stopped" "the guest honoured the ACPI power button"
like "$(cat "$B/vm/guest/console.log")" 'kiln-rc: shutdown complete' "rc.shutdown ran in the guest"
for f in qmp.sock console.sock qemu.pid; do
	ok "$f is gone after stop" test ! -e "$B/vm/guest/$f"
done
fails 1 "stop of a stopped VM says so" kiln vm stop guest
like "$(cat "$TMP/err")" 'is not running' "names the state"
is "$(qemu_left "$TMP")" "" "no QEMU left after stop"

ok "destroy" kiln vm destroy guest
ok "destroy removes the directory" test ! -e "$B/vm/guest"
ok "destroy the other" kiln vm destroy plain
fails 1 "destroy of an unknown VM" kiln vm destroy guest
fails 2 "unknown subcommand" kiln vm frob
is "$(qemu_left "$TMP")" "" "no QEMU left at the end"
done_testing
