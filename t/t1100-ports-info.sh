#!/bin/sh
# kiln info and kiln ports: values, JSON, graph, errors naming the ports,
# registration of null and git trees.
. "$(dirname "$0")/test-lib.sh"
PT="$TOP/tests/ports"

ok "info -V" kiln info -p "$PT" sysutils/tool -V PKGNAME -V PORTVERSION -V CONFIGURE_ARGS
is "$(cat "$TMP/out")" "tool-2.4
2.4
--with-state=/var/db/tool --enable-nls --with-sqlite --with-ssl --prefix=/usr/local" "values as bsd.port.mk gives them"
ok "DISTVERSION port" kiln info -p "$PT" devel/libfoo -V PORTVERSION -V PKGNAME -V DISTFILES -V CMAKE_ARGS
is "$(cat "$TMP/out")" "1.2.0.r2
libfoo-1.2.0.r2_1
example-libfoo-v1.2.0-rc2_GH0.tar.gz
-DFOO_TESTS:BOOL=true -DBUILD_SHARED_LIBS:BOOL=ON" "DISTVERSION derivation, GH distfile, option and CMAKE_ON helpers"
ok "cargo crates become distfiles" kiln info -p "$PT" sysutils/rusty -V DISTFILES
like "$(cat "$TMP/out")" "rust/crates/sha-1-0.8.2.crate:_cargo_2" "registry crate"
like "$(cat "$TMP/out")" "zed-industries-notify-bbb9ea_GH0.tar.gz:_cargo_git1" "git crate"

ok "info --json" kiln info -p "$PT" sysutils/rusty --json
cp "$TMP/out" "$TMP/r.json"
is "$(python3 -c "import json; d=json.load(open('$TMP/r.json')); print(d['pkgname'], [p['pkgname'] for p in d['packages']], d['packages'][1]['plist'], d['distfiles'][1]['sites'][0])")" \
    "rusty-0.3.1 ['rusty-0.3.1', 'rusty-daemon-0.3.1'] ['sbin/rustyd'] https://crates.io/api/v1/crates/aho-corasick/1.1.4/download?dummy=/" "model: subpackages, plists, crate sites"
MASTER_SITE_OVERRIDE=http://127.0.0.1:1/dist/ ok "site override" kiln info -p "$PT" sysutils/rusty --json
cp "$TMP/out" "$TMP/o.json"
is "$(python3 -c "import json; d=json.load(open('$TMP/o.json')); print(d['distfiles'][1]['sites'][0], d['distfiles'][1]['size'])")" \
    "http://127.0.0.1:1/dist/ 184015" "MASTER_SITE_OVERRIDE is tried first; distinfo size"

ok "graph" kiln ports -p "$PT" --graph sysutils/tool
is "$(grep -v '^ ' "$TMP/out" | tr '\n' ' ')" "devel/libfoo libfoo-1.2.0.r2_1 textproc/mesonic mesonic-0.9 sysutils/rusty rusty-0.3.1 sysutils/tool tool-2.4 " "closure, dependencies first"
ok "graph --dot" kiln ports -p "$PT" --graph --dot
like "$(cat "$TMP/out")" '"sysutils/tool" -> "devel/libfoo" \[label="LIB"\]' "dot edge with its type"
ok "flavor" kiln info -p "$PT" textproc/mesonic@lite -V PKGNAME -V WRKDIR
is "$(cat "$TMP/out")" "mesonic-lite-0.9
$PT/textproc/mesonic/work-lite" "lite_PKGNAMESUFFIX and work-FLAVOR"
fails 1 "unknown flavor" kiln info -p "$PT" textproc/mesonic@huge
like "$(cat "$TMP/err")" "textproc/mesonic: unknown flavor 'huge'" "names the port"
mkdir -p "$TMP/basefs/options/sysutils_tool"
printf 'OPTIONS_FILE_UNSET+=NLS\nOPTIONS_FILE_UNSET+=SQLITE\nOPTIONS_FILE_SET+=PGSQL\n' > "$TMP/basefs/options/sysutils_tool/options"
ok "options file" kiln info -p "$PT" sysutils/tool -V PORT_OPTIONS -V CONFIGURE_ARGS
is "$(cat "$TMP/out")" "PGSQL SSL
--with-state=/var/db/tool --disable-nls --with-pgsql --with-ssl --prefix=/usr/local" "BASEFS/options/category_name/options is applied"
rm -r "$TMP/basefs/options"
ok "warm cache" kiln -v ports -p "$PT" --graph
like "$(cat "$TMP/err")" "0 evaluated, 4 from the cache" "second run evaluates nothing"

# broken trees
BT="$TMP/broken"
mkport() { mkdir -p "$BT/$1"; cat > "$BT/$1/Makefile"; }
mkport cat/a <<'MK'
PORTNAME=a
PORTVERSION=1
CATEGORIES=cat
COMMENT=a
BUILD_DEPENDS=b:cat/b
.include <bsd.port.mk>
MK
mkport cat/b <<'MK'
PORTNAME=b
PORTVERSION=1
CATEGORIES=cat
COMMENT=b
RUN_DEPENDS=a:cat/a
.include <bsd.port.mk>
MK
fails 1 "cycle" kiln ports -p "$BT" --graph
like "$(cat "$TMP/err")" "dependency cycle: cat/a -> cat/b -> cat/a" "cycle path printed"
mkport cat/b <<'MK'
PORTNAME=b
PORTVERSION=1
CATEGORIES=cat
COMMENT=b
LIB_DEPENDS=libz.so:cat/nothere
.include <bsd.port.mk>
MK
fails 1 "missing origin" kiln ports -p "$BT" --graph
like "$(cat "$TMP/err")" "cat/b depends on cat/nothere" "names both ports"
mkport cat/a <<'MK'
PORTNAME=a
PORTVERSION=1
CATEGORIES=cat
COMMENT=a
BUILD_DEPENDS=b>=2.0:cat/b
.include <bsd.port.mk>
MK
mkport cat/b <<'MK'
PORTNAME=b
PORTVERSION=1.9
PORTREVISION=3
CATEGORIES=cat
COMMENT=b
.include <bsd.port.mk>
MK
fails 1 "unmet version" kiln ports -p "$BT" --graph
is "$(cat "$TMP/err")" "kiln: cat/a needs b>=2.0 (BUILD_DEPENDS) but cat/b provides b-1.9_3" "names both ports and versions"
mkport cat/b <<'MK'
PORTNAME=b
PORTVERSION=1
CATEGORIES=cat
COMMENT=b
USES=go:modules
.include <bsd.port.mk>
MK
fails 1 "unknown USES" kiln info -p "$BT" cat/b
like "$(cat "$TMP/err")" "cat/b/Makefile: unsupported USES=go" "names the port and the USES"
mkport cat/b <<'MK'
PORTNAME=b
X!=echo hi
MK
fails 1 "refused construct" kiln info -p "$BT" cat/b
is "$(cat "$TMP/err")" "kiln: cat/b/Makefile:2: '!=' (shell command assignment) is not supported" "FILE:LINE message"

NP="$TMP/np"
mkdir -p "$NP/cat/a" "$NP/cat/notaport" "$NP/Mk/Uses"
printf 'PORTNAME=a\nPORTVERSION=1\nCATEGORIES=cat\nCOMMENT=a\n.include <bsd.port.mk>\n' > "$NP/cat/a/Makefile"
echo readme > "$NP/cat/notaport/README"
echo 'x=1' > "$NP/Mk/Uses/cargo.mk"
ok "directories without a Makefile are not ports" kiln ports -p "$NP" --graph
is "$(cat "$TMP/out")" "cat/a a-1" "only the port is listed"

mkdir -p "$NP/cat/f" "$NP/cat/u1" "$NP/cat/u2"
printf 'PORTNAME=f\nPORTVERSION=1\nCATEGORIES=cat\nCOMMENT=f\nFLAVORS=one two\ntwo_PKGNAMESUFFIX=-two\n.include <bsd.port.mk>\n' > "$NP/cat/f/Makefile"
printf 'PORTNAME=u1\nPORTVERSION=1\nCATEGORIES=cat\nCOMMENT=u\nBUILD_DEPENDS=f:cat/f@two\nRUN_DEPENDS=f:cat/f@one\n.include <bsd.port.mk>\n' > "$NP/cat/u1/Makefile"
printf 'PORTNAME=u2\nPORTVERSION=1\nCATEGORIES=cat\nCOMMENT=u\nRUN_DEPENDS=f:cat/f\n.include <bsd.port.mk>\n' > "$NP/cat/u2/Makefile"
ok "flavored dependencies" kiln ports -p "$NP" --graph cat/u1 cat/u2
is "$(cat "$TMP/out")" "cat/f@two f-two-1
cat/f f-1
cat/u1 u1-1
  BUILD cat/f@two
  RUN cat/f
cat/u2 u2-1
  RUN cat/f" "@flavor is its own node; @default is the plain port"
ok "flavored dependencies from the cache" kiln ports -p "$NP" --graph cat/u1 cat/u2
is "$(cat "$TMP/out")" "cat/f@two f-two-1
cat/f f-1
cat/u1 u1-1
  BUILD cat/f@two
  RUN cat/f
cat/u2 u2-1
  RUN cat/f" "same from the cache"
mkdir -p "$NP/cat/w"
printf 'PORTNAME=w\nPORTVERSION=1\nCATEGORIES=cat\nCOMMENT=w\n.warning careful\n.include <bsd.port.mk>\n' > "$NP/cat/w/Makefile"
ok ".warning does not fail" kiln info -p "$NP" cat/w -V PKGNAME
is "$(cat "$TMP/err")" "kiln: warning: cat/w/Makefile:5: careful" ".warning is printed with FILE:LINE"

# registration
ok "register a null tree" kiln ports -c -p fix -m null -M "$PT"
ok "info by tree name" kiln info -p fix textproc/mesonic -V PKGNAME -V WRKSRC
is "$(head -1 "$TMP/out")" "mesonic-0.9" "tree name resolves"
like "$(tail -1 "$TMP/out")" "/work-default/mesonic-0.9$" "flavored WRKDIR"
ok "list --json" kiln ports -l --json
cp "$TMP/out" "$TMP/l.json"
is "$(python3 -c "import json; d=json.load(open('$TMP/l.json')); print(d[0]['name'], d[0]['method'])")" "fix null" "listed"
ok "delete the null tree" kiln ports -d -p fix
ok "its files are untouched" test -f "$PT/sysutils/tool/Makefile"
fails 1 "deleted" kiln info -p fix sysutils/tool

if command -v git >/dev/null; then
	G="$TMP/gitsrc"
	mkdir -p "$G" && cp -r "$PT/." "$G/"
	(cd "$G" && git init -q -b main . && git add -A && git -c user.email=t@t -c user.name=t commit -qm init) >/dev/null 2>&1
	ok "register a git tree" kiln ports -c -p g -m git -U "$G" -B main
	ok "it evaluates" kiln info -p g devel/libfoo -V PKGNAME
	sed -i 's/^PORTREVISION=.*/PORTREVISION=	2/' "$G/devel/libfoo/Makefile"
	(cd "$G" && git -c user.email=t@t -c user.name=t commit -qam bump) >/dev/null 2>&1
	ok "update pulls" kiln ports -u -p g
	ok "new value" kiln info -p g devel/libfoo -V PKGNAME
	is "$(cat "$TMP/out")" "libfoo-1.2.0.r2_2" "after git pull"
	ok "delete the git tree" kiln ports -d -p g
	ok "its clone is gone" test ! -e "$TMP/basefs/ports/g"
fi
done_testing
