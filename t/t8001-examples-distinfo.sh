#!/bin/sh
# t8001-examples-distinfo: the example ports tree (examples/ports) is
# consistent with the sources it is made from (examples/src), checked with
# plain tools (sha256sum, wc, tar), not with kiln:
#  - examples/mkdistfiles makes the same bytes twice (reproducible);
#  - every SHA256 and SIZE line of every distinfo matches those distfiles,
#    and every distfile has its lines;
#  - colibri's Cargo.lock lists the crates with checksum = SHA-256 of the
#    .crate files, and Makefile.crates lists exactly the registry crates of
#    Cargo.lock, in the form `make cargo-crates` prints;
#  - each port has Makefile, distinfo, pkg-descr (and pkg-descr.NAME per
#    subpackage), its rc.d scripts are complete and parse, and its Makefile
#    stays inside the evaluator subset (spec/ports.md section 9);
#  - mkdistfiles -m (rewrite distinfo) and -l (regenerate Cargo.lock) on a
#    copy of the tree change nothing while the tree is consistent.
# Takes about two seconds.
. "$(dirname "$0")/test-lib.sh"

EX=$TOP/examples
PORTS=$EX/ports
D1=$TMP/dist1
D2=$TMP/dist2

ok "mkdistfiles makes the distfiles" "$EX/mkdistfiles" "$D1"
ok "mkdistfiles again into another directory" "$EX/mkdistfiles" "$D2"
same=yes
for f in colibri-0.0.1.tar.gz libfeather-1.2.0.tar.gz wren-0.4.2.tar.gz \
    rust/crates/colibri-proto-0.1.0.crate rust/crates/plume-ansi-0.2.1.crate; do
	[ -f "$D1/$f" ] || { same="missing $f"; break; }
	cmp -s "$D1/$f" "$D2/$f" || { same="$f differs"; break; }
done
is "$same" yes "two runs make byte-identical distfiles"

# Every distinfo line matches; every listed file exists.
for di in "$PORTS"/*/*/distinfo; do
	port=${di#"$PORTS"/}
	port=${port%/distinfo}
	bad=""
	n=0
	head -n 1 "$di" | grep -Eq '^TIMESTAMP = [0-9]+$' || bad="$bad no-TIMESTAMP-line-1"
	while read -r alg paren eq value; do
		case $alg in TIMESTAMP) continue ;; esac
		file=${paren#\(}
		file=${file%\)}
		[ "$eq" = "=" ] && [ "($file)" = "$paren" ] || { bad="$bad malformed:$alg"; continue; }
		[ -f "$D1/$file" ] || { bad="$bad missing:$file"; continue; }
		case $alg in
		SHA256) got=$(sha256sum < "$D1/$file" | cut -d' ' -f1) ;;
		SIZE) got=$(stat -c %s "$D1/$file") ;;
		*) bad="$bad unknown:$alg"; continue ;;
		esac
		[ "$got" = "$value" ] || bad="$bad $alg($file)=$got,distinfo:$value"
		n=$((n + 1))
	done < "$di"
	is "${bad:-none}" none "$port/distinfo: every SHA256 and SIZE matches the regenerated distfile"
	# each file has exactly one SHA256 and one SIZE line
	files=$(sed -n 's/^SHA256 (\(.*\)) = .*/\1/p' "$di" | sort)
	sizes=$(sed -n 's/^SIZE (\(.*\)) = .*/\1/p' "$di" | sort)
	is "$files" "$sizes" "$port/distinfo: one SIZE per SHA256"
	[ "$n" -gt 0 ] || _t_result 1 "$port/distinfo has entries"
done

COL=$PORTS/sysutils/colibri
is "$(sed -n 's/^SHA256 (\(.*\)) = .*/\1/p' "$COL/distinfo" | sort | tr '\n' ' ')" \
    "colibri-0.0.1.tar.gz rust/crates/colibri-proto-0.1.0.crate rust/crates/plume-ansi-0.2.1.crate " \
    "colibri's distinfo lists its tarball and both crates"

# Cargo.lock checksums are the SHA-256 of the .crate files (cargo compares
# them with .cargo-checksum.json's "package", which the framework computes
# from the distfile).
lock=$TMP/Cargo.lock
tar -xzf "$D1/colibri-0.0.1.tar.gz" -C "$TMP" colibri-0.0.1/Cargo.lock
cp "$TMP/colibri-0.0.1/Cargo.lock" "$lock"
is "$(cmp -s "$lock" "$EX/src/colibri/Cargo.lock" && echo same)" same \
    "the distfile carries examples/src/colibri/Cargo.lock"
like "$(head -n 3 "$lock")" '^version = 3$' "Cargo.lock is version 3 (cargo 1.65 writes and reads it)"
registry=$(awk '
	/^\[\[package\]\]/ { if (name != "" && src ~ /^registry\+https:\/\/github.com\/rust-lang\/crates.io-index$/) print name "-" ver " " sum; name = ver = src = sum = "" }
	/^name = / { name = $3; gsub(/"/, "", name) }
	/^version = / { ver = $3; gsub(/"/, "", ver) }
	/^source = / { src = $3; gsub(/"/, "", src) }
	/^checksum = / { sum = $3; gsub(/"/, "", sum) }
	END { if (name != "" && src ~ /^registry\+https:\/\/github.com\/rust-lang\/crates.io-index$/) print name "-" ver " " sum }
' "$lock")
is "$(echo "$registry" | cut -d' ' -f1 | tr '\n' ' ')" "colibri-proto-0.1.0 plume-ansi-0.2.1 " \
    "Cargo.lock's registry crates"
bad=""
echo "$registry" | while read -r crate sum; do
	got=$(sha256sum < "$D1/rust/crates/$crate.crate" | cut -d' ' -f1)
	[ "$got" = "$sum" ] || echo "$crate: lock $sum, file $got"
done > "$TMP/sums"
is "$(cat "$TMP/sums")" "" "Cargo.lock checksum = SHA-256 of each .crate file"

# Makefile.crates as `make cargo-crates` prints it (cargo-crates.awk).
want=$(printf 'CARGO_CRATES=\t%s \\\n\t\t%s\n' colibri-proto-0.1.0 plume-ansi-0.2.1)
is "$(cat "$COL/Makefile.crates")" "$want" "Makefile.crates lists Cargo.lock's crates in cargo-crates form"

# Each .crate is NAME-VERSION/ with a Cargo.toml naming that crate.
for c in colibri-proto-0.1.0 plume-ansi-0.2.1; do
	toml=$(tar -xzOf "$D1/rust/crates/$c.crate" "$c/Cargo.toml" 2>/dev/null)
	name=${c%-*}
	ver=${c##*-}
	like "$toml" "^name = \"$name\"\$" "$c.crate: Cargo.toml names $name"
	like "$toml" "^version = \"$ver\"\$" "$c.crate: Cargo.toml says version $ver"
done
like "$(tar -tzvf "$D1/wren-0.4.2.tar.gz")" '^-rwxr-xr-x 0/0 .* 2026-11-01 00:00 wren-0.4.2/configure$' \
    "tarball entries: owner 0/0, fixed mtime, configure executable"

# Port directories.
for mk in "$PORTS"/*/*/Makefile; do
	dir=${mk%/Makefile}
	port=${dir#"$PORTS"/}
	missing=""
	for f in distinfo pkg-descr; do
		[ -s "$dir/$f" ] || missing="$missing $f"
	done
	sp=$(sed -n 's/^SUBPACKAGES=[[:space:]]*//p' "$mk")
	for s in $sp; do
		[ -s "$dir/pkg-descr.$s" ] || missing="$missing pkg-descr.$s"
		grep -q "^COMMENT\.$s=" "$mk" || missing="$missing COMMENT.$s"
	done
	is "${missing:-none}" none "$port: has distinfo, pkg-descr, per-subpackage pkg-descr and COMMENT"
	# bsd.port.mk wants [a-z0-9_]; kiln also takes '-' (colibri-smoke-agent).
	unlike "$sp" '[^a-z0-9_ -]' "$port: subpackage names are [a-z0-9_-]"
	long=$(sed -n 's/^COMMENT[.a-z0-9_-]*=[[:space:]]*//p' "$mk" | awk 'length($0) >= 70')
	is "$long" "" "$port: every COMMENT is shorter than 70 characters"
	is "$(sed -n 's/^PORTNAME=[[:space:]]*//p' "$mk")" "${port#*/}" "$port: PORTNAME is the directory name"
	# the evaluator subset: no shell assignments or modifiers, no loops
	# over several variables, no .undef/.export (spec/ports.md 9).
	unlike "$(grep -nE '!=|:sh\}|:@|:!|\.undef|\.export|\$\(shell' "$mk" "$dir/Makefile.crates" 2>/dev/null)" '.' \
	    "$port: Makefile stays inside the evaluator subset"
	unlike "$(grep -n '[[:space:]]$' "$mk")" '.' "$port: no trailing whitespace in Makefile"
	like "$(tail -n 1 "$mk")" '^\.include <bsd\.port\.mk>$' "$port: Makefile ends with .include <bsd.port.mk>"
done

# rc.d scripts: the pieces spec/ports.md 7.2 lists, %%KEYS%% that SUB_LIST
# provides, and they parse once substituted.
for s in colibri_daemon colibri_smoke_agent; do
	in=$COL/files/$s.in
	ok "$s.in exists" test -f "$in"
	grep -q "USE_RC_SUBR=.*\\<$s\\>" "$COL/Makefile"
	is "$?" 0 "USE_RC_SUBR names $s"
	text=$(cat "$in")
	like "$text" "^# PROVIDE: $s\$" "$s: PROVIDE"
	like "$text" '^# REQUIRE: ' "$s: REQUIRE"
	like "$text" "^name=$s\$" "$s: name="
	like "$text" "^rcvar=${s}_enable\$" "$s: rcvar"
	like "$text" "^: \\\$\\{${s}_enable:=\"NO\"\\}\$" "$s: ${s}_enable defaults to NO"
	like "$text" '^\. /etc/rc\.subr$' "$s: sources rc.subr"
	like "$text" '^load_rc_config \$name$' "$s: load_rc_config"
	like "$text" '^run_rc_command "\$1"$' "$s: run_rc_command \"\$1\""
	keys=$(grep -o '%%[A-Z_]*%%' "$in" | sort -u | tr -d '%' | tr '\n' ' ')
	is "$keys" "$( [ $s = colibri_daemon ] && echo 'COLIBRI_PORT ETCDIR PREFIX ' || echo 'COLIBRI_PORT PREFIX ')" \
	    "$s: uses only SUB_LIST keys (defaults + COLIBRI_PORT)"
	sed -e 's!%%PREFIX%%!/usr/local!g' -e 's!%%ETCDIR%%!/usr/local/etc/colibri!g' \
	    -e 's!%%COLIBRI_PORT%%!7077!g' -e '/^@comment /d' "$in" > "$TMP/$s"
	ok "$s: substituted script parses (sh -n)" sh -n "$TMP/$s"
done
like "$(cat "$COL/files/colibri_daemon.in")" '^# KEYWORD: shutdown$' "colibri_daemon: KEYWORD: shutdown"
like "$(cat "$COL/files/colibri_daemon.in")" '^pidfile="/var/run/\$\{name\}\.pid"$' "colibri_daemon: pidfile"
like "$(cat "$COL/files/colibri_daemon.in")" '^command="%%PREFIX%%/bin/colibri-daemon"$' "colibri_daemon: command"
grep -q '^SUB_LIST=[[:space:]]*COLIBRI_PORT=7077$' "$COL/Makefile"
is "$?" 0 "colibri's SUB_LIST provides COLIBRI_PORT"
# The maintainer modes on a copy: -m rewrites nothing when the distfiles
# match (TIMESTAMP kept, as makesum does); -l regenerates the same lock.
mkdir -p "$TMP/copy"
cp -R "$EX" "$TMP/copy/examples"
ok "mkdistfiles -m on a copy of the tree" "$TMP/copy/examples/mkdistfiles" -m "$TMP/d3"
unlike "$(cat "$TMP/out")" '^wrote ' "mkdistfiles -m: distinfo files already current, none rewritten"
diff -r "$PORTS" "$TMP/copy/examples/ports" > "$TMP/diff" 2>&1
is "$(cat "$TMP/diff")" "" "mkdistfiles -m left every distinfo byte-identical"
echo "SIZE (wren-0.4.2.tar.gz) = 1" >> "$TMP/copy/examples/ports/sysutils/wren/distinfo"
ok "mkdistfiles -m after a distinfo went stale" "$TMP/copy/examples/mkdistfiles" -m "$TMP/d3"
like "$(cat "$TMP/out")" 'wrote .*/sysutils/wren/distinfo$' "mkdistfiles -m rewrites the stale distinfo"
is "$(grep -v '^TIMESTAMP' "$TMP/copy/examples/ports/sysutils/wren/distinfo")" \
    "$(grep -v '^TIMESTAMP' "$PORTS/sysutils/wren/distinfo")" "... with the right lines again"
if [ -x /usr/bin/cargo ]; then
	rm -f "$TMP/copy/examples/src/colibri/Cargo.lock"
	ok "mkdistfiles -l regenerates Cargo.lock offline" "$TMP/copy/examples/mkdistfiles" -l
	ok "... identical to the committed one" cmp "$TMP/copy/examples/src/colibri/Cargo.lock" "$EX/src/colibri/Cargo.lock"
else
	echo "ok $((_t_n += 1)) # skip mkdistfiles -l: no /usr/bin/cargo"
fi

ok "wren's configure parses (sh -n)" sh -n "$EX/src/wren/configure"
ok "mkdistfiles parses (sh -n)" sh -n "$EX/mkdistfiles"

done_testing
