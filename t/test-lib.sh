# test-lib.sh: a small TAP library for kiln's integration tests.
#
# Source it first in every t/tNNNN-area-what.sh:
#
#	. "$(dirname "$0")/test-lib.sh"
#	ok "kiln prints help" kiln -h
#	fails 2 "unknown command is a usage error" kiln frobnicate
#	like "$out" 'pattern' "output names the command"
#	done_testing
#
# Each script gets a private $TMP (removed at exit, also on failure) and a
# private BASEFS ($TMP/basefs) through $KILN_CONF, so tests never touch the
# machine's own kiln state.  $KILN is the binary under test.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
KILN=${KILN_BIN:-$TOP/build/kiln}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kiln-t.XXXXXX")
export KILN_CONF="$TMP/kiln.conf"
printf 'BASEFS=%s/basefs\n' "$TMP" > "$KILN_CONF"
_t_n=0
_t_failed=0
_t_cleanups=""

# at_exit CMD...: run CMD at exit (last registered runs first).
at_exit() {
	_t_cleanups="$*
$_t_cleanups"
}

_t_exit() {
	rc=$?
	printf '%s\n' "$_t_cleanups" | while IFS= read -r c; do
		[ -n "$c" ] && eval "$c" >/dev/null 2>&1
	done
	rm -rf "$TMP"
	exit $rc
}
trap _t_exit EXIT
trap 'exit 130' INT TERM

kiln() { "$KILN" "$@"; }

_t_result() {
	_t_n=$((_t_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_t_n - $2"
	else
		echo "not ok $_t_n - $2"
		_t_failed=$((_t_failed + 1))
	fi
}

# ok DESC CMD...: CMD exits 0.  Its output is kept in $TMP/out and $TMP/err.
ok() {
	d=$1
	shift
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	_t_result $rc "$d"
	if [ $rc != 0 ]; then
		echo "# command: $*"
		echo "# exit: $rc"
		sed 's/^/# stdout: /' "$TMP/out" | head -n 20
		sed 's/^/# stderr: /' "$TMP/err" | head -n 20
	fi
	return 0
}

# fails CODE DESC CMD...: CMD exits with CODE (any non-zero when CODE is "!").
fails() {
	want=$1
	d=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$want" = "!" ]; then
		[ $rc != 0 ]
	else
		[ $rc = "$want" ]
	fi
	r=$?
	_t_result $r "$d"
	if [ $r != 0 ]; then
		echo "# command: $*"
		echo "# exit: $rc, wanted $want"
		sed 's/^/# stderr: /' "$TMP/err" | head -n 20
	fi
	return 0
}

# like TEXT REGEX DESC: TEXT matches the extended regular expression.
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		_t_result 0 "$3"
	else
		_t_result 1 "$3"
		echo "# wanted /$2/ in:"
		printf '%s\n' "$1" | head -n 20 | sed 's/^/#   /'
	fi
}

# unlike TEXT REGEX DESC: TEXT does not match.
unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		_t_result 1 "$3"
		echo "# did not want /$2/ in:"
		printf '%s\n' "$1" | head -n 20 | sed 's/^/#   /'
	else
		_t_result 0 "$3"
	fi
}

# is GOT WANT DESC: exact string equality.
is() {
	if [ "$1" = "$2" ]; then
		_t_result 0 "$3"
	else
		_t_result 1 "$3"
		echo "# got:  '$1'"
		echo "# want: '$2'"
	fi
}

# skip_all REASON: the whole script cannot run here (printed, never hidden).
skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

# need_root: skip_all unless running as root.
need_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
}

# free_port: a TCP port on 127.0.0.1 nobody listens on right now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# http_serve DIR: serve DIR on 127.0.0.1 at a free port; sets $HTTP_PORT
# and $HTTP_URL; the server is stopped at exit.
http_serve() {
	HTTP_PORT=$(free_port)
	python3 -m http.server --bind 127.0.0.1 --directory "$1" "$HTTP_PORT" \
	    >"$TMP/http.log" 2>&1 &
	_t_http_pid=$!
	at_exit "kill $_t_http_pid"
	HTTP_URL="http://127.0.0.1:$HTTP_PORT"
	i=0
	while ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $HTTP_PORT), 1)" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "# http server did not start"; return 1; }
		sleep 0.05
	done
}

done_testing() {
	echo "1..$_t_n"
	[ $_t_failed = 0 ]
}
