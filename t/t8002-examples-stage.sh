#!/bin/sh
# t8002-examples-stage: builds the example's three ports by hand, the way
# the ports framework does (spec/ports.md 3.3, 4), from the distfiles
# examples/mkdistfiles makes, stages each with DESTDIR, and then:
#  - checks the plist both ways (every pkg-plist / PLIST_FILES entry is in
#    the stage, nothing else is staged), as the builder's check-plist does;
#  - runs the staged programs: the daemon answers /health, `colibri health`,
#    the smoke agent's exact lines, colibri-tui --once, wren against it.
# The framework's own plist additions are emulated: install-rc-script
# (USE_RC_SUBR), PORTDOCS, compress-man.  When the kiln under test has
# `kiln info`, the plists of kiln's port model are checked against the same
# stages too (what the builder will package).  Option values are the defaults
# (DOCS on, STATIC off, IPV6 on); libfeather is also built with STATIC on,
# DOCS off, to check the %%STATIC%% / %%PORTDOCS%% lines.
#
# Cost: about 15 s on an idle 2-core machine (a minute or two under load):
# the C ports take a few seconds; colibri is one offline release build and
# one `cargo test` with Debian's /usr/bin/cargo and rustc, plus the two
# crates' tests; the rest is waiting for the daemon and retries.  Needs
# cmake, ninja, gmake and /usr/bin/cargo; skipped (said so) without them.
. "$(dirname "$0")/test-lib.sh"

for tool in cmake ninja gmake /usr/bin/cargo /usr/bin/rustc python3; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "needs $tool"
done

EX=$TOP/examples
PORTS=$EX/ports
DIST=$TMP/distfiles
PREFIX=/usr/local
# Debian's toolchain, never a rustup one earlier in PATH.
BUILDPATH=/usr/bin:/bin:/usr/sbin:/sbin

"$EX/mkdistfiles" "$DIST" >/dev/null || { echo "Bail out! mkdistfiles failed"; exit 1; }

# plist_expected PORTDIR SUBST...: the files pkg-plist (and PLIST_FILES
# given on stdin) describe, relative to PREFIX, after %%KEY%% substitution
# (SUBST are sed expressions), @@subpackage@@ prefixes removed (every
# package's files), @comment lines dropped, @sample's file registered.
plist_expected() {
	dir=$1
	shift
	{ cat; [ -f "$dir/pkg-plist" ] && cat "$dir/pkg-plist"; } |
	    sed "$@" -e 's/^@@[a-z0-9_-]*@@//' |
	    awk '/^@comment / || /^$/ { next }
		/^@sample / { print $2; next }
		/^@/ { print "UNHANDLED " $0; next }
		{ print }' | sort
}

# staged STAGEDIR: every file and symlink under STAGEDIR, relative to
# PREFIX (entries outside PREFIX keep their absolute path).
staged() {
	(cd "$1" && find . \( -type f -o -type l \) | sed 's,^\.,,' |
	    sed "s,^$PREFIX/,," | sort)
}

check_plist() {
	name=$1
	want=$2
	got=$3
	missing=$(comm -23 "$want" "$got" | tr '\n' ' ')
	extra=$(comm -13 "$want" "$got" | tr '\n' ' ')
	is "$missing" "" "$name: every plist entry is staged"
	is "$extra" "" "$name: nothing staged that the plist does not list"
}

# kiln_plist ORIGIN: the files of every package kiln's port model gives
# ORIGIN (`kiln info --json`), relative to PREFIX, in the form staged()
# prints; empty with status 1 when this kiln has no `info` yet.
kiln_plist() {
	"$KILN" info -p "$PORTS" "$1" --json > "$TMP/kp.json" 2>/dev/null || return 1
	python3 - "$TMP/kp.json" "$PREFIX" <<'PY' | sort
import json, re, sys
d = json.load(open(sys.argv[1]))
prefix = sys.argv[2].rstrip("/") + "/"
for p in d["packages"]:
    for line in p["plist"]:
        if re.match(r"@(owner|group|mode|comment|dir)\b", line) or not line.strip():
            continue
        m = re.match(r"@sample\s+(\S+)", line) or re.match(r"@\([^)]*\)\s+(\S+)", line)
        if m:
            line = m.group(1)
        elif line.startswith("@"):
            line = "UNHANDLED " + line
        if line.startswith(prefix):
            line = line[len(prefix):]
        print(line)
PY
}
have_kiln_info() { "$KILN" info -h >/dev/null 2>&1; }

# --- devel/libfeather: USES=cmake (ninja, out of source, install/strip) ---
W=$TMP/libfeather
mkdir -p "$W"
tar -xzf "$DIST/libfeather-1.2.0.tar.gz" -C "$W"
build_feather() {	# BUILDDIR STAGEDIR DOCS(ON|OFF) STATIC(ON|OFF) TESTS(ON|OFF)
	cmake -S "$W/libfeather-1.2.0" -B "$1" -G Ninja \
	    -DCMAKE_INSTALL_PREFIX=$PREFIX -DCMAKE_BUILD_TYPE=Release \
	    -DCMAKE_INSTALL_RPATH_USE_LINK_PATH=YES \
	    -DFEATHER_BUILD_TESTS:BOOL=$5 \
	    -DFEATHER_PKGCONFIGDIR:STRING=libdata/pkgconfig \
	    -DFEATHER_INSTALL_DOCS:BOOL=$3 -DFEATHER_BUILD_STATIC:BOOL=$4 &&
	    ninja -C "$1" &&
	    DESTDIR=$2 ninja -C "$1" install/strip
}
ok "libfeather: cmake + ninja + install/strip (DOCS on, STATIC off)" \
    build_feather "$W/.build" "$W/stage" ON OFF OFF
plist_expected "$PORTS/devel/libfeather" -e 's!%%SHLIB_MAJOR%%!1!g' \
    -e 's!%%SHLIB_VER%%!1.2.0!g' -e 's!%%STATIC%%!@comment !g' \
    -e 's!%%PORTDOCS%%!!g' -e 's!%%DOCSDIR%%!share/doc/libfeather!g' \
    </dev/null > "$W/want"
staged "$W/stage" > "$W/got"
check_plist "libfeather (default options)" "$W/want" "$W/got"
like "$(cat "$W/stage$PREFIX/libdata/pkgconfig/feather.pc")" '^libdir=\$\{prefix\}/lib$' \
    "libfeather: feather.pc in libdata/pkgconfig points at lib/"
is "$(readlink "$W/stage$PREFIX/lib/libfeather.so")" libfeather.so.1 "libfeather: libfeather.so -> libfeather.so.1"

ok "libfeather: cmake with STATIC on, DOCS off, tests on" \
    build_feather "$W/.build2" "$W/stage2" OFF ON ON
ok "libfeather: its known-answer tests pass (ctest)" ctest --test-dir "$W/.build2"
plist_expected "$PORTS/devel/libfeather" -e 's!%%SHLIB_MAJOR%%!1!g' \
    -e 's!%%SHLIB_VER%%!1.2.0!g' -e 's!%%STATIC%%!!g' \
    -e 's!%%PORTDOCS%%!@comment !g' -e 's!%%DOCSDIR%%!share/doc/libfeather!g' \
    </dev/null > "$W/want2"
staged "$W/stage2" > "$W/got2"
check_plist "libfeather (STATIC on, DOCS off)" "$W/want2" "$W/got2"
if have_kiln_info; then
	kiln_plist devel/libfeather > "$W/kiln"
	check_plist "libfeather: kiln's plist (default options) vs the stage" "$W/kiln" "$W/got"
else
	echo "ok $((_t_n += 1)) # skip libfeather: kiln's plist vs the stage: this kiln has no 'info' command"
fi
FEATHER_LIB=$W/stage$PREFIX/lib

# --- sysutils/wren: GNU_CONFIGURE + USES=gmake ---
W=$TMP/wren
mkdir -p "$W"
tar -xzf "$DIST/wren-0.4.2.tar.gz" -C "$W"
build_wren() {
	cd "$W/wren-0.4.2" || return 1
	# CONFIGURE_ARGS (IPV6_CONFIGURE_ENABLE) + --prefix + the late
	# arguments the framework adds when `configure --help` offers them.
	help=$(./configure --help)
	late=""
	for a in --localstatedir=/var --mandir=$PREFIX/share/man \
	    --disable-silent-rules --infodir=$PREFIX/share/info; do
		case $help in *"${a%%=*}"*) late="$late $a" ;; esac
	done
	env CC=cc CFLAGS="-O2 -pipe -Wall -Wextra -Werror" MAKE=gmake \
	    INSTALL="/usr/bin/install -c" INSTALL_PROGRAM="/usr/bin/install -c -s -m 555" \
	    INSTALL_DATA="/usr/bin/install -c -m 0644" \
	    ./configure --enable-ipv6 --prefix=$PREFIX $late \
	    --build=x86_64-portbld-linux &&
	    gmake &&
	    gmake check &&
	    gmake install DESTDIR="$W/stage" &&
	    gzip -n -9 "$W/stage$PREFIX/share/man/man1/wren.1" &&
	    mkdir -p "$W/stage$PREFIX/share/doc/wren" &&
	    /usr/bin/install -c -m 0644 NEWS README "$W/stage$PREFIX/share/doc/wren"
}
ok "wren: configure + gmake (-Wall -Wextra -Werror) + check + install + compress-man + DOCS" \
    build_wren
cd "$TOP"
like "$(cat "$W/wren-0.4.2/config.log" 2>/dev/null; cat "$W/wren-0.4.2/config.mk")" \
    '^mandir = /usr/local/share/man$' "wren: configure honoured --mandir"
printf 'bin/wren\nshare/man/man1/wren.1.gz\n' |
    plist_expected "$PORTS/sysutils/wren" > "$W/want"
# PORTDOCS: the framework adds DOCSDIR/<each> (found in the stage).
for d in $(sed -n 's/^PORTDOCS=[[:space:]]*//p' "$PORTS/sysutils/wren/Makefile"); do
	echo "share/doc/wren/$d"
done >> "$W/want"
sort -o "$W/want" "$W/want"
grep -q '^PLIST_FILES=[[:space:]]*bin/wren \\$' "$PORTS/sysutils/wren/Makefile" &&
    grep -q '^[[:space:]]*share/man/man1/wren.1.gz$' "$PORTS/sysutils/wren/Makefile"
is "$?" 0 "wren: PLIST_FILES is what this test assumes"
staged "$W/stage" > "$W/got"
check_plist "wren" "$W/want" "$W/got"
if have_kiln_info; then
	# PORTDOCS are added by the framework at stage time, not in the model.
	{ kiln_plist sysutils/wren; grep '^share/doc/' "$W/want"; } | sort > "$W/kiln"
	check_plist "wren: kiln's plist + PORTDOCS vs the stage" "$W/kiln" "$W/got"
else
	echo "ok $((_t_n += 1)) # skip wren: kiln's plist vs the stage: this kiln has no 'info' command"
fi
WREN=$W/stage$PREFIX/bin/wren

# --- sysutils/colibri: USES=cargo ---
W=$TMP/colibri
WRKSRC=$W/colibri-0.0.1
STAGE=$W/stage
mkdir -p "$W"
# do-extract (every distfile into WRKDIR), then cargo-extract: each crate
# moves into the vendor dir with a .cargo-checksum.json.
tar -xzf "$DIST/colibri-0.0.1.tar.gz" -C "$W"
mkdir -p "$WRKSRC/cargo-crates" "$W/.cargo"
for c in $(sed -n 's/^SHA256 (rust\/crates\/\(.*\)\.crate) = .*/\1/p' "$PORTS/sysutils/colibri/distinfo"); do
	tar -xzf "$DIST/rust/crates/$c.crate" -C "$W"
	mv "$W/$c" "$WRKSRC/cargo-crates/$c"
	printf '{"package":"%s","files":{}}' \
	    "$(sha256sum < "$DIST/rust/crates/$c.crate" | cut -d' ' -f1)" \
	    > "$WRKSRC/cargo-crates/$c/.cargo-checksum.json"
done
# cargo-configure: source replacement and the release profile.
cat > "$W/.cargo/config.toml" <<CFG
[source.cargo]
directory = '$WRKSRC/cargo-crates'
[source.crates-io]
replace-with = 'cargo'
CFG
grep -q '^\[profile\.release\]' "$WRKSRC/Cargo.toml" ||
    printf '[profile.release]\nopt-level = 2\ndebug = false\nstrip = "symbols"\n' >> "$WRKSRC/Cargo.toml"
cargo_env() {
	env -i PATH=$BUILDPATH HOME="$W" TMPDIR="$W" LANG=C.UTF-8 \
	    CARGO_HOME="$W/cargo-home" CARGO_BUILD_JOBS=2 \
	    CARGO_TARGET_DIR="$W/target" RUSTC=/usr/bin/rustc \
	    RUSTDOC=/usr/bin/rustdoc RUST_BACKTRACE=1 \
	    FEATHER_LIBDIR="$FEATHER_LIB" FEATHER_RPATH=$PREFIX/lib \
	    LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}" \
	    /usr/bin/cargo "$@"
}
build_colibri() {
	cd "$WRKSRC" &&
	    cp Cargo.lock "$W/Cargo.lock.orig" &&
	    cargo_env update --manifest-path "$WRKSRC/Cargo.toml" --verbose &&
	    cmp -s Cargo.lock "$W/Cargo.lock.orig" &&
	    cargo_env build --release --offline --frozen \
	    --manifest-path "$WRKSRC/Cargo.toml" &&
	    for p in colibri colibri-daemon colibri-tui colibri-smoke-agent; do
		cargo_env install --no-track --path "$p" \
		    --root "$STAGE$PREFIX" --verbose || return 1
	    done &&
	    # post-install, post-install-DOCS-on
	    mkdir -p "$STAGE$PREFIX/etc/colibri" "$STAGE$PREFIX/share/doc/colibri" &&
	    /usr/bin/install -c -m 0644 "$WRKSRC/colibri-daemon/colibri.conf.sample" "$STAGE$PREFIX/etc/colibri" &&
	    /usr/bin/install -c -m 0644 "$WRKSRC/README.md" "$STAGE$PREFIX/share/doc/colibri"
}
ok "colibri: cargo update (as cargo-configure runs it; Cargo.lock unchanged), cargo build --offline --frozen against the vendored crates, cargo install --no-track x4 (as cargo.mk runs it)" \
    build_colibri
cd "$TOP"
# do-test (CARGO_TEST): the workspace's unit tests, libfeather through FFI
# included; then each vendored crate's own tests.
test_colibri() {
	cd "$WRKSRC" && LD_LIBRARY_PATH=$FEATHER_LIB cargo_env test --release --offline --frozen \
	    --manifest-path "$WRKSRC/Cargo.toml" || return 1
	for c in "$WRKSRC"/cargo-crates/*; do
		mkdir -p "$W/crate-tests" && cp -R "$c" "$W/crate-tests/" &&
		    cd "$W/crate-tests/${c##*/}" &&
		    env -i PATH=$BUILDPATH HOME="$W" CARGO_HOME="$W/cargo-home" \
		    CARGO_TARGET_DIR="$W/target-crates" RUSTC=/usr/bin/rustc \
		    /usr/bin/cargo test --offline || return 1
	done
}
ok "colibri: cargo test (workspace, then colibri-proto and plume-ansi)" test_colibri
cd "$TOP"
# apply-slist + install-rc-script: SUB_LIST (defaults + COLIBRI_PORT).
mkdir -p "$STAGE$PREFIX/etc/rc.d"
for s in $(sed -n 's/^USE_RC_SUBR=[[:space:]]*//p' "$PORTS/sysutils/colibri/Makefile"); do
	sed -e "s!%%PREFIX%%!$PREFIX!g" -e "s!%%ETCDIR%%!$PREFIX/etc/colibri!g" \
	    -e 's!%%COLIBRI_PORT%%!7077!g' -e '/^@comment /d' \
	    "$PORTS/sysutils/colibri/files/$s.in" > "$W/$s"
	/usr/bin/install -c -m 0755 "$W/$s" "$STAGE$PREFIX/etc/rc.d/$s"
	echo "etc/rc.d/$s"
done > "$W/rc"
plist_expected "$PORTS/sysutils/colibri" -e 's!%%PORTDOCS%%!!g' \
    -e 's!%%DOCSDIR%%!share/doc/colibri!g' -e 's!%%ETCDIR%%!etc/colibri!g' \
    < "$W/rc" > "$W/want"
staged "$STAGE" > "$W/got"
check_plist "colibri (all four packages)" "$W/want" "$W/got"
if have_kiln_info; then
	kiln_plist sysutils/colibri > "$W/kiln"
	check_plist "colibri: kiln's plists of the four packages vs the stage" "$W/kiln" "$W/got"
else
	echo "ok $((_t_n += 1)) # skip colibri: kiln's plist vs the stage: this kiln has no 'info' command"
fi
for sp in daemon tui smoke-agent; do
	n=$(grep -c "^@@$sp@@" "$PORTS/sysutils/colibri/pkg-plist")
	[ "$n" -gt 0 ]
	is "$?" 0 "colibri: pkg-plist gives subpackage $sp files"
done
B=$STAGE$PREFIX/bin
is "$(readelf -d "$B/colibri-daemon" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')" "$PREFIX/lib" \
    "colibri-daemon: run path is LOCALBASE/lib, not the build's"
like "$(readelf -d "$B/colibri-daemon")" 'NEEDED.*\[libfeather\.so\.1\]' \
    "colibri-daemon links libfeather.so.1 (LIB_DEPENDS)"
unlike "$(readelf -d "$B/colibri")" 'libfeather' "the CLI does not link libfeather"

# --- the staged programs work together ---
export LD_LIBRARY_PATH="$FEATHER_LIB"
PORT=$(free_port)
ADDR=127.0.0.1:$PORT
is "$("$B/colibri" version)" "colibri 0.0.1" "colibri version"
like "$("$B/colibri-daemon" --version)" '^colibri-daemon 0\.0\.1 .*libfeather 1\.2\.0' \
    "colibri-daemon --version reports libfeather through FFI"
fails 1 "colibri-smoke-agent: no daemon -> exit 1" \
    "$B/colibri-smoke-agent" --addr "$ADDR" --retries 1 --interval-ms 10
like "$(cat "$TMP/out")" "^colibri-smoke-agent: unhealthy: 127\\.0\\.0\\.1:$PORT: .*refused" \
    "colibri-smoke-agent: exactly 'colibri-smoke-agent: unhealthy: REASON'"
fails 1 "colibri health: no daemon -> exit 1" "$B/colibri" health --addr "$ADDR"

ok "colibri-daemon --daemon starts (pidfile, log, config)" \
    "$B/colibri-daemon" --daemon --port "$PORT" --pidfile "$TMP/d.pid" \
    --log "$TMP/d.log" --config "$STAGE$PREFIX/etc/colibri/colibri.conf.sample"
DPID=$(cat "$TMP/d.pid" 2>/dev/null)
[ -n "$DPID" ] && at_exit "kill $DPID"
ok "wren waits for the daemon's /health (as the rc.d script does)" \
    "$WREN" -q -t 10 "http://$ADDR/health"
ok "colibri health -> ok" "$B/colibri" health --addr "$ADDR"
is "$(cat "$TMP/out")" ok "colibri health prints ok"
ok "colibri-smoke-agent: healthy -> exit 0" "$B/colibri-smoke-agent" --addr "$ADDR"
is "$(cat "$TMP/out")" "colibri-smoke-agent: healthy" "colibri-smoke-agent prints exactly its healthy line"
ok "colibri status" "$B/colibri" status --addr "$ADDR"
status=$(cat "$TMP/out")
like "$status" "^pid=$DPID\$" "status: the daemon's pid is the pidfile's"
crc=$(python3 -c 'import sys,zlib; print("%08x" % zlib.crc32(open(sys.argv[1],"rb").read()))' \
    "$STAGE$PREFIX/etc/colibri/colibri.conf.sample")
like "$status" "^config_crc32=$crc\$" "status: config CRC-32 (libfeather) equals zlib's"
ok "colibri-tui --once: healthy -> exit 0" "$B/colibri-tui" --once --addr "$ADDR"
like "$(cat "$TMP/out")" "$(printf '\033')\\[32mhealthy" "colibri-tui draws health in green (ANSI)"
NO_COLOR=1 "$B/colibri-tui" --once --addr "$ADDR" > "$TMP/tui"
unlike "$(cat "$TMP/tui")" "$(printf '\033')" "colibri-tui honours NO_COLOR"
fails 1 "a second daemon on the same port fails" "$B/colibri-daemon" --port "$PORT"
like "$(cat "$TMP/err")" 'cannot listen on' "... and says why"
kill "$DPID"
i=0
while [ -f "$TMP/d.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ok "SIGTERM: the daemon removes its pidfile" test ! -f "$TMP/d.pid"
fails 1 "smoke agent after stop: unhealthy" "$B/colibri-smoke-agent" --addr "$ADDR" --retries 0

printf 'maintenance = yes\n' > "$TMP/m.conf"
"$B/colibri-daemon" --port "$PORT" --config "$TMP/m.conf" 2>/dev/null &
MPID=$!
at_exit "kill $MPID"
"$WREN" -q -t 10 "$ADDR" >/dev/null 2>&1
fails 1 "maintenance: smoke agent unhealthy" "$B/colibri-smoke-agent" --addr "$ADDR" --retries 0
is "$(cat "$TMP/out")" "colibri-smoke-agent: unhealthy: HTTP 503: maintenance" \
    "maintenance: the reason is the daemon's answer"
fails 1 "maintenance: wren sees HTTP 503 as down" "$WREN" -q -t 0 "http://$ADDR/health"
kill $MPID
printf 'port = 0\n' > "$TMP/bad.conf"
fails 2 "a bad configuration is exit 2" "$B/colibri-daemon" --check-config --config "$TMP/bad.conf"
is "$(cat "$TMP/err")" "colibri-daemon: $TMP/bad.conf:1: bad port \"0\"" "... naming FILE:LINE"

# --- the rc.d scripts, run under rc.subr ---
# kiln's own rc.subr for images (share/kiln/image/rc.subr) when this tree
# has it, else a small stand-in with only what these two scripts use
# (spec/ports.md 7.3): load_rc_config, checkyesno, rc_flags from
# NAME_flags, run_rc_command with one*, start, stop, status,
# start_cmd/stop_cmd, start_postcmd, extra_commands, pidfile checks.  The
# scripts are installed from the stage with /etc/rc.subr, /var/run and
# /var/log pointed into $TMP and PREFIX at the stage.
RC=$TMP/rc
mkdir -p "$RC/run" "$RC/log" "$RC/rc.d"
if [ -f "$TOP/share/kiln/image/rc.subr" ]; then
	cp "$TOP/share/kiln/image/rc.subr" "$RC/rc.subr"
	echo "# rc.d scripts run under share/kiln/image/rc.subr"
else
	echo "# rc.d scripts run under the test's rc.subr stand-in (no share/kiln/image/rc.subr here)"
	cat > "$RC/rc.subr" <<'SUBR'
load_rc_config() { [ -f "$rc_conf_files" ] && . "$rc_conf_files"; eval "rc_flags=\${${1}_flags:-}"; }
checkyesno() {
	eval "_v=\${$1:-}"
	case $_v in [Yy][Ee][Ss] | [Tt][Rr][Uu][Ee] | [Oo][Nn] | 1) return 0 ;; esac
	return 1
}
_rc_pid() { [ -n "${pidfile:-}" ] && [ -s "$pidfile" ] && _p=$(cat "$pidfile") && kill -0 "$_p" 2>/dev/null && echo "$_p"; }
run_rc_command() {
	_arg=$1
	_one=no
	case $_arg in one*) _one=yes; _arg=${_arg#one} ;; esac
	case $_arg in
	start | stop | restart)
		if [ $_one = no ] && ! checkyesno "$rcvar"; then
			echo "Cannot '$_arg' $name. Set $rcvar to YES in /etc/rc.conf or use 'one$_arg' instead of '$_arg'."
			return 0
		fi ;;
	esac
	case $_arg in
	start)
		if [ -z "${start_cmd:-}" ] && _p=$(_rc_pid); then echo "$name already running? (pid=$_p)."; return 1; fi
		echo "Starting $name."
		if [ -n "${start_cmd:-}" ]; then eval "$start_cmd" || return 1
		else $command $rc_flags $command_args || return 1; fi
		[ -z "${start_postcmd:-}" ] || eval "$start_postcmd" ;;
	stop)
		if [ -n "${stop_cmd:-}" ]; then eval "$stop_cmd"; return; fi
		_p=$(_rc_pid) || { echo "$name not running? (check $pidfile)."; return 1; }
		echo "Stopping $name."
		kill -TERM "$_p"
		while kill -0 "$_p" 2>/dev/null; do sleep 0.1; done ;;
	status)
		if _p=$(_rc_pid); then echo "$name is running as pid $_p."; else echo "$name is not running."; return 1; fi ;;
	*)
		for _c in ${extra_commands:-}; do
			[ "$_c" = "$_arg" ] && { eval "\$${_arg}_cmd"; return; }
		done
		echo "$0: unknown directive '$1'."; return 1 ;;
	esac
}
SUBR
fi
for s in colibri_daemon colibri_smoke_agent; do
	sed -e "s!^\\. /etc/rc\\.subr\$!. $RC/rc.subr!" -e "s!/var/run/!$RC/run/!g" \
	    -e "s!/var/log/!$RC/log/!g" -e "s!$PREFIX/!$STAGE$PREFIX/!g" \
	    "$STAGE$PREFIX/etc/rc.d/$s" > "$RC/rc.d/$s"
	chmod +x "$RC/rc.d/$s"
done
# wren is another package's: here it comes from wren's stage.
mkdir -p "$STAGE$PREFIX/bin" && cp "$WREN" "$STAGE$PREFIX/bin/wren"
export rc_conf_files="$RC/rc.conf"
RCPORT=$(free_port)
printf 'colibri_daemon_port=%s\ncolibri_smoke_agent_addr=127.0.0.1:%s\n' "$RCPORT" "$RCPORT" > "$rc_conf_files"
ok "rc.d: colibri_daemon start without _enable is refused politely" "$RC/rc.d/colibri_daemon" start
like "$(cat "$TMP/out" "$TMP/err")" "^Cannot 'start' colibri_daemon\\. Set colibri_daemon_enable to YES" "... with rc.subr's hint"
printf 'colibri_daemon_enable=YES\ncolibri_smoke_agent_enable=YES\ncolibri_smoke_agent_flags="--retries 5"\n' >> "$rc_conf_files"
ok "rc.d: colibri_daemon start (daemonizes, then waits with wren for /health)" "$RC/rc.d/colibri_daemon" start
RCPID=$(cat "$RC/run/colibri_daemon.pid" 2>/dev/null)
[ -n "$RCPID" ] && at_exit "kill $RCPID"
ok "rc.d: colibri_daemon status" "$RC/rc.d/colibri_daemon" status
is "$(cat "$TMP/out")" "colibri_daemon is running as pid $RCPID." "... reads the pidfile the daemon wrote"
ok "rc.d: colibri_daemon health (extra command)" "$RC/rc.d/colibri_daemon" health
is "$(cat "$TMP/out")" ok "... prints ok"
ok "rc.d: colibri_smoke_agent start" "$RC/rc.d/colibri_smoke_agent" start
like "$(cat "$TMP/out")" '^colibri-smoke-agent: healthy$' "... prints the healthy line for the console"
ok "rc.d: colibri_daemon stop" "$RC/rc.d/colibri_daemon" stop
fails 1 "rc.d: status after stop" "$RC/rc.d/colibri_daemon" status
is "$(cat "$TMP/out")" "colibri_daemon is not running." "... says not running"
fails 1 "rc.d: colibri_smoke_agent start with the daemon down fails" "$RC/rc.d/colibri_smoke_agent" start
like "$(cat "$TMP/out")" '^colibri-smoke-agent: unhealthy: ' "... with the unhealthy line"
like "$(cat "$RC/log/colibri_daemon.log" 2>/dev/null)" 'listening on 127\.0\.0\.1:' "rc.d: the daemon logged to colibri_daemon_log"

done_testing
