#!/bin/sh
# kiln jail with the host method: create, list, info, update, delete,
# ABI and identity, and exactly which host paths a host jail shows.
. "$(dirname "$0")/test-lib.sh"
need_root

ok "jail -l with no jails" kiln jail -l
fails 2 "jail with no action is a usage error" kiln jail -j x
ok "jail -c -m host" kiln jail -c -j main -m host
like "$(cat "$TMP/out")" "^jail main created: host .*Linux:[0-9]+\.[0-9]+:$(uname -m)" "says what it made"
fails 1 "creating it twice fails" kiln jail -c -j main -m host
like "$(cat "$TMP/err")" "jail main already exists" "and says why"
fails 1 "a bad name is refused" kiln jail -c -j ../x -m host
fails 1 "an unknown method is refused" kiln jail -c -j x -m zfs
like "$(cat "$TMP/err")" "unknown method 'zfs'" "naming it"
fails 1 "debootstrap without -v is refused" kiln jail -c -j x -m debootstrap
like "$(cat "$TMP/err")" "needs -v SUITE" "asking for the suite"
fails 1 "null without -M is refused" kiln jail -c -j x -m null

ok "jail -l" kiln jail -l
like "$(cat "$TMP/out")" "^main +host +[^ ]+ +Linux:" "lists it"
ok "jail -l --json" kiln jail -l --json
cp "$TMP/out" "$TMP/list.json"
is "$(python3 -c "
import json; d = json.load(open('$TMP/list.json'))[0]
print(d['name'], d['method'], d['arch'], len(d['identity']))")" "main host $(uname -m) 64" "JSON has name, method, arch, identity"

# pkg computes Linux ABIs from the ELF note of /usr/bin/uname.
want=$(readelf -n /usr/bin/uname 2>/dev/null | sed -n 's/.*OS: Linux, ABI: \([0-9]*\)\.\([0-9]*\)\..*/Linux:\1.\2/p')
ok "jail -i" kiln jail -i -j main
like "$(cat "$TMP/out")" "^abi: +$want:$(uname -m)$" "the ABI is pkg's ($want:$(uname -m))"
. /etc/os-release
like "$(cat "$TMP/out")" "^version: +$ID-$VERSION_ID$" "the version comes from os-release"
id1=$(sed -n 's/^identity: *//p' "$TMP/out")
like "$id1" '^[0-9a-f]{64}$' "the identity is a SHA-256"
ok "jail -i --json" kiln jail -i -j main --json
is "$(python3 -c "import json,sys; print(json.load(open('$TMP/out'))['identity'])")" "$id1" "same identity in JSON"
ok "jail.ucl is there" test -f "$TMP/basefs/jails/main/jail.ucl"
like "$(cat "$TMP/basefs/jails/main/jail.ucl")" '"method": "host"' "and records the method"

ok "a host jail shows /usr and /etc" kiln run -j main -- /bin/sh -c 'test -x /usr/bin/env && test -f /etc/os-release'
ok "and the merged-/usr links" kiln run -j main -- /bin/sh -c 'for d in bin sbin lib; do test -e /$d/. || exit 1; done'
marker="kiln-t3100-$$"
mkdir -p "/var/tmp/$marker"
at_exit "rmdir /var/tmp/$marker"
fails 1 "but not the host's /var" kiln run -j main -- test -e "/var/tmp/$marker"
fails 1 "nor /root" kiln run -j main -- test -e /root/.bashrc
ok "the host's /etc and /usr are the ones shown" kiln run -j main -- cat /etc/os-release
is "$(cat "$TMP/out")" "$(cat /etc/os-release)" "same os-release"

ok "jail -u" kiln jail -u -j main
like "$(cat "$TMP/out")" "^jail main updated" "updated"
ok "jail -i after -u" kiln jail -i -j main
is "$(sed -n 's/^identity: *//p' "$TMP/out")" "$id1" "an unchanged host keeps its identity"

fails 1 "run on a missing jail fails" kiln run -j nope -- true
like "$(cat "$TMP/err")" "jail nope does not exist" "naming it"
fails 2 "run without a command is a usage error" kiln run -j main
ok "kiln run -h documents the exit codes" kiln run -h
like "$(cat "$TMP/out")" "123 memory limit" "123"
like "$(cat "$TMP/out")" "124 wall-clock" "124"
like "$(cat "$TMP/out")" "125 no-output" "125"

ok "jail -d" kiln jail -d -j main
fails 1 "it is gone" test -e "$TMP/basefs/jails/main"
fails 1 "deleting it again fails" kiln jail -d -j main

done_testing
