# pkg-fixtures.sh: helpers for the t2xxx-pkg tests (sourced after
# test-lib.sh).  Everything is created under $TMP.

# mkstage NAME VERSION [DEPNAME DEPVERSION]: a stage dir, metadir and
# plist for a tiny package in $TMP/src/NAME-VERSION/{stage,meta,plist}.
mkstage() {
	_n=$1 _v=$2
	_d=$TMP/src/$_n-$_v
	mkdir -p "$_d/stage/usr/local/bin" "$_d/stage/usr/local/share/$_n" \
	    "$_d/stage/usr/local/etc" "$_d/meta"
	printf '#!/bin/sh\necho %s %s\n' "$_n" "$_v" > "$_d/stage/usr/local/bin/$_n"
	chmod 755 "$_d/stage/usr/local/bin/$_n"
	ln -sf "$_n" "$_d/stage/usr/local/bin/$_n-link"
	echo "data of $_n $_v" > "$_d/stage/usr/local/share/$_n/data.txt"
	echo "setting=1" > "$_d/stage/usr/local/etc/$_n.conf.sample"
	{
		echo "name: $_n"
		echo "version: \"$_v\""
		echo "origin: misc/$_n"
		echo "comment: \"the $_n test package\""
		echo "maintainer: kiln@example.org"
		echo "prefix: /usr/local"
		echo "categories: [misc]"
		echo "licenselogic: single"
		echo "licenses: [BSD2CLAUSE]"
		if [ $# -ge 4 ]; then
			echo "deps: { $3: { origin: \"misc/$3\", version: \"$4\" } }"
		fi
	} > "$_d/meta/+MANIFEST"
	printf '%s is a test package.\n\nWWW: https://example.org/%s\n' "$_n" "$_n" \
	    > "$_d/meta/+DESC"
	{
		echo "bin/$_n"
		echo "bin/$_n-link"
		echo "@sample etc/$_n.conf.sample"
		echo "share/$_n/data.txt"
		echo "@dir share/$_n"
	} > "$_d/plist"
}

# mkpkg NAME VERSION OUTDIR [DEP DEPVER]: stage and create the package.
mkpkg() {
	_n=$1 _v=$2 _o=$3
	shift 3
	mkstage "$_n" "$_v" "$@"
	"$KILN" pkg create -r "$TMP/src/$_n-$_v/stage" -m "$TMP/src/$_n-$_v/meta" \
	    -p "$TMP/src/$_n-$_v/plist" -o "$_o" >/dev/null
}

# mkkey NAME: RSA key pair $TMP/NAME.key / $TMP/NAME.pub.
mkkey() {
	openssl genrsa -out "$TMP/$1.key" 2048 2>/dev/null &&
	    openssl rsa -in "$TMP/$1.key" -pubout -out "$TMP/$1.pub" 2>/dev/null
}

# mksigner KEYNAME: a signing command script $TMP/sign-KEYNAME.sh speaking
# pkg's signing_command protocol with openssl.
mksigner() {
	cat > "$TMP/sign-$1.sh" <<EOS
#!/bin/sh
read -r hex
echo SIGNATURE
printf '%s' "\$hex" | openssl dgst -sha256 -sign "$TMP/$1.key" -binary
echo
echo CERT
cat "$TMP/$1.pub"
echo END
EOS
	chmod +x "$TMP/sign-$1.sh"
}

# mkfingerprint KEYNAME DIR trusted|revoked: a fingerprint file for the key.
mkfingerprint() {
	mkdir -p "$2/trusted" "$2/revoked"
	printf 'function: "sha256"\nfingerprint: "%s"\n' \
	    "$(sha256sum "$TMP/$1.pub" | cut -d' ' -f1)" > "$2/$3/$1"
}
