"""A bounded fuzz run over the readers (sources/read.py): small valid .xlsx, .xls and .csv files with
bytes changed, inserted or cut go to read_file, then every readable sheet is loaded into DuckDB and its
header looked for. Only UnreadableFile (or a clean grid) may come out: no other exception, no crash of
the process (calamine aborts it when it cannot allocate a sheet), no hang.

Each kind runs in a child process, so a crash or a hang fails the test instead of killing pytest; the
child writes every input before trying it, and the failure names that file: copy it to tests/bad_inputs/
(with its expected outcome in expected.yaml and README.md) as a regression test.

Examples are derandomised (the same inputs on every CI run); QF_FUZZ_EXAMPLES=5000 QF_FUZZ_RANDOM=1 runs
a longer, random campaign locally.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "bad_inputs"))

EXAMPLES = {"xlsx": 120, "xlsx_parts": 160, "xls": 120, "csv": 160}
INTERESTING = [b"0", b"9999999", b"4294967295", b"XFD", b"ZZZZ", b'"', b"<", b">", b"/>", b"\n", b"\r", b",", b"\x00",
               b"\xff\xfe", b"\xef\xbb\xbf", b"\xd5\xc5", b"\xe5\xbc\xa0", b'r="A1048576"', b"<row>", b"<c>", b"<f>",
               b't="e"', b't="s"', b"&amp;", b"=SUM(A1)", b"\x02\x00", b"\xff\xff\xff\xff"]


def seeds() -> dict[str, tuple[str, bytes]]:
    """Small valid inputs: kind → (suffix, bytes)."""
    import make  # tests/bad_inputs/make.py

    rows = make.payments(3) + [["合计", None, 900]]
    merged = make.sheet_xml([["低保发放表"]] + rows, merges=["A1:F1", "A3:A4"],
                            extra='<row r="7"><c r="B7"><f>SUM(C2:C4)</f></c><c r="C7" t="e"><v>#N/A</v></c></row>')
    xlsx = make.xlsx([("发放", merged), ("户籍", make.sheet_xml([["户号", "姓名", "与户主关系", "公民身份号码"],
                                                              ["001", "钱七", "户主", make.id_number(40)]]))])
    xls = _xls(rows)
    csv_text = "\n".join(",".join("" if v is None else str(v) for v in r) for r in rows) + "\n"
    csv = ("低保发放名册\n" + csv_text).encode("utf-8") + '"李四",1,"1,200.00",2020-03,低保\n'.encode("gbk")
    return {"xlsx": (".xlsx", xlsx), "xlsx_parts": (".xlsx", xlsx), "xls": (".xls", xls), "csv": (".csv", csv)}


def _xls(rows) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("发放")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                sheet.write(r, c, v)
    sheet.write_merge(6, 7, 0, 1, "制表人：王某")
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def mutate(data: bytes, ops) -> bytes:
    out = bytearray(data)
    for op, pos, arg in ops:
        if not out:
            break
        pos %= len(out)
        if op == "set":
            out[pos] = arg % 256
        elif op == "insert":
            out[pos:pos] = INTERESTING[arg % len(INTERESTING)]
        elif op == "replace":
            chunk = INTERESTING[arg % len(INTERESTING)]
            out[pos:pos + len(chunk)] = chunk
        elif op == "delete":
            del out[pos:pos + 1 + arg % 64]
        elif op == "truncate":
            del out[pos:]
    return bytes(out)


def mutate_parts(data: bytes, part_index: int, ops) -> bytes:
    """Change one part of the workbook and zip it again (a valid CRC, so calamine reads the damage)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    target = names[part_index % len(names)]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in names:
            body = src.read(name)
            z.writestr(name, mutate(body, ops) if name == target else body)
    return buf.getvalue()


def read_everything(path: Path, tmp: Path, con) -> None:
    """What the loader does with a file up to its classification: read it, load each sheet, find its header."""
    from sources import read, recognise

    try:
        result = read.read_file(path, tmp)
    except read.UnreadableFile as exc:
        assert str(exc), "an UnreadableFile must say why"
        return
    for sheet in result.sheets:
        if sheet.error:
            continue
        try:
            sheet.load(con, "_grid")
        except read.UnreadableFile:
            continue
        con.execute("select count(*), max(len(cells)) from _grid").fetchall()
        recognise.detect_layout(sheet.preview, sheet.name, path.name)


def child(kind: str, out: Path, n: int, randomised: bool) -> None:
    """The fuzz loop (in a child process): hypothesis drives the mutations."""
    import duckdb
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    suffix, seed = seeds()[kind]
    con = duckdb.connect()
    tmp = out / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    last = out / f"last_input{suffix}"
    op = st.tuples(st.sampled_from(["set", "insert", "replace", "delete", "truncate"]),
                   st.integers(0, 1 << 20), st.integers(0, 255))

    @settings(max_examples=n, deadline=30_000, derandomize=not randomised, database=None,
              suppress_health_check=list(HealthCheck))
    @given(ops=st.lists(op, min_size=1, max_size=6), part=st.integers(0, 64))
    def one(ops, part):
        data = mutate_parts(seed, part, ops) if kind == "xlsx_parts" else mutate(seed, ops)
        last.write_bytes(data)
        read_everything(last, tmp, con)

    last.write_bytes(seed)
    read_everything(last, tmp, con)     # the seed itself reads cleanly
    one()


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_readers_survive_mutated_files(kind, tmp_path):
    n = int(os.environ.get("QF_FUZZ_EXAMPLES", EXAMPLES[kind]))
    randomised = os.environ.get("QF_FUZZ_RANDOM") == "1"
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, __file__, kind, str(tmp_path), str(n), json.dumps(randomised)],
                              capture_output=True, text=True, timeout=max(300, n), cwd=ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the {kind} readers hung on {next(tmp_path.glob('last_input.*'), None)}: copy it to tests/bad_inputs/")
    last = next(tmp_path.glob("last_input.*"), None)
    assert proc.returncode == 0, (
        f"the {kind} readers failed (exit status {proc.returncode}) on {last}: copy it to tests/bad_inputs/ as a "
        f"regression file.\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    assert time.perf_counter() - t0 < max(60, n / 5)


if __name__ == "__main__":
    child(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4]))
