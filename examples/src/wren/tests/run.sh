#!/bin/sh
# tests/run.sh WREN: checks wren against a listener it starts itself
# (python3 when present, else the TCP-only checks are skipped).
set -u
WREN=${1:-./wren}
fail=0
t() {
	want=$1; shift
	"$@" >/dev/null 2>&1
	got=$?
	if [ "$got" = "$want" ]; then echo "ok - $*"; else echo "FAIL - $* (exit $got, want $want)"; fail=1; fi
}
t 2 "$WREN"
t 2 "$WREN" nohostport
t 2 "$WREN" host:99999
t 0 "$WREN" -V
# a port nobody listens on: down after one try
t 1 "$WREN" -t 0 127.0.0.1:1
if command -v python3 >/dev/null 2>&1; then
	python3 - "$WREN" <<'PY' || fail=1
import http.server, socket, subprocess, sys, threading
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        code = 200 if self.path == "/health" else 503
        self.send_response(code); self.end_headers(); self.wfile.write(b"ok\n")
    def log_message(self, *a): pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
port = srv.server_address[1]
threading.Thread(target=srv.serve_forever, daemon=True).start()
ok = True
for args, want in (([f"127.0.0.1:{port}"], 0),
                   ([f"http://127.0.0.1:{port}/health"], 0),
                   (["-t", "0", f"http://127.0.0.1:{port}/down"], 1)):
    rc = subprocess.call([sys.argv[1], "-q"] + args)
    print(("ok" if rc == want else "FAIL") + f" - wren {' '.join(args)} (exit {rc})")
    ok = ok and rc == want
srv.shutdown()
sys.exit(0 if ok else 1)
PY
fi
exit $fail
