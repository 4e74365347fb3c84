#!/usr/bin/env python3
# craft-pkg.py OUT KIND: write a hostile .pkg (uncompressed tar, which pkg
# and kiln both read) for the extraction refusal tests.  Each KIND lists
# its members in +MANIFEST so that only the rule under test is broken.
import hashlib, io, json, sys, tarfile

out, kind = sys.argv[1], sys.argv[2]
members = []   # (TarInfo, bytes or None)

def reg(name, data=b"x\n"):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mode = 0o644
    members.append((ti, data))

def special(name, typ, linkname=""):
    ti = tarfile.TarInfo(name)
    ti.type = typ
    ti.linkname = linkname
    ti.mode = 0o644
    if typ in (tarfile.CHRTYPE, tarfile.BLKTYPE):
        ti.devmajor, ti.devminor = 1, 3
    members.append((ti, None))

if kind == "dotdot":
    reg("/usr/local/../../../etc/evil")
elif kind == "relative":
    reg("usr/local/share/x")
elif kind == "symlink-escape":
    special("/usr/local/lib/evil", tarfile.SYMTYPE, "../../../../../etc/passwd")
elif kind == "symlink-abs-escape":
    special("/usr/local/lib/evil", tarfile.SYMTYPE, "/../../../etc/passwd")
elif kind == "through-symlink":
    special("/usr/local/lib", tarfile.SYMTYPE, "/etc")
    reg("/usr/local/lib/evil")
elif kind == "chardev":
    special("/usr/local/dev-null", tarfile.CHRTYPE)
elif kind == "blockdev":
    special("/usr/local/dev-sda", tarfile.BLKTYPE)
elif kind == "fifo":
    special("/usr/local/fifo", tarfile.FIFOTYPE)
elif kind == "hardlink-out":
    special("/usr/local/shadow", tarfile.LNKTYPE, "/etc/shadow")
elif kind == "unlisted":
    reg("/usr/local/share/listed")
    reg("/usr/local/share/unlisted")
elif kind == "badsum":
    reg("/usr/local/share/f", b"tampered\n")
elif kind == "good":
    reg("/usr/local/share/f", b"ok\n")
else:
    sys.exit("unknown kind " + kind)

files = {}
for ti, data in members:
    if kind == "unlisted" and ti.name.endswith("/unlisted"):
        continue
    files[ti.name] = ""
if kind in ("badsum", "good"):
    files["/usr/local/share/f"] = "1$" + hashlib.sha256(b"ok\n").hexdigest()
manifest = json.dumps({"name": "evil", "version": "1.0", "origin": "misc/evil",
    "comment": "c", "maintainer": "m", "www": "w", "prefix": "/usr/local",
    "desc": "d", "files": files}).encode()

buf = io.BytesIO()
t = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)
for name in ("+COMPACT_MANIFEST", "+MANIFEST"):
    ti = tarfile.TarInfo(name)
    ti.size = len(manifest)
    t.addfile(ti, io.BytesIO(manifest))
for ti, data in members:
    # Python strips nothing when the name is set on TarInfo directly.
    t.addfile(ti, io.BytesIO(data) if data is not None else None)
t.close()
open(out, "wb").write(buf.getvalue())
