"""Hostile entries in the inbox and hostile command lines (issue 18): links are never followed and a link that
leaves the inbox is refused; pipes, sockets, lock and hidden files are never opened; each is listed with its
reason; control characters in names never fail anything; the same file under two names is read once; an
--out inside the inbox or naming a file is refused before anything is loaded; `screen` keeps "failed" apart
from "rows held"; and a run that fails, is killed or aborts leaves no process behind.

Real files in tmp_path (the good ones copied from data/sample/inbox), a real DuckDB, real `qingfeng` processes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import AS_OF, ROOT, SAMPLE, fetch_dicts, run_cli

from rules import catalog, derived
from sources import gx, load, stage
from sources import inbox as inbox_walk

DEATHS = "民政_火化信息_2020.csv"                 # small good files of the sample
PENSIONS = "人社_城乡居民养老金发放_2020.csv"
DISABLED = "残联_2020年困难残疾人生活补贴发放明细.xlsx"
PASSWD_LINES = [ln for ln in Path("/etc/passwd").read_text(errors="replace").splitlines() if ln.strip()]


@contextlib.contextmanager
def deadline(seconds: float):
    """Fail (rather than hang the suite) when the block takes longer than `seconds`: opening a pipe blocks."""
    def expired(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s (a pipe opened?)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def hostile_inbox(root: Path) -> Path:
    """A good file beside every kind of entry that must not be read."""
    inbox = root / "inbox"
    (inbox / "县里").mkdir(parents=True)
    shutil.copy(SAMPLE / "inbox" / DEATHS, inbox / DEATHS)
    (inbox / "passwd.csv").symlink_to("/etc/passwd")                  # a link leaving the inbox: refused
    (inbox / "系统目录").symlink_to("/etc", target_is_directory=True)  # a linked folder
    (inbox / "县里" / "火化.csv").symlink_to(Path("..") / DEATHS)       # a link inside the inbox
    (inbox / "丢失.xlsx").symlink_to(inbox / "nowhere.xlsx")            # dangling
    os.mkfifo(inbox / "管道.csv")                                       # opening it would wait forever
    (inbox / "~$低保台账.xlsx").write_bytes(b"\x00" * 162)              # Office's lock file
    (inbox / ".隐藏.csv").write_text("姓名,身份证号\n", encoding="utf-8")
    (inbox / ".git").mkdir()
    (inbox / ".git" / "config.csv").write_text("x\n", encoding="utf-8")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(inbox / "套接字"))
    sock.close()
    return inbox


def all_text(con) -> str:
    """Every value of every raw and staged table, as one text (to look for what must not be there)."""
    parts = []
    for (t,) in con.execute("select table_name from duckdb_tables() where table_name like 'raw_%' "
                            "or table_name like 'stg_%'").fetchall():
        parts += [repr(r) for r in con.execute(f'select * from "{t}"').fetchall()]
    return "\n".join(parts)


def loaded(inbox: Path, tmp: Path):
    con = duckdb.connect()
    load.load_inbox(con, inbox, tmp / "scratch")
    return con


def files(con) -> dict[str, dict]:
    return {r["file_name"]: r for r in fetch_dicts(con, "select * from source_files")}


# ---- links and special entries --------------------------------------------------------------------------

def test_links_pipes_sockets_lock_and_hidden_files_are_listed_never_read(tmp_path):
    inbox = hostile_inbox(tmp_path)
    with deadline(30):
        con = loaded(inbox, tmp_path)
    f = files(con)
    assert f[DEATHS]["status"] == "loaded"
    text = all_text(con)
    assert "root:" not in text and not [ln for ln in PASSWD_LINES if ln in text], "/etc/passwd was read"
    expected = {"passwd.csv": ("symlink", "LINK_OUTSIDE", "收件目录以外"),
                "系统目录": ("symlink", "LINK_OUTSIDE", "收件目录以外"),
                "县里/火化.csv": ("symlink", "LINK_INSIDE", "收件目录内"),
                "丢失.xlsx": ("symlink", "LINK_DANGLING", "不存在"), "管道.csv": ("fifo", "FIFO", "命名管道"),
                "~$低保台账.xlsx": ("xlsx", "LOCK_FILE", "锁定文件"), ".隐藏.csv": ("csv", "HIDDEN", "隐藏文件"),
                ".git": ("directory", "HIDDEN", "隐藏目录"), "套接字": ("socket", "SOCKET", "套接字")}
    for name, (fmt, code, why) in expected.items():
        assert (f[name]["status"], f[name]["format"], f[name]["skip_code"]) == ("skipped", fmt, code), f[name]
        assert why in f[name]["reason"] and code in inbox_walk.SKIP_CODES, f[name]
    assert "/etc/passwd" in f["passwd.csv"]["reason"] and "“/etc”" in f["系统目录"]["reason"]
    assert set(f) == {DEATHS, *expected}, "an entry was neither read nor listed (or a hidden folder was walked)"
    assert con.execute("select count(*) from source_sheets where file_id in "
                       "(select file_id from source_files where status = 'skipped')").fetchone()[0] == 0
    assert inbox_walk.inbox_files(inbox) == [inbox / DEATHS]


def test_folders_nested_deeper_than_the_recursion_limit_are_walked(tmp_path):
    folder = inbox = tmp_path / "inbox"
    inbox.mkdir()
    for _ in range(300):            # deeper than the limit set below; shallow enough for pytest's rmtree
        folder = folder / "d"
        folder.mkdir()
    (folder / "x.csv").write_text("a\n", encoding="utf-8")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)      # a hostile inbox nests thousands deep; a recursive walk would fail
    try:
        found = inbox_walk.inbox_files(inbox)
    finally:
        sys.setrecursionlimit(limit)
    assert found == [folder / "x.csv"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file whatever its permission")
def test_a_file_without_read_permission_is_listed(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLE / "inbox" / DEATHS, inbox / "locked.csv")
    (inbox / "locked.csv").chmod(0)
    f = files(loaded(inbox, tmp_path))
    assert f["locked.csv"]["status"] == "skipped" and "权限" in f["locked.csv"]["reason"]


def test_a_pipe_is_never_opened_even_when_hashing(tmp_path):
    os.mkfifo(tmp_path / "p.csv")
    with deadline(5), pytest.raises(OSError):
        inbox_walk.sha256(tmp_path / "p.csv")
    (tmp_path / "l.csv").symlink_to("/etc/passwd")
    with pytest.raises(OSError):          # O_NOFOLLOW: a file replaced by a link after the walk is not followed
        inbox_walk.sha256(tmp_path / "l.csv")


# ---- names ----------------------------------------------------------------------------------------------

def test_control_characters_in_file_and_folder_names_are_shown_and_the_file_is_read(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "县\x1b里").mkdir(parents=True)
    shutil.copy(SAMPLE / "inbox" / DEATHS, inbox / "火化\x01信息.csv")
    shutil.copy(SAMPLE / "inbox" / PENSIONS, inbox / "县\x1b里" / "养老\x1f金.csv")
    (inbox / os.fsdecode("低保".encode("gbk") + b".csv")).write_bytes(b"")   # a GBK name from a Windows zip
    con = loaded(inbox, tmp_path)
    f = files(con)
    assert set(f) == {"火化␁信息.csv", "县␛里/养老␟金.csv", "低保.csv"}, set(f)
    assert f["火化␁信息.csv"]["status"] == "loaded" and "1 个控制字符" in f["火化␁信息.csv"]["reason"]
    assert f["县␛里/养老␟金.csv"]["status"] == "loaded" and "2 个控制字符" in f["县␛里/养老␟金.csv"]["reason"]
    assert "GBK" in f["低保.csv"]["reason"]
    stage.stage_all(con, dt.date(2021, 1, 15))
    shown = {r[0] for r in con.execute("select distinct source_file from death_records union all "
                                       "select distinct source_file from payments").fetchall()}
    assert shown == {"火化␁信息.csv", "县␛里/养老␟金.csv"}
    assert not any(ord(c) < 0x20 for name in shown for c in name)
    wb = openpyxl.Workbook()                # what broke the workbook writer (IllegalCharacterError) now writes
    wb.active.append(sorted(shown))
    wb.save(tmp_path / "names.xlsx")


# ---- the same file under two names ------------------------------------------------------------------------

def r04_cases(inbox: Path, tmp: Path) -> tuple[int, dict]:
    con = loaded(inbox, tmp)
    stage.stage_all(con, dt.date(2021, 1, 15))
    derived.derive(con)
    n = catalog.run_rules(con, catalog.select_rules(["R04"]))["R04"]
    return n, files(con)


def test_the_same_file_under_two_names_is_read_once_and_reported(tmp_path):
    one, two, changed = (tmp_path / n for n in ("one", "two", "changed"))
    for inbox in (one, two, changed):
        inbox.mkdir()
        shutil.copy(SAMPLE / "inbox" / DISABLED, inbox / DISABLED)
        shutil.copy(SAMPLE / "inbox" / PENSIONS, inbox / PENSIONS)
    shutil.copy(SAMPLE / "inbox" / PENSIONS, two / "养老金_重报.csv")
    (changed / "养老金_重报.csv").write_bytes((SAMPLE / "inbox" / PENSIONS).read_bytes() + b"\n")
    base, _ = r04_cases(one, tmp_path / "t1")
    n, f = r04_cases(two, tmp_path / "t2")
    assert n == base and base >= 1, (n, base)
    dup = f["养老金_重报.csv"]
    assert dup["status"] == "duplicate" and PENSIONS in dup["reason"] and dup["sha256"] == f[PENSIONS]["sha256"]
    assert dup["skip_code"] == "DUPLICATE"
    # the check can fail: the same rows under another hash are loaded twice and R04 explodes
    n_changed, f = r04_cases(changed, tmp_path / "t3")
    assert f["养老金_重报.csv"]["status"] == "loaded" and n_changed > base + 10, (n_changed, base)


def test_empty_files_are_not_duplicates_of_each_other(tmp_path):
    (tmp_path / "inbox").mkdir()
    for name in ("a.csv", "b.csv"):
        (tmp_path / "inbox" / name).write_bytes(b"")
    f = files(loaded(tmp_path / "inbox", tmp_path))
    assert {v["status"] for v in f.values()} == {"unreadable"}, f


# ---- validation messages name files, not ids --------------------------------------------------------------

def test_a_blocked_validation_names_the_file_not_its_id(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLE / "inbox" / DEATHS, inbox / "火化.csv")
    con = loaded(inbox, tmp_path)
    stage.stage_all(con, dt.date(2021, 1, 15))
    con.execute("insert into death_records select * from death_records limit 1")   # a row loaded twice
    with pytest.raises(gx.ValidationBlocked) as e:
        gx.validate_tables(con, tmp_path / "gx", dt.date(2021, 1, 15))
    assert "文件“火化.csv”" in str(e.value) and "file_id=" not in str(e.value), str(e.value)


# ---- --out ------------------------------------------------------------------------------------------------

def small_inbox(root: Path) -> Path:
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    shutil.copy(SAMPLE / "inbox" / DEATHS, inbox / DEATHS)
    return inbox


@pytest.mark.parametrize("out", ["inbox/线索", "inbox", "a_file.txt", "a_file.txt/sub"])
def test_an_out_inside_the_inbox_or_naming_a_file_is_refused_before_loading(tmp_path, monkeypatch, capsys, out):
    from flows import cli

    monkeypatch.setenv("QINGFENG_DATA", str(tmp_path / "data"))
    inbox = small_inbox(tmp_path)
    (tmp_path / "a_file.txt").write_text("keep me", encoding="utf-8")
    t0 = time.perf_counter()
    rc = cli.main(["run", "--inbox", str(inbox), "--out", str(tmp_path / out), "--as-of", AS_OF])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert ("收件目录" in err and "之内" in err) or "文件而不是目录" in err, err
    assert time.perf_counter() - t0 < 2, "refused only after loading"
    assert not (tmp_path / "data" / "warehouse.duckdb").exists(), "something was loaded"
    assert (tmp_path / "a_file.txt").read_text(encoding="utf-8") == "keep me"
    assert not (inbox / "线索").exists()


def test_the_command_refuses_an_out_inside_the_inbox_without_a_traceback(tmp_path):
    inbox = small_inbox(tmp_path)
    proc = run_cli(["run", "--inbox", str(inbox), "--out", str(inbox / "out"), "--as-of", AS_OF],
                   tmp_path / "data", timeout=60)
    assert proc.returncode == 2 and "之内" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert not (inbox / "out").exists() and not (tmp_path / "data" / "warehouse.duckdb").exists()


def test_screen_refuses_an_out_that_is_a_file(tmp_path, monkeypatch, capsys):
    from flows import cli

    monkeypatch.setenv("QINGFENG_DATA", str(tmp_path / "data"))
    (tmp_path / "wh.duckdb").write_bytes(b"")
    (tmp_path / "out").write_text("x", encoding="utf-8")
    shutil.copy(SAMPLE / "inbox" / DEATHS, tmp_path / "list.csv")
    rc = cli.main(["screen", str(tmp_path / "list.csv"), "--out", str(tmp_path / "out"),
                   "--warehouse", str(tmp_path / "wh.duckdb")])
    assert rc == 2 and "文件而不是目录" in capsys.readouterr().err


def test_screen_and_inspect_refuse_a_pipe_without_opening_it(tmp_path, monkeypatch, capsys):
    from flows import cli

    monkeypatch.setenv("QINGFENG_DATA", str(tmp_path / "data"))
    (tmp_path / "wh.duckdb").write_bytes(b"")
    os.mkfifo(tmp_path / "list.csv")
    with deadline(10):
        assert cli.main(["screen", str(tmp_path / "list.csv"), "--warehouse", str(tmp_path / "wh.duckdb")]) == 2
        assert cli.main(["inspect", str(tmp_path / "list.csv")]) == 2
    assert "不是普通文件" in capsys.readouterr().err


# ---- screen: failed is not "rows held" --------------------------------------------------------------------

def test_a_screening_that_fails_exits_5_not_1(tmp_path):
    (tmp_path / "wh.duckdb").write_bytes(b"this is not a DuckDB file " * 100)      # a damaged warehouse
    shutil.copy(SAMPLE / "inbox" / PENSIONS, tmp_path / "list.csv")
    proc = run_cli(["screen", str(tmp_path / "list.csv"), "--out", str(tmp_path / "out"),
                    "--warehouse", str(tmp_path / "wh.duckdb")], tmp_path / "data", timeout=120)
    assert proc.returncode == 5, (proc.returncode, proc.stderr[-3000:])
    assert "筛查失败" in proc.stderr and "不能据此发放" in proc.stderr


# ---- no process left behind ---------------------------------------------------------------------------------

def session_members(sid: int) -> list[tuple[int, str]]:
    """The processes of session `sid` still alive (zombies aside), with their command lines."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text(errors="replace")
            cmd = Path(f"/proc/{name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append((int(name), cmd[:120]))
    return found


def start_run(root: Path, inbox: Path, env: dict) -> subprocess.Popen:
    """`qingfeng run` in a session of its own: whatever it starts stays in that session, even when
    re-parented, so the session lists what is left after it ends."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("QINGFENG_")},
           "QINGFENG_DATA": str(root / "data"), **env}
    return subprocess.Popen([sys.executable, "-m", "flows.cli", "run", "--inbox", str(inbox), "--out",
                             str(root / "out"), "--as-of", AS_OF], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def assert_nothing_left(proc: subprocess.Popen) -> None:
    end = time.monotonic() + 10
    while session_members(proc.pid) and time.monotonic() < end:
        time.sleep(0.2)
    left = session_members(proc.pid)
    for pid, _ in left:                   # never leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left behind: {left}"


def test_a_run_failing_in_a_stage_leaves_no_process_and_says_so(tmp_path):
    inbox = small_inbox(tmp_path)
    (tmp_path / "not_a_folder").write_text("x", encoding="utf-8")
    # the scratch folder cannot be made: the run fails inside the flow, after Prefect's server started
    proc = start_run(tmp_path, inbox, {"QINGFENG_DUCKDB_TEMP_DIR": str(tmp_path / "not_a_folder")})
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 5, out[-3000:]
    assert "运行失败" in out and "temporary server" in out, out[-3000:]   # Prefect did start its server
    assert_nothing_left(proc)


@pytest.mark.parametrize("sig", [signal.SIGABRT, signal.SIGTERM])
def test_a_run_aborted_or_terminated_leaves_no_process(tmp_path, sig):
    """SIGABRT on the flow's process is what a native crash in a reader does (exit 134, no atexit, no
    finally); SIGTERM on `qingfeng run` is what a scheduler or `kill` does."""
    inbox = small_inbox(tmp_path)
    marker = tmp_path / "paused"
    proc = start_run(tmp_path, inbox, {"QINGFENG_PAUSE_AT": "load", "QINGFENG_PAUSE_MARKER": str(marker)})
    try:
        end = time.monotonic() + 240
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < end, proc.stdout.read()[-3000:]
            time.sleep(0.1)
        assert len(session_members(proc.pid)) >= 3, "expected the run, its watchdog and Prefect's server"
        assert int(marker.read_text()) == proc.pid
        os.kill(proc.pid, sig)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode in (-sig, 128 + sig), out[-3000:]
    if sig == signal.SIGABRT:            # no atexit ran: the watchdog ended Prefect's server
        assert "已将其结束" in out, out[-3000:]
    else:                                # an orderly exit: the run stopped its server itself
        assert "Stopping temporary server" in out, out[-3000:]
    assert_nothing_left(proc)
    if sig == signal.SIGABRT:            # nothing of Python ran: the folder says nothing (qingfeng runs neither)
        assert not (tmp_path / "out" / "run.json").exists()
    else:                                # an orderly end: the folder says the run was cancelled, and why
        info = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
        assert info["status"] == "cancelled" and "143" in info["reason"], info


# A whole run with the hostile entries beside the sample: tests/test_hostile.py (one shared run, conftest.hostile_night).
