# vm-image.sh: helpers shared by the t7xxx VM and image tests.
#
#	. "$TOP/t/lib/vm-image.sh"
#	vm_need          skip unless QEMU, a static busybox and a kernel exist
#	make_service_overlay DIR [BROKEN]   a tiny service in the colibri shape
#	qemu_left PATTERN   print QEMU processes whose command line has PATTERN
#
# Boots run under TCG (software emulation) on machines whose KVM does not
# work; each takes a few seconds.

vm_need() {
	command -v qemu-system-x86_64 >/dev/null 2>&1 || skip_all "qemu-system-x86_64 not installed (scripts/install-deps)"
	[ -x /bin/busybox ] || skip_all "/bin/busybox (busybox-static) not installed"
	KERNEL=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
	[ -n "$KERNEL" ] || skip_all "no kernel in /boot (scripts/install-deps installs linux-image-cloud-amd64)"
	export KILN_SHAREDIR="$TOP/share/kiln"
}

# make_service_overlay DIR [broken]: rc.conf enables "hellod" (a shell
# daemon started through daemon(8), like colibri_daemon) and "zsmoke" (a
# smoke agent that checks it and prints "hello-smoke: healthy").  With
# "broken", a third enabled service "broken" fails to start.
make_service_overlay() {
	d=$1
	mkdir -p "$d/usr/local/etc/rc.d" "$d/usr/local/bin" "$d/etc"
	cat > "$d/usr/local/bin/hellod" <<'EOS'
#!/bin/sh
while :; do date +%s > /var/run/hellod.beat; sleep 1; done
EOS
	cat > "$d/usr/local/bin/hello-smoke" <<'EOS'
#!/bin/sh
i=0
while [ $i -lt 20 ]; do
	if service hellod status >/dev/null 2>&1 && [ -s /var/run/hellod.beat ]; then
		echo "hello-smoke: healthy"
		exit 0
	fi
	i=$((i + 1))
	sleep 0.5
done
echo "hello-smoke: unhealthy"
exit 1
EOS
	cat > "$d/usr/local/etc/rc.d/hellod" <<'EOS'
#!/bin/sh
# PROVIDE: hellod
# REQUIRE: LOGIN
. /etc/rc.subr
name=hellod
rcvar=hellod_enable
load_rc_config $name
: ${hellod_enable:="NO"}
pidfile="/var/run/${name}.pid"
procname="/usr/local/bin/hellod"
command="/usr/sbin/daemon"
command_args="-p ${pidfile} ${procname}"
run_rc_command "$1"
EOS
	cat > "$d/usr/local/etc/rc.d/zsmoke" <<'EOS'
#!/bin/sh
. /etc/rc.subr
name=zsmoke
rcvar=zsmoke_enable
load_rc_config $name
: ${zsmoke_enable:="NO"}
start_cmd="/usr/local/bin/hello-smoke"
run_rc_command "$1"
EOS
	printf 'hellod_enable="YES"\nzsmoke_enable="YES"\n' > "$d/etc/rc.conf"
	if [ "${2:-}" = broken ]; then
		cat > "$d/usr/local/bin/broken" <<'EOS'
#!/bin/sh
echo "broken: /usr/local/etc/broken.conf: no such file" >&2
exit 3
EOS
		cat > "$d/usr/local/etc/rc.d/broken" <<'EOS'
#!/bin/sh
. /etc/rc.subr
name=broken
rcvar=broken_enable
load_rc_config $name
: ${broken_enable:="NO"}
command="/usr/local/bin/broken"
run_rc_command "$1"
EOS
		echo 'broken_enable="YES"' >> "$d/etc/rc.conf"
	fi
	chmod 755 "$d"/usr/local/bin/* "$d"/usr/local/etc/rc.d/*
}

# qemu_left PATTERN: QEMU processes still running whose command line
# contains PATTERN (a path under this test's $TMP); empty when none.
qemu_left() {
	for p in /proc/[0-9]*; do
		c=$(tr '\0' ' ' 2>/dev/null < "$p/cmdline") || continue
		case $c in
		qemu-system*"$1"*) echo "${p#/proc/}: $c" ;;
		esac
	done
}
