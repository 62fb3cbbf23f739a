# Writes a crafted archive for the unpacking guards' tests: entries that a dataset archive
# must never hold (paths out of the folder, links, a compression bomb).
# usage: craft_archive.py tgz|zip OUT ENTRIES_JSON
# each entry: {"name", "type": "file"|"symlink"|"hardlink", "data"?: str, "target"?: str, "bomb"?: int}
import io
import json
import random
import sys
import tarfile
import zipfile


class Bomb(io.RawIOBase):
    """n bytes, mostly zeros, read without holding them all: 64 random bytes in each 64 KiB
    keep gzip's ratio near 500, under npm's own limit (1000) so that ireg's guard is the one tried."""

    BLOCK = 64 * 1024

    def __init__(self, n):
        self.left = n
        self.block = random.Random(0).randbytes(64) + bytes(self.BLOCK - 64)

    def readable(self):
        return True

    def readinto(self, b):
        k = min(len(b), self.left, self.BLOCK)
        b[:k] = self.block[:k]
        self.left -= k
        return k


def write_tgz(out, entries):
    with tarfile.open(out, "w:gz", format=tarfile.GNU_FORMAT) as t:
        for e in entries:
            info = tarfile.TarInfo(e["name"])
            if e["type"] == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, e["target"]
                t.addfile(info)
            elif e["type"] == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, e["target"]
                t.addfile(info)
            elif "bomb" in e:
                info.size = e["bomb"]
                t.addfile(info, io.BufferedReader(Bomb(e["bomb"])))
            else:
                data = e["data"].encode()
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))


def write_zip(out, entries):
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for e in entries:
            info = zipfile.ZipInfo(e["name"])
            if e["type"] == "symlink":
                info.external_attr = (0o120777 << 16)
                z.writestr(info, e["target"])
            else:
                info.external_attr = (0o100644 << 16)
                z.writestr(info, e.get("data", ""))


(write_tgz if sys.argv[1] == "tgz" else write_zip)(sys.argv[2], json.loads(sys.argv[3]))
