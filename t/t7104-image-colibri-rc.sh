#!/bin/sh
# The colibri example's own rc.d scripts (examples/ports/sysutils/colibri/
# files/*.in, substituted as USE_RC_SUBR would) run unchanged under the
# image's /etc/rc + rc.subr, on the host in a chroot of the image tree:
# colibri_daemon starts (with its start_postcmd health wait), then
# colibri_smoke_agent (REQUIRE: colibri_daemon) prints its verdict.  The
# programs are stand-ins with the real ones' command lines.
. "$(dirname "$0")/test-lib.sh"
need_root
files=$TOP/examples/ports/sysutils/colibri/files
[ -f "$files/colibri_daemon.in" ] || skip_all "no colibri example in this tree (examples/ports)"
[ -x /bin/busybox ] || skip_all "/bin/busybox (busybox-static) not installed"
command -v unshare >/dev/null 2>&1 || skip_all "unshare (util-linux) not installed"
export KILN_SHAREDIR="$TOP/share/kiln"

ov=$TMP/ov
mkdir -p "$ov/usr/local/etc/rc.d" "$ov/usr/local/bin" "$ov/usr/local/etc/colibri" "$ov/etc"
for s in colibri_daemon colibri_smoke_agent; do
	sed -e 's|%%PREFIX%%|/usr/local|g' -e 's|%%LOCALBASE%%|/usr/local|g' \
	    -e 's|%%ETCDIR%%|/usr/local/etc/colibri|g' -e 's|%%COLIBRI_PORT%%|7077|g' \
	    "$files/$s.in" > "$ov/usr/local/etc/rc.d/$s"
done
# colibri-daemon --daemon --port P --config F --pidfile PF --log L
cat > "$ov/usr/local/bin/colibri-daemon" <<'EOS'
#!/bin/sh
while [ $# -gt 0 ]; do
	case $1 in
	--daemon) daemon=1 ;;
	--pidfile) shift; pidfile=$1 ;;
	--port) shift; port=$1 ;;
	esac
	shift
done
if [ -n "$daemon" ]; then
	/usr/local/bin/colibri-daemon --port "$port" --pidfile "$pidfile" </dev/null >/dev/null 2>&1 &
	echo $! > "$pidfile"
	exit 0
fi
echo "$port" > /var/run/colibri.up
while :; do sleep 1; done
EOS
# wren -q -t SECONDS URL: wait for the daemon's health
cat > "$ov/usr/local/bin/wren" <<'EOS'
#!/bin/sh
i=0
while [ $i -lt 50 ]; do [ -s /var/run/colibri.up ] && exit 0; sleep 0.1; i=$((i + 1)); done
exit 1
EOS
cat > "$ov/usr/local/bin/colibri-smoke-agent" <<'EOS'
#!/bin/sh
[ "$1" = --addr ] && [ "$2" = 127.0.0.1:7077 ] || { echo "colibri-smoke-agent: unhealthy: bad args $*"; exit 1; }
if [ "$(cat /var/run/colibri.up 2>/dev/null)" = 7077 ]; then
	echo "colibri-smoke-agent: healthy"
else
	echo "colibri-smoke-agent: unhealthy: no daemon"
	exit 1
fi
EOS
# colibri health --addr HOST:PORT
printf '#!/bin/sh\necho "colibri: health $3: ok"\n' > "$ov/usr/local/bin/colibri"
printf 'colibri_daemon_enable="YES"\ncolibri_smoke_agent_enable="YES"\n' > "$ov/etc/rc.conf"
chmod 755 "$ov"/usr/local/bin/* "$ov"/usr/local/etc/rc.d/*
ok "image tree" kiln image -t tar -o "$TMP/img.tar" -c "$ov"
mkdir "$TMP/root"
tar -xf "$TMP/img.tar" -C "$TMP/root"
printf 'mount -t devtmpfs devtmpfs /dev\n/etc/rc\nservice colibri_daemon status\nservice colibri_daemon health; echo "health=$?"\n' > "$TMP/root/t.sh"
unshare --mount --pid --fork --mount-proc="$TMP/root/proc" \
    chroot "$TMP/root" /bin/sh /t.sh > "$TMP/rc.out" 2>&1
out=$(cat "$TMP/rc.out")
like "$out" 'Starting colibri_daemon\.' "colibri_daemon starts from its rc.d script"
like "$out" 'colibri-smoke-agent: healthy' "the smoke agent runs after it and reports healthy"
unlike "$out" 'start failed' "no script failed"
like "$out" 'colibri_daemon is running as pid [0-9]+\.' "status finds the daemon through its pidfile"
like "$out" 'colibri: health 127.0.0.1:7077: ok' "the extra command health runs its health_cmd"
like "$out" 'health=0' "and its status is returned"
done_testing
