#!/bin/sh
# t8003-examples-info: `kiln info` on the example ports tree gives the
# values bsd.port.mk gives for them (make -V), and the --json model has the
# packages, plists, dependencies and distfiles the builder needs.  The
# expected values are written out by hand from the Makefiles and
# spec/ports.md sections 2, 4 and 6; a change to a port must change them.
. "$(dirname "$0")/test-lib.sh"

P=$TOP/examples/ports

# info ORIGIN VAR: kiln info -V VAR's output.
info() {
	kiln info -p "$P" "$1" -V "$2" 2>&1
}
# v ORIGIN VAR WANT: the value is exactly WANT.
v() {
	is "$(info "$1" "$2")" "$3" "$1: $2"
}

C=sysutils/colibri
v $C PKGNAME colibri-0.0.1
v $C PKGBASE colibri
v $C PORTVERSION 0.0.1
v $C DISTVERSION 0.0.1
v $C DISTNAME colibri-0.0.1
v $C CATEGORIES sysutils
v $C COMMENT "Colibri control plane - agent supervision, skills, tasks"
v $C LICENSE MIT
v $C USES cargo
v $C PREFIX /usr/local
v $C DOCSDIR /usr/local/share/doc/colibri
v $C ETCDIR /usr/local/etc/colibri
v $C PORT_OPTIONS DOCS
v $C CARGO_CRATES "colibri-proto-0.1.0 plume-ansi-0.2.1"
v $C DISTFILES "colibri-0.0.1.tar.gz rust/crates/colibri-proto-0.1.0.crate:_cargo_1 rust/crates/plume-ansi-0.2.1.crate:_cargo_2"
v $C MASTER_SITES "https://downloads.example.org/colibri/ https://crates.io/api/v1/crates/colibri-proto/0.1.0/download?dummy=/:_cargo_1 https://crates.io/api/v1/crates/plume-ansi/0.2.1/download?dummy=/:_cargo_2"
like "$(info $C WRKSRC)" '/sysutils/colibri/work/colibri-0\.0\.1$' "$C: WRKSRC is WRKDIR/DISTNAME"
v $C USE_RC_SUBR "colibri_daemon colibri_smoke_agent"
v $C SUBPACKAGES "daemon tui smoke-agent"
v $C COMMENT.daemon "Colibri control plane - daemon with an HTTP health check"
v $C COMMENT.tui "Colibri control plane - terminal status screen"
v $C COMMENT.smoke-agent "Colibri control plane - boot-time health probe"
v $C LIB_DEPENDS.daemon libfeather.so:devel/libfeather
v $C RUN_DEPENDS.daemon wren:sysutils/wren
v $C SELF_DEPENDS.daemon main
like "$(info $C CARGO_ENV)" '(^| )FEATHER_LIBDIR=/usr/local/lib( |$)' "$C: CARGO_ENV passes FEATHER_LIBDIR=\${LOCALBASE}/lib"
v $C CARGO_INSTALL_PATH "colibri colibri-daemon colibri-tui colibri-smoke-agent"

L=devel/libfeather
v $L PKGNAME libfeather-1.2.0
v $L DISTFILES libfeather-1.2.0.tar.gz
v $L MASTER_SITES https://downloads.example.org/libfeather/
v $L USES cmake
v $L PORT_OPTIONS DOCS
cm=$(info $L CMAKE_ARGS)
like "$cm" '(^| )-DFEATHER_INSTALL_DOCS:BOOL=(true|ON)( |$)' "$L: DOCS on -> DOCS_CMAKE_BOOL true"
like "$cm" '(^| )-DFEATHER_BUILD_STATIC:BOOL=(false|OFF)( |$)' "$L: STATIC off -> STATIC_CMAKE_BOOL false"
like "$cm" '(^| )-DFEATHER_BUILD_TESTS:BOOL=(false|OFF)( |$)' "$L: CMAKE_OFF"
like "$cm" '(^| )-DFEATHER_PKGCONFIGDIR:STRING=libdata/pkgconfig( |$)' "$L: CMAKE_ARGS"
ps=$(info $L PLIST_SUB)
for kv in 'SHLIB_MAJOR=1' 'SHLIB_VER=1\.2\.0' 'STATIC="@comment "' 'NO_STATIC=(""|)' \
    'PORTDOCS=(""|)' 'DOCSDIR=share/doc/libfeather'; do
	like "$ps" "(^| )$kv( |\$)" "$L: PLIST_SUB has $kv"
done

R=sysutils/wren
v $R PKGNAME wren-0.4.2
v $R CATEGORIES "sysutils net"
v $R USES gmake
v $R GNU_CONFIGURE yes
v $R PORT_OPTIONS "DOCS IPV6"
v $R PORTDOCS "NEWS README"
v $R PLIST_FILES "bin/wren share/man/man1/wren.1.gz"
like "$(info $R CONFIGURE_ARGS)" '(^| )--enable-ipv6( |$)' "$R: IPV6 on -> IPV6_CONFIGURE_ENABLE"
like "$(info $R CONFIGURE_ARGS)" '(^| )--prefix=/usr/local( |$)' "$R: GNU_CONFIGURE adds --prefix"

# The whole model, as the builder and the packager read it.
ok "kiln info --json sysutils/colibri" kiln info -p "$P" $C --json
cp "$TMP/out" "$TMP/colibri.json"
ok "kiln info --json devel/libfeather" kiln info -p "$P" $L --json
cp "$TMP/out" "$TMP/libfeather.json"
model() {	# FILE PYTHON-EXPRESSION over d (the parsed JSON)
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v, sort_keys=True))' "$1" "$2" 2>&1
}
J=$TMP/colibri.json
is "$(model $J '" ".join(p["pkgname"] for p in d["packages"])')" \
    "colibri-0.0.1 colibri-daemon-0.0.1 colibri-tui-0.0.1 colibri-smoke-agent-0.0.1" \
    "colibri: one main package and three subpackages"
is "$(model $J '" ".join(p["comment"] for p in d["packages"][1:2])')" \
    "Colibri control plane - daemon with an HTTP health check" "colibri-daemon: COMMENT.daemon"
like "$(model $J 'd["packages"][3]["descr"]')" '^colibri-smoke-agent checks' "colibri-smoke-agent: DESCR is pkg-descr.smoke-agent"
is "$(model $J '" | ".join(l for l in d["packages"][0]["plist"] if not l.startswith(("@owner", "@group", "@mode")))')" \
    "bin/colibri | share/doc/colibri/README.md | @(root,wheel,0755) /usr/local/etc/rc.d/colibri_daemon | @(root,wheel,0755) /usr/local/etc/rc.d/colibri_smoke_agent" \
    "colibri (main): CLI, docs (DOCS on), both rc.d scripts from USE_RC_SUBR"
is "$(model $J '" | ".join(d["packages"][1]["plist"])')" \
    "bin/colibri-daemon | @sample etc/colibri/colibri.conf.sample" "colibri-daemon: its @@daemon@@ lines, %%ETCDIR%% substituted"
is "$(model $J '" | ".join(d["packages"][2]["plist"])')" "bin/colibri-tui" "colibri-tui: its plist"
is "$(model $J '" | ".join(d["packages"][3]["plist"])')" "bin/colibri-smoke-agent" "colibri-smoke-agent: its plist"
is "$(model $J '" ".join(sorted(t + ":" + x["origin"] for t, l in d["packages"][1]["deps"].items() for x in l))')" \
    "LIB:devel/libfeather RUN:sysutils/wren" "colibri-daemon: run-time dependencies libfeather and wren"
is "$(model $J '" ".join(d["packages"][1]["self_depends"])')" main "colibri-daemon: SELF_DEPENDS main"
is "$(model $J '" ".join(x["dest"] for x in d["rc_scripts"])')" \
    "/usr/local/etc/rc.d/colibri_daemon /usr/local/etc/rc.d/colibri_smoke_agent" "colibri: rc.d scripts' destinations"
# distfiles carry distinfo's SHA256 and SIZE
want=$(awk '/^SHA256/ { f = $2; s = $4 } /^SIZE/ { print substr(f, 2, length(f) - 2), s, $4 }' "$P/$C/distinfo" | sort)
is "$(model $J '"\n".join(sorted(x["path"] + " " + x["sha256"] + " " + str(x["size"]) for x in d["distfiles"]))')" \
    "$want" "colibri: distfiles with distinfo's SHA256 and SIZE"
is "$(model $TMP/libfeather.json '" | ".join(l for l in d["packages"][0]["plist"] if not l.startswith(("@owner", "@group", "@mode")))')" \
    "include/feather.h | lib/libfeather.so | lib/libfeather.so.1 | lib/libfeather.so.1.2.0 | libdata/pkgconfig/feather.pc | share/doc/libfeather/API.md | share/doc/libfeather/README.md" \
    "libfeather: plist after PLIST_SUB (STATIC off: its line is an @comment, dropped; DOCS on)"

# The graph: bsd.port.mk builds LIB_DEPENDS_ALL / RUN_DEPENDS_ALL from
# <TYPE>_DEPENDS and every <TYPE>_DEPENDS.<subpackage> ("depends" target),
# and uses them for lib-depends at build time and for run-depends; so
# sysutils/colibri depends on devel/libfeather and sysutils/wren.
ok "kiln ports --graph" kiln ports -p "$P" --graph --json
graph=$(model "$TMP/out" '" ".join(sorted(x["origin"] + ">" + ",".join(sorted(str(y.get("origin", y)) for y in x["deps"])) for x in d))')
gh() { printf '%s\n' "$graph" | grep -q 'sysutils/colibri>[^ ]*devel/libfeather' &&
    printf '%s\n' "$graph" | grep -q 'sysutils/colibri>[^ ]*sysutils/wren'; }
ok "graph: sysutils/colibri depends on devel/libfeather and sysutils/wren (LIB_DEPENDS.daemon, RUN_DEPENDS.daemon)" gh

done_testing
