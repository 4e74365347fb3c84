# bulk-lib.sh: generated ports trees for the t6xxx bulk tests.  Source
# after test-lib.sh.  Every port is a tiny GNU make project whose distfile
# is served by the test's own HTTP server on 127.0.0.1.
#
#	bulk_setup                 jail "main" (host), tree "t" at $TREE,
#	                           distfiles served from $DIST
#	mkport ORIGIN [DEPS] [BUILDCMD] [EXTRA_MAKEFILE_LINES]
#	                           DEPS: space-separated origins (BUILD and RUN
#	                           dependencies: each dependency's command
#	                           must exist while this one builds)
#	kbulk ARGS...              kiln bulk -j main -p t ARGS (no live view)

bulk_setup() {
	TREE=$TMP/tree
	DIST=$TMP/dist
	mkdir -p "$TREE" "$DIST"
	http_serve "$DIST"
	"$KILN" jail -c -j main -m host >/dev/null || return 1
	"$KILN" ports -c -p t -m null -M "$TREE" >/dev/null || return 1
}

mkport() {
	_o=$1; _deps=${2:-}; _cmd=${3:-true}; _extra=${4:-}
	_n=${_o#*/}; _c=${_o%/*}
	_d=$TREE/$_o
	mkdir -p "$_d" "$TMP/src/$_n-1.0"
	cat > "$TMP/src/$_n-1.0/Makefile" <<EOM
all:
	$_cmd
	printf '#!/bin/sh\necho $_n\n' > $_n
install:
	mkdir -p \$(DESTDIR)\$(PREFIX)/bin
	install -m 755 $_n \$(DESTDIR)\$(PREFIX)/bin/$_n
EOM
	tar -C "$TMP/src" -czf "$DIST/$_n-1.0.tar.gz" "$_n-1.0"
	_bd=""
	for _x in $_deps; do
		_bd="$_bd \${LOCALBASE}/bin/${_x#*/}:$_x"
	done
	cat > "$_d/Makefile" <<EOM
PORTNAME=	$_n
PORTVERSION=	1.0
CATEGORIES=	$_c
MASTER_SITES=	$HTTP_URL/
MAINTAINER=	t@example.org
COMMENT=	Test port $_n
WWW=		https://example.org/$_n/
MAKE_ARGS=	PREFIX=\${PREFIX}
BUILD_DEPENDS=	$_bd
RUN_DEPENDS=	$_bd
PLIST_FILES=	bin/$_n
$_extra
.include <bsd.port.mk>
EOM
	echo "Test port $_n." > "$_d/pkg-descr"
	"$KILN" makesum -p t "$_o" >/dev/null 2>&1
}

kbulk() {
	KILN_NO_LIVE=1 "$KILN" bulk -j main -p t "$@"
}
