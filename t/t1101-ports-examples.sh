#!/bin/sh
# kiln info evaluates every port of examples/ports as bsd.port.mk would.
. "$(dirname "$0")/test-lib.sh"
EX="$TOP/examples/ports"
[ -d "$EX" ] || skip_all "no examples/ports in this tree"

for o in $(cd "$EX" && ls -d */*/); do
	o=${o%/}
	ok "info $o" kiln info -p "$EX" "$o" --json
done

ok "colibri" kiln info -p "$EX" sysutils/colibri -V PKGNAME -V CATEGORIES -V LICENSE -V USES -V COMMENT -V WRKSRC -V DISTFILES
is "$(cat "$TMP/out")" "colibri-0.0.1
sysutils
MIT
cargo
Colibri control plane - agent supervision, skills, tasks
$EX/sysutils/colibri/work/colibri-0.0.1
colibri-0.0.1.tar.gz rust/crates/colibri-proto-0.1.0.crate:_cargo_1 rust/crates/plume-ansi-0.2.1.crate:_cargo_2" "colibri's identity and crate distfiles"
ok "colibri --json" kiln info -p "$EX" sysutils/colibri --json
cp "$TMP/out" "$TMP/c.json"
is "$(python3 - "$TMP/c.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["packages"]:
    deps = sorted(x["origin"] for t in p["deps"].values() for x in t)
    print(p["pkgname"], "|", " ".join(p["plist"]), "|", " ".join(deps), "|", " ".join(p["self_depends"]))
print(" ".join(r["dest"] for r in d["rc_scripts"]))
print(" ".join("%s=%s" % (x["path"], x["size"]) for x in d["distfiles"]))
PY
)" "colibri-0.0.1 | bin/colibri share/doc/colibri/README.md @owner @group @mode @(root,wheel,0755) /usr/local/etc/rc.d/colibri_daemon @(root,wheel,0755) /usr/local/etc/rc.d/colibri_smoke_agent |  | 
colibri-daemon-0.0.1 | bin/colibri-daemon @sample etc/colibri/colibri.conf.sample | devel/libfeather sysutils/wren | main
colibri-tui-0.0.1 | bin/colibri-tui |  | 
colibri-smoke-agent-0.0.1 | bin/colibri-smoke-agent |  | 
/usr/local/etc/rc.d/colibri_daemon /usr/local/etc/rc.d/colibri_smoke_agent
colibri-0.0.1.tar.gz=10304 rust/crates/colibri-proto-0.1.0.crate=4387 rust/crates/plume-ansi-0.2.1.crate=2450" "subpackages, plists, deps, rc scripts, distinfo sizes"

ok "libfeather" kiln info -p "$EX" devel/libfeather -V CMAKE_ARGS -V CONFIGURE_WRKSRC -V MAKE_CMD
is "$(cat "$TMP/out")" "-DFEATHER_PKGCONFIGDIR:STRING=libdata/pkgconfig -DFEATHER_INSTALL_DOCS:BOOL=true -DFEATHER_BUILD_STATIC:BOOL=false -DFEATHER_BUILD_TESTS:BOOL=OFF
$EX/devel/libfeather/work/.build
ninja" "cmake: option helpers, CMAKE_OFF, out-of-source, ninja"
ok "libfeather plist" kiln info -p "$EX" devel/libfeather --json
cp "$TMP/out" "$TMP/f.json"
like "$(python3 -c "import json; print(' '.join(json.load(open('$TMP/f.json'))['packages'][0]['plist']))")" \
    "^include/feather.h lib/libfeather.so lib/libfeather.so.1 lib/libfeather.so.1.2.0 libdata/pkgconfig/feather.pc share/doc/libfeather/API.md" "%%SHLIB%%, %%STATIC%% off, %%PORTDOCS%% on"

ok "wren" kiln info -p "$EX" sysutils/wren -V CONFIGURE_ARGS -V MAKE_CMD -V TEST_TARGET -V PORTDOCS
is "$(cat "$TMP/out")" "--enable-ipv6 --prefix=/usr/local
gmake
check
NEWS README" "GNU configure, gmake, options"

ok "graph of the examples" kiln ports -p "$EX" --graph sysutils/colibri
is "$(cat "$TMP/out")" "devel/libfeather libfeather-1.2.0
sysutils/wren wren-0.4.2
sysutils/colibri colibri-0.0.1
  LIB devel/libfeather
  RUN sysutils/wren" "colibri after its dependencies"
done_testing
