#!/bin/sh
# kiln's rc.subr (share/kiln/image/rc.subr) run on the host with busybox sh,
# inside the image's own tree (chroot, private mount and pid namespaces):
# load_rc_config, checkyesno, run_rc_command start/status/stop/restart/
# rcvar/enable/disable/reload/extra_commands, required_files, precmd
# hooks, daemon(8) and service(8).  No VM: fast.
. "$(dirname "$0")/test-lib.sh"
. "$TOP/t/lib/vm-image.sh"
need_root
[ -x /bin/busybox ] || skip_all "/bin/busybox (busybox-static) not installed"
command -v unshare >/dev/null 2>&1 || skip_all "unshare (util-linux) not installed"
export KILN_SHAREDIR="$TOP/share/kiln"

make_service_overlay "$TMP/ov"
mkdir -p "$TMP/ov/usr/local/etc/rc.conf.d"
cat > "$TMP/ov/usr/local/etc/rc.d/tick" <<'EOS'
#!/bin/sh
. /etc/rc.subr
name=tick
rcvar=tick_enable
load_rc_config $name
: ${tick_enable:="NO"}
: ${tick_config:="/usr/local/etc/tick.conf"}
pidfile="/var/run/${name}.pid"
procname="/usr/local/bin/tickd"
command="/usr/sbin/daemon"
command_args="-p ${pidfile} ${procname} ${tick_config}"
required_files="${tick_config}"
start_precmd="tick_prestart"
start_postcmd="echo tick-postcmd-ran"
extra_commands="reload hello"
hello_cmd="echo hello from \$name"
tick_prestart() {
	[ -z "$tick_fail_precmd" ] || { echo "tick: precmd refuses"; return 1; }
	echo "tick-precmd-ran"
}
run_rc_command "$1"
EOS
cat > "$TMP/ov/usr/local/bin/tickd" <<'EOS'
#!/bin/sh
trap 'echo hup >> /var/run/tick.hups' HUP
while :; do sleep 0.2; done
EOS
chmod 755 "$TMP/ov/usr/local/etc/rc.d/tick" "$TMP/ov/usr/local/bin/tickd"
echo 'tick_flavour="from-rc.conf.d"' > "$TMP/ov/usr/local/etc/rc.conf.d/tick"
# "agent" sorts before hellod but REQUIREs it: rcorder must start it after.
cat > "$TMP/ov/usr/local/etc/rc.d/agent" <<'EOS'
#!/bin/sh
# PROVIDE: agent
# REQUIRE: hellod LOGIN
. /etc/rc.subr
name=agent
rcvar=agent_enable
load_rc_config $name
: ${agent_enable:="NO"}
start_cmd="agent_start"
agent_start() {
	if service hellod status >/dev/null 2>&1; then echo "agent: hellod was up first"; else echo "agent: hellod not up"; fi
}
run_rc_command "$1"
EOS
chmod 755 "$TMP/ov/usr/local/etc/rc.d/agent"
echo 'agent_enable="YES"' >> "$TMP/ov/etc/rc.conf"
# hellod is enabled in rc.conf; tick is not (yet)
ok "image tree" kiln image -t tar -o "$TMP/img.tar" -c "$TMP/ov"
mkdir "$TMP/root"
tar -xf "$TMP/img.tar" -C "$TMP/root"

# rcrun SCRIPT: run SCRIPT with busybox sh in the tree; its processes die
# with the pid namespace when it ends.
rcrun() {
	printf 'mount -t devtmpfs devtmpfs /dev\n%s\n' "$1" > "$TMP/root/t.sh"
	unshare --mount --pid --fork --mount-proc="$TMP/root/proc" \
	    chroot "$TMP/root" /bin/sh /t.sh > "$TMP/rc.out" 2>&1
	rc=$?
	cat "$TMP/rc.out"
	return $rc
}

out=$(rcrun '. /etc/rc.subr
for v in YES yes True on 1 NO off 0; do x=$v; checkyesno x && echo "$v=y" || echo "$v=n"; done
x=maybe; checkyesno x; echo "maybe=$?"')
like "$out" 'YES=y' "checkyesno YES"
like "$out" 'yes=y' "checkyesno is case-insensitive"
like "$out" 'True=y' "checkyesno TRUE"
like "$out" 'on=y' "checkyesno ON"
like "$out" '1=y' "checkyesno 1"
like "$out" 'NO=n' "checkyesno NO"
like "$out" 'off=n' "checkyesno OFF"
like "$out" 'WARNING: \$x is not set properly' "checkyesno warns about a bad value"
like "$out" 'maybe=1' "and returns false"

out=$(rcrun '. /etc/rc.subr; load_rc_config tick; echo "hellod_enable=$hellod_enable tick_flavour=$tick_flavour"')
is "$out" "hellod_enable=YES tick_flavour=from-rc.conf.d" "load_rc_config reads rc.conf and rc.conf.d/NAME"

out=$(rcrun '/usr/local/etc/rc.d/tick start; echo "rc=$?"')
like "$out" "Cannot 'start' tick. Set tick_enable to YES in /etc/rc.conf or use 'onestart' instead of 'start'." \
    "a disabled service refuses start with FreeBSD's message"
like "$out" 'rc=0' "and exits 0"

out=$(rcrun '/usr/local/etc/rc.d/tick onestart; echo "rc=$?"')
like "$out" 'WARNING: /usr/local/etc/tick.conf is not readable' "required_files is checked"
like "$out" 'rc=1' "a missing required file fails start"

out=$(rcrun 'touch /usr/local/etc/tick.conf
/usr/local/etc/rc.d/tick onestart; echo "start=$?"
/usr/local/etc/rc.d/tick onestatus; echo "status=$?"
/usr/local/etc/rc.d/tick onestart; echo "again=$?"
/usr/local/etc/rc.d/tick onereload; sleep 0.6; cat /var/run/tick.hups
/usr/local/etc/rc.d/tick onehello
/usr/local/etc/rc.d/tick onerestart; echo "restart=$?"
/usr/local/etc/rc.d/tick onestop; echo "stop=$?"
/usr/local/etc/rc.d/tick onestatus; echo "status2=$?"
/usr/local/etc/rc.d/tick onestop; echo "stop2=$?"
rm /usr/local/etc/tick.conf')
like "$out" 'tick-precmd-ran' "start_precmd runs"
like "$out" 'Starting tick\.' "start says Starting NAME."
like "$out" 'tick-postcmd-ran' "start_postcmd runs"
like "$out" 'start=0' "start succeeds"
like "$out" 'tick is running as pid [0-9]+\.' "status finds it through pidfile + procname"
like "$out" 'status=0' "status exits 0 while it runs"
like "$out" 'tick already running\? \(pid=[0-9]+\)\.' "a second start refuses"
like "$out" 'again=1' "with status 1"
like "$out" 'Reloading tick config files\.' "reload is an extra command"
like "$out" 'hup' "reload sends SIGHUP"
like "$out" 'hello from tick' "a custom extra command runs its _cmd"
like "$out" 'Stopping tick\.' "stop says Stopping NAME."
like "$out" 'restart=0' "restart works"
like "$out" 'stop=0' "stop succeeds"
like "$out" 'tick is not running\.' "status after stop"
like "$out" 'status2=1' "status exits 1 when stopped"
like "$out" 'tick not running\? \(check /var/run/tick.pid\)\.' "stop of a stopped service says so"

out=$(rcrun 'touch /usr/local/etc/tick.conf
tick_fail_precmd=1 /usr/local/etc/rc.d/tick onestart; echo "rc=$?"
/usr/local/etc/rc.d/tick onestatus')
like "$out" 'tick: precmd refuses' "a failing start_precmd"
like "$out" 'rc=1' "fails start"
like "$out" 'tick is not running' "and nothing was started"

out=$(rcrun '/usr/local/etc/rc.d/tick rcvar; /usr/local/etc/rc.d/tick enable; grep tick_enable /etc/rc.conf
/usr/local/etc/rc.d/tick rcvar; /usr/local/etc/rc.d/tick disable; grep tick_enable /etc/rc.conf
service -l; service -e; service nosuch start; echo "nosuch=$?"
/usr/local/etc/rc.d/tick bogus; echo "bogus=$?"')
like "$out" '# tick' "rcvar prints the name"
like "$out" 'tick enabled in /etc/rc.conf' "enable edits rc.conf"
like "$out" 'tick_enable="YES"' "enable sets YES"
like "$out" 'tick disabled in /etc/rc.conf' "disable"
like "$out" 'tick_enable="NO"' "disable sets NO"
like "$out" 'zsmoke' "service -l lists scripts"
like "$out" '/usr/local/etc/rc.d/hellod' "service -e lists enabled ones"
like "$out" 'nosuch does not exist' "service of an unknown script"
like "$out" 'Usage: /usr/local/etc/rc.d/tick \[fast\|force\|one\|quiet\]\(start\|stop' "an unknown command prints usage"
like "$out" 'bogus=1' "and fails"

out=$(rcrun '. /etc/rc.subr; cd /usr/local/etc/rc.d; kiln_rcorder agent hellod tick zsmoke | tr "\n" " "')
is "$out" "hellod agent tick zsmoke " "kiln_rcorder orders by PROVIDE/REQUIRE, else keeps the order"

# The boot rc itself: enabled services start, the smoke agent sees hellod.
out=$(rcrun '/etc/rc; sleep 0.3; service hellod status')
like "$out" 'kiln-rc: starting services' "/etc/rc runs"
like "$out" 'Starting hellod\.' "it starts the enabled daemon"
like "$out" 'hello-smoke: healthy' "the smoke agent finds it healthy"
unlike "$out" 'tick' "a disabled service is skipped silently at boot"
like "$out" 'agent: hellod was up first' "rcorder: a REQUIRE runs first though it sorts later"
like "$out" 'kiln-rc: boot complete' "/etc/rc finishes"
like "$out" 'hellod is running as pid' "the daemon keeps running after rc"
done_testing
