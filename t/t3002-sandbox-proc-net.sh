#!/bin/sh
# Sandbox processes and network: host processes are invisible and out of
# reach; with the network off only an up lo exists.
. "$(dirname "$0")/test-lib.sh"
need_root

ok "create a host jail" kiln jail -c -j h -m host

sleep 300 &
victim=$!
at_exit "kill $victim"
ok "the command is pid 2 under the sandbox's init" kiln run -j h -- /bin/sh -c 'echo $$'
is "$(cat "$TMP/out")" "2" "a new PID namespace"
ok "few processes are visible" kiln run -j h -- /bin/sh -c 'ls -d /proc/[0-9]* | wc -l'
like "$(cat "$TMP/out")" '^ *[1-4]$' "only the sandbox's own"
fails 1 "a host process cannot be seen" kiln run -j h -- test -e "/proc/$victim"
fails 1 "a host process cannot be signalled, even by root" \
    kiln run -j h -- kill -9 "$victim"
ok "the host process is still alive" kill -0 "$victim"

ok "the host name is the jail's" kiln run -j h -- hostname
is "$(cat "$TMP/out")" "h" "a new UTS namespace"
ok "the cgroup namespace hides the host's tree" kiln run -j h -- /bin/sh -c 'grep memory /proc/self/cgroup'
is "$(cat "$TMP/out")" "4:memory:/" "the sandbox's cgroup is its root"
ok "a new IPC namespace" kiln run -j h -- /bin/sh -c \
    "test \"\$(readlink /proc/self/ns/ipc)\" != '$(readlink /proc/self/ns/ipc)'"

# A listener on the host's loopback.
port=$(free_port)
python3 -c "
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $port)); s.listen(16)
while True:
    c, _ = s.accept(); c.sendall(b'hello from the host\n'); c.close()
" &
lpid=$!
at_exit "kill $lpid"
i=0
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.05
done
connect="import socket; s = socket.create_connection(('127.0.0.1', $port), 2); print(s.recv(100).decode().strip())"
ok "the host can reach its listener" python3 -c "$connect"

fails 1 "network off: the host's loopback listener is unreachable" \
    kiln run -j h -- python3 -c "$connect"
like "$(cat "$TMP/err")" "Connection refused" "refused by the sandbox's own lo"
hostip=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -n 1)
if [ -n "$hostip" ]; then
	fails 1 "network off: the host's address is unreachable" \
	    kiln run -j h -- python3 -c "import socket; socket.create_connection(('$hostip', $port), 2)"
	like "$(cat "$TMP/err")" "unreachable" "network is unreachable"
fi
ok "network off: only lo" kiln run -j h -- /bin/sh -c "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"
is "$(cat "$TMP/out")" "lo" "lo and nothing else"
ok "network off: lo is up and usable inside" kiln run -j h -- python3 -c "
import socket
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
c = socket.create_connection(s.getsockname(), 2); a, _ = s.accept(); a.sendall(b'ok'); print(c.recv(2).decode())"
is "$(cat "$TMP/out")" "ok" "a build can talk to itself on loopback"

ok "network on (-n): the host's listener is reachable" kiln run -j h -n -- python3 -c "$connect"
is "$(cat "$TMP/out")" "hello from the host" "and answers"

done_testing
