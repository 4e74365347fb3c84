#!/bin/sh
# t6008: a USES=meson port builds through kiln's meson handler (meson
# setup with MESON_ARGS from an option helper, ninja build and install
# with DESTDIR) and is packaged; the published repository is signed by
# SIGNING_COMMAND (fingerprints clients) or PKG_REPO_SIGNING_KEY (pubkey
# clients), and each verifies only with the matching trust; setting both
# is refused before anything is built, and an empty value is unset.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/bulk-lib.sh"
. "$(dirname "$0")/lib/pkg-fixtures.sh"
need_root
command -v meson >/dev/null || skip_all "meson is not installed (scripts/install-deps installs it)"
bulk_setup || { echo "not ok 1 - setup"; done_testing; exit 1; }
logs=$TMP/basefs/data/logs/bulk/main-t/latest/logs
pkgdir=$TMP/basefs/data/packages/main-t

src=$TMP/src/mhello-1.0
mkdir -p "$src"
cat > "$src/meson.build" <<'M'
project('mhello', 'c', version: '1.0')
greeting = get_option('greeting')
executable('mhello', 'mhello.c', install: true,
  c_args: ['-DGREETING="' + greeting + '"'])
install_data('mhello.txt', install_dir: get_option('datadir') / 'mhello')
M
printf "option('greeting', type: 'string', value: 'hello')\n" > "$src/meson_options.txt"
printf '#include <stdio.h>\nint main(void) { puts(GREETING); return 0; }\n' > "$src/mhello.c"
echo "data" > "$src/mhello.txt"
tar -C "$TMP/src" -czf "$DIST/mhello-1.0.tar.gz" mhello-1.0
mkdir -p "$TREE/devel/mhello"
cat > "$TREE/devel/mhello/Makefile" <<EOM
PORTNAME=	mhello
PORTVERSION=	1.0
CATEGORIES=	devel
MASTER_SITES=	$HTTP_URL/
MAINTAINER=	t@example.org
COMMENT=	Meson test port
WWW=		https://example.org/mhello/

USES=		meson
OPTIONS_DEFINE=	LOUD
OPTIONS_DEFAULT=	LOUD
LOUD_DESC=	Shout the greeting
LOUD_MESON_ON=	-Dgreeting=HELLO
PLIST_FILES=	bin/mhello share/mhello/mhello.txt

.include <bsd.port.mk>
EOM
echo "A meson test port." > "$TREE/devel/mhello/pkg-descr"
"$KILN" makesum -p t devel/mhello >/dev/null 2>&1

mkkey good && mksigner good && mkkey other
printf 'SIGNING_COMMAND=%s\n' "$TMP/sign-good.sh" >> "$KILN_CONF"
ok "bulk of a meson port" kbulk devel/mhello
log=$(cat "$logs/mhello-1.0.log")
like "$log" "meson setup --prefix /usr/local --buildtype release -Dgreeting=HELLO _build" "meson setup with the option's MESON_ARGS"
like "$log" "ninja" "built with ninja"
like "$(cat "$TMP/out")" "signed by SIGNING_COMMAND" "the bulk says how it signed"
pkg=$pkgdir/All/mhello-1.0.pkg
ok "the package was published" test -f "$pkg"
is "$(tar -tf "$pkg" 2>/dev/null | grep -v '^+' | sort | tr '\n' ' ')" \
    "/usr/local/bin/mhello /usr/local/share/mhello/mhello.txt " "it holds the staged files"
mkdir -p "$TMP/x"
tar -xf "$pkg" -C "$TMP/x" usr/local/bin/mhello 2>/dev/null || tar -xf "$pkg" -C "$TMP/x" /usr/local/bin/mhello 2>/dev/null
is "$("$TMP/x/usr/local/bin/mhello")" "HELLO" "the program was built with the option"

mkfingerprint good "$TMP/fp" trusted
ok "fingerprints: the published catalog verifies" "$KILN" pkg catalog -F "$TMP/fp" "$pkgdir/.latest"
mkfingerprint other "$TMP/fp-other" trusted
fails 1 "fingerprints: another key's trust is refused" "$KILN" pkg catalog -F "$TMP/fp-other" "$pkgdir/.latest"

printf 'PKG_REPO_SIGNING_KEY=%s\n' "$TMP/good.key" >> "$KILN_CONF"
fails 1 "a key file and a signing command together are refused" kbulk -C devel/mhello
like "$(cat "$TMP/err")" "PKG_REPO_SIGNING_KEY .* and SIGNING_COMMAND .* are both set" "the error names both settings"
unlike "$(cat "$TMP/out")" "building" "before anything is built"
printf 'SIGNING_COMMAND=\n' >> "$KILN_CONF"
ok "bulk signing with a key file" kbulk -C devel/mhello
like "$(cat "$TMP/out")" "signed with PKG_REPO_SIGNING_KEY" "the bulk says how it signed"
ok "pubkey: the published catalog verifies" "$KILN" pkg catalog -k "$TMP/good.pub" "$pkgdir/.latest"
fails 1 "pubkey: the wrong key is refused" "$KILN" pkg catalog -k "$TMP/other.pub" "$pkgdir/.latest"
done_testing
