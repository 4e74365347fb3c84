#!/bin/sh
# --accel auto: says which accelerator it chose and why; the KVM probe's
# payload itself boots (checked under TCG); on a host whose KVM cannot run
# a normal guest (nested kvm_pvm), a forced probe falls back to TCG.
. "$(dirname "$0")/test-lib.sh"
. "$TOP/t/lib/vm-image.sh"
vm_need

ok "accel auto" kiln vm accel
like "$(cat "$TMP/out")" '^(kvm|tcg): auto: ' "says the choice and the reason"
if [ ! -w /dev/kvm ]; then
	like "$(cat "$TMP/out")" '^tcg: auto: /dev/kvm is missing' "no /dev/kvm: tcg"
elif [ -d /sys/module/kvm_pvm ]; then
	like "$(cat "$TMP/out")" '^tcg: auto: /dev/kvm is the nested kvm_pvm module' "kvm_pvm: tcg without a probe"
fi
ok "the probe payload boots (probe run under tcg)" kiln vm accel --probe-with tcg --probe-timeout 60
like "$(cat "$TMP/out")" 'tcg probe boot reached its marker' "the probe sees its marker"
if [ -w /dev/kvm ] && [ -d /sys/module/kvm_pvm ]; then
	ok "a forced KVM probe on nested kvm_pvm" kiln vm accel --probe --probe-timeout 8
	like "$(cat "$TMP/out")" '^tcg: auto: kvm probe boot failed' "detects that KVM does not work and falls back"
fi
fails 2 "bad --probe-with" kiln vm accel --probe-with xen
fails 1 "bad --accel for vm test" kiln vm test --kernel "$KERNEL" --accel xen --timeout 5
like "$(cat "$TMP/err")" "accel 'xen': want auto, kvm or tcg" "names the accelerator"
is "$(qemu_left "$TMP")" "" "no QEMU left"
is "$(qemu_left kiln-kvmprobe)" "" "no probe QEMU left"
ok "no probe directory left" sh -c '! ls -d /tmp/kiln-kvmprobe.* 2>/dev/null | grep -q .'
done_testing
