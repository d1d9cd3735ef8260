"""The inbox walk: which entries of the inbox folder are read, which are skipped and why (links leaving the
inbox, pipes, sockets and devices, lock and hidden files, unreadable entries, duplicates by SHA-256). Nothing
here opens a file's contents but to hash it; sources/load.py reads what this lets through."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
import stat
from pathlib import Path

# the statuses of entries that are not read (outputs/cells.py's STATUS_ZH names the others), and why
# (source_files.skip_code)
STATUS_ZH = {"skipped": "未读取", "duplicate": "重复文件（未再读取）"}
SKIP_CODES = {
    "LINK_OUTSIDE": "符号链接指向收件目录以外：拒绝读取",
    "LINK_INSIDE": "符号链接指向收件目录内：不跟随（目标按自身名称读取）",
    "LINK_DANGLING": "符号链接指向不存在的文件",
    "FIFO": "命名管道：不是普通文件",
    "SOCKET": "套接字：不是普通文件",
    "DEVICE": "设备：不是普通文件",
    "UNKNOWN": "不是普通文件",
    "LOCK_FILE": "Office 临时锁定文件（~$）",
    "HIDDEN": "隐藏文件或目录",
    "NO_PERMISSION": "没有读取权限",
    "UNLISTABLE": "无法查看或列出",
    "DUPLICATE": "与另一文件内容完全相同：只读取一次",
}
_TYPES = [(stat.S_ISFIFO, "fifo", "命名管道（FIFO），不是普通文件：未读取（打开它会一直等待写入方）"),
          (stat.S_ISSOCK, "socket", "套接字（socket），不是普通文件：未读取"),
          (stat.S_ISCHR, "device", "字符设备，不是普通文件：未读取"),
          (stat.S_ISBLK, "device", "块设备，不是普通文件：未读取")]


@dataclasses.dataclass
class Entry:
    """One entry under the inbox: `path` is the real path (used to open it), `name` its path relative to the
    inbox as people see it (control characters made visible); `status` is None for a file to read, else
    'skipped' with the `reason`; `kind` says what the entry is (file, symlink, fifo, socket, device, directory)."""

    path: Path
    name: str
    kind: str = "file"
    status: str | None = None
    reason: str | None = None
    code: str | None = None         # why it is not read: one of SKIP_CODES
    size: int = 0
    notes: list = dataclasses.field(default_factory=list)


def clean_name(name: str) -> tuple[str, str | None]:
    """A file or folder name as people can see it, and a note when it had to change: bytes that are not
    UTF-8 (a name from a Windows zip) are read as GB18030 when they are that, else shown as �; control
    characters (C0, DEL, C1), which would break a workbook or a log line, are shown as their visible
    pictures (␁ for U+0001, ␛ for ESC) or as �."""
    notes = []
    if any("\udc80" <= c <= "\udcff" for c in name):      # undecodable bytes, as os.fsdecode keeps them
        raw = os.fsencode(name)
        try:
            name = raw.decode("gb18030")
            notes.append("文件名不是 UTF-8 编码，按 GBK 编码显示")
        except UnicodeDecodeError:
            name = raw.decode("utf-8", "replace")
            notes.append("文件名含无法识别的字节，显示为 �")
    controls = sum(1 for c in name if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F)
    if controls:
        name = "".join(chr(0x2400 + ord(c)) if ord(c) < 0x20 else "\u2421" if c == "\x7f"
                       else "\ufffd" if 0x80 <= ord(c) <= 0x9f else c for c in name)
        notes.append(f"文件名或目录名含 {controls} 个控制字符（不可见字符），显示为 ␁ 等符号；文件仍按原名读取")
    return name, "；".join(notes) or None


def scan_inbox(inbox: Path) -> list[Entry]:
    """Every entry under the inbox, sorted by name, without following a symbolic link (to a file or a folder)
    and without opening anything: regular files to read, and each entry that is not read with its reason
    (links, pipes, sockets, devices, hidden files and folders, Office lock files ~$x.xlsx, what cannot be
    listed or read for want of permission). A pipe is never opened: opening one waits for a writer."""
    root = Path(os.path.realpath(inbox))
    found: list[Entry] = []

    def entry(path: Path, **kw) -> Entry:
        name, note = clean_name(str(path.relative_to(inbox)))
        e = Entry(path, name, **kw)
        if note:
            e.notes.append(note)
        found.append(e)
        return e

    folders = [inbox]           # a stack, not recursion: a hostile inbox may nest folders thousands deep
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as it:
                items = list(it)
        except OSError as exc:
            entry(folder, kind="directory", status="skipped", code="UNLISTABLE",
                  reason=f"目录无法列出（{os_error(exc)}）：其中的文件未读取")
            continue
        for d in items:
            path = Path(d.path)
            try:
                st = d.stat(follow_symlinks=False)
            except OSError as exc:
                entry(path, kind="unknown", status="skipped", code="UNLISTABLE",
                      reason=f"无法查看（{os_error(exc)}）：未读取")
                continue
            if stat.S_ISLNK(st.st_mode):
                entry(path, kind="symlink", status="skipped", **_link(path, root))
            elif stat.S_ISDIR(st.st_mode):
                if d.name.startswith("."):
                    entry(path, kind="directory", status="skipped", code="HIDDEN",
                          reason="隐藏目录（名称以“.”开头）：其中的文件未读取")
                else:
                    folders.append(path)
            elif stat.S_ISREG(st.st_mode):
                if d.name.startswith("~$"):
                    entry(path, status="skipped", size=st.st_size, code="LOCK_FILE",
                          reason="Office 临时锁定文件（“~$”开头，原文件正被打开编辑）：未读取")
                elif d.name.startswith("."):
                    entry(path, status="skipped", size=st.st_size, code="HIDDEN",
                          reason="隐藏文件（名称以“.”开头）：未读取")
                elif not os.access(path, os.R_OK):
                    entry(path, status="skipped", size=st.st_size, code="NO_PERMISSION",
                          reason="没有读取权限：未读取，请检查文件权限")
                else:
                    entry(path, size=st.st_size)
            else:
                kind, reason = next(((k, r) for test, k, r in _TYPES if test(st.st_mode)),
                                    ("unknown", "不是普通文件：未读取"))
                entry(path, kind=kind, status="skipped", code=kind.upper(), reason=reason)
    return sorted(found, key=lambda e: e.path.relative_to(inbox))   # the order file ids follow


def _link(path: Path, root: Path) -> dict:
    """Why a symbolic link is not read (code and reason): links are never followed; one that leaves the inbox
    is refused."""
    target = os.path.realpath(path)
    shown = clean_name(os.readlink(path))[0] if os.path.islink(path) else "?"
    if not os.path.exists(target):
        return {"code": "LINK_DANGLING", "reason": f"符号链接，指向不存在的“{shown}”：未读取"}
    if os.path.commonpath([root, target]) != str(root):
        return {"code": "LINK_OUTSIDE",
                "reason": f"符号链接，指向收件目录以外的“{clean_name(target)[0]}”：出于安全拒绝读取，请把文件本身放入收件目录"}
    inside = clean_name(os.path.relpath(target, root))[0]
    what = "目录" if os.path.isdir(target) else "文件"
    return {"code": "LINK_INSIDE", "reason": f"符号链接，指向收件目录内的{what}“{inside}”：链接不跟随，该{what}本身按其自身名称读取"}


def os_error(exc: OSError) -> str:
    return {errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.ENOENT: "已不存在"}.get(exc.errno, exc.strerror or type(exc).__name__)


def inbox_files(inbox: Path) -> list[Path]:
    """The files of the inbox that are read (scan_inbox: no link, pipe, hidden or lock file)."""
    return [e.path for e in scan_inbox(inbox) if e.status is None]


def sha256(path: Path) -> str:
    """The file's SHA-256, read without following a link and without waiting on a pipe (O_NOFOLLOW,
    O_NONBLOCK); anything but a regular file is refused (OSError)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise OSError(errno.EINVAL, "不是普通文件")
        h = hashlib.sha256()
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
