"""A mutation fuzzer over the readers, from the sample inbox's own files (data/sample/inbox: .xlsx, .xls,
.csv): each mutation truncates a file, flips or inserts bytes, or rewrites the XML inside an .xlsx the
ways valid XML allows and our checks once did not expect (single quotes, spaces around `=`, a far
reference such as XFD1048576, namespace prefixes), then reads it as the pipeline does — read_file (a
workbook in the reader's child process), then every readable sheet loaded into DuckDB.

    python bench/fuzz_mutations.py --seed 1 --n 1000

Counts: clean (read), refused (UnreadableFile, with a reason), unexpected (any other exception),
hangs (one input taking more than --hang seconds) and crashes (the fuzzing process itself dying). The
loop runs in a child process that this script watches, so a crash or a hang is counted, its input kept
under --keep, and the loop resumes after it. Exit status 1 when anything is unexpected, hung or crashed.

    python bench/fuzz_mutations.py --overhead      # what the reader's child process costs on the sample
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "data" / "sample" / "inbox"
INTERESTING = [b"0", b"4294967295", b"XFD1048576", b"'", b'"', b"<", b">", b"/>", b"\n", b"\r", b",", b"\x00",
               b"\x1f", b"\xff\xfe", b"\xef\xbb\xbf", b"\xd5\xc5", b"=", b" = ", b"_x000B_", b"1e20",
               b"6222021234567890123", b"\xff\xff\xff\xff"]


def seeds() -> list[Path]:
    return sorted(p for p in SAMPLE.iterdir() if p.suffix.lower() in (".xlsx", ".xls", ".csv"))


# ---- mutations ------------------------------------------------------------------------------------

def flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def insert(data: bytes, rng: random.Random) -> bytes:
    pos = rng.randrange(len(data) + 1)
    return data[:pos] + rng.choice(INTERESTING) * rng.choice([1, 1, 2, 100]) + data[pos:]


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def single_quotes(xml: bytes, rng: random.Random) -> bytes:
    return re.sub(rb'(\s[\w:]+)="([^"\']*)"', lambda m: m.group(1) + b"='" + m.group(2) + b"'" if rng.random() < 0.7
                  else m.group(0), xml)


def spaced_equals(xml: bytes, rng: random.Random) -> bytes:
    gap = rng.choice([b" ", b"  ", b"\t", b"\n", b"\r\n"])
    return re.sub(rb'(\s[\w:]+)=(["\'])', lambda m: m.group(1) + gap + b"=" + gap + m.group(2), xml)


def far_reference(xml: bytes, rng: random.Random) -> bytes:
    """One cell (or row) moved to the sheet's far corner, written in a style chosen at random."""
    refs = list(re.finditer(rb'(\sr\s*=\s*)(["\'])([A-Z]*)([0-9]+)\2', xml))
    if not refs:
        return xml
    m = rng.choice(refs)
    q = rng.choice([b'"', b"'"])
    eq = rng.choice([b"=", b" = ", b"=\n"])
    target = (b"XFD1048576" if m.group(3) else b"1048576") if rng.random() < 0.8 else \
        (m.group(3) + b"999999" if m.group(3) else b"4294967295")
    return xml[:m.start()] + b" r" + eq + q + target + q + xml[m.end():]


def prefixed(xml: bytes, rng: random.Random) -> bytes:
    """Elements written with a namespace prefix (x:row, x:c, x:v), the prefix declared on the root."""
    xml = re.sub(rb"<(/?)(sheetData|row|c|v|f|is|t|si|sst|sheets|sheet|mergeCell|mergeCells)\b", rb"<\1x:\2", xml)
    return re.sub(rb"<(worksheet|workbook|sst)\b", rb'<\1 xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                  xml, count=1)


def duplicate_attribute(xml: bytes, rng: random.Random) -> bytes:
    return re.sub(rb'<c r="([A-Z]+[0-9]+)"', rb'<c r="\1" r="XFD1048576"', xml, count=rng.randint(1, 3))


XML_MUTATIONS = [single_quotes, spaced_equals, far_reference, prefixed, duplicate_attribute]
BYTE_MUTATIONS = [flip, insert, truncate]


def rezip(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """An .xlsx with one part (a sheet, mostly) changed and zipped again (valid CRCs: the reader sees the
    change itself, not a damaged zip)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    sheets = [n for n in names if n.startswith("xl/worksheets/")]
    target = rng.choice(sheets) if sheets and rng.random() < 0.7 else rng.choice(names)
    how = rng.choice(XML_MUTATIONS + XML_MUTATIONS + BYTE_MUTATIONS)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in names:
            body = src.read(name)
            z.writestr(name, how(body, rng) if name == target else body)
    return buf.getvalue(), f"{how.__name__}({target})"


def mutation(seed: int, i: int, files: list[Path]) -> tuple[str, bytes, str]:
    """The i-th mutation of the campaign `seed`: (suffix, bytes, what was done)."""
    rng = random.Random(f"{seed}:{i}")
    path = rng.choice(files)
    data = path.read_bytes()
    if path.suffix.lower() == ".xlsx" and rng.random() < 0.6:
        out, what = rezip(data, rng)
    else:
        how = rng.choice(BYTE_MUTATIONS)
        out, what = how(data, rng), how.__name__
    return path.suffix.lower(), out, f"{path.name}: {what}"


# ---- reading as the pipeline does -------------------------------------------------------------------

def read_as_pipeline(path: Path, tmp: Path, con) -> str:
    """clean | refused; anything else raises."""
    from sources import read

    try:
        result = read.read_file(path, tmp)
        for sheet in result.sheets:
            if sheet.error:
                continue
            sheet.load(con, "_grid")
            con.execute("select count(*), max(len(cells)) from _grid").fetchall()
    except read.UnreadableFile as exc:
        assert str(exc), "an UnreadableFile must say why"
        return "refused"
    return "clean"


def child(seed: int, start: int, n: int, progress: Path, keep: Path) -> None:
    """The loop: each input is written (and its index logged) before it is read, so the watcher knows
    which one killed or hung the process."""
    import duckdb

    from sources import read_worker
    read_worker.configure(timeout_seconds=60)
    files = seeds()
    con = duckdb.connect()
    con.execute((ROOT / "sources" / "macros.sql").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp, open(progress, "a", encoding="utf-8") as log:
        tmp = Path(tmp)
        for i in range(start, n):
            suffix, data, what = mutation(seed, i, files)
            path = tmp / f"m{i}{suffix}"
            path.write_bytes(data)
            log.write(json.dumps({"i": i, "start": what}, ensure_ascii=False) + "\n")
            log.flush()
            t0 = time.perf_counter()
            try:
                outcome, detail = read_as_pipeline(path, tmp / "work", con), ""
            except Exception as exc:
                outcome, detail = "unexpected", f"{type(exc).__name__}: {exc}"[:500]
                keep.mkdir(parents=True, exist_ok=True)
                (keep / path.name).write_bytes(data)
            log.write(json.dumps({"i": i, "outcome": outcome, "what": what, "detail": detail,
                                  "seconds": round(time.perf_counter() - t0, 3)}, ensure_ascii=False) + "\n")
            log.flush()
            path.unlink()


def campaign(seed: int, n: int, hang: float, keep: Path) -> dict:
    counts = {"clean": 0, "refused": 0, "unexpected": 0, "hangs": 0, "crashes": 0}
    examples: list[str] = []
    slowest = 0.0
    progress = Path(tempfile.mkstemp(suffix=".jsonl")[1])
    start = 0
    t0 = time.perf_counter()
    while start < n:
        proc = subprocess.Popen([sys.executable, __file__, "--child", str(seed), str(start), str(n), str(progress),
                                 str(keep)], cwd=ROOT)
        last_line, last_change = 0, time.monotonic()
        while proc.poll() is None:
            time.sleep(0.2)
            lines = progress.read_text(encoding="utf-8").splitlines()
            if len(lines) != last_line:
                last_line, last_change = len(lines), time.monotonic()
            elif time.monotonic() - last_change > hang:
                proc.kill()
                proc.wait()
                break
        records = [json.loads(x) for x in progress.read_text(encoding="utf-8").splitlines()]
        done = {r["i"] for r in records if "outcome" in r}
        started = [r for r in records if "start" in r]
        if proc.returncode == 0:
            break
        # the process died or hung on the last input it started
        victim = started[-1] if started else {"i": start, "start": "?"}
        kind = "hangs" if proc.returncode == -9 and victim["i"] not in done else "crashes"
        counts[kind] += 1
        examples.append(f"{kind}: #{victim['i']} {victim['start']} (exit {proc.returncode})")
        mutated = mutation(seed, victim["i"], seeds())
        keep.mkdir(parents=True, exist_ok=True)
        (keep / f"{kind}_{victim['i']}{mutated[0]}").write_bytes(mutated[1])
        start = victim["i"] + 1
    for r in (json.loads(x) for x in progress.read_text(encoding="utf-8").splitlines()):
        if "outcome" in r:
            counts[r["outcome"]] += 1
            slowest = max(slowest, r["seconds"])
            if r["outcome"] == "unexpected" and len(examples) < 20:
                examples.append(f"unexpected: #{r['i']} {r['what']}: {r['detail']}")
    progress.unlink()
    return {"seed": seed, "n": n, **counts, "slowest_seconds": slowest,
            "seconds": round(time.perf_counter() - t0, 1), "examples": examples}


def overhead(repeats: int = 3) -> dict:
    """Reading the sample's workbooks in this process and through the reader's child process."""
    from sources import read_worker
    from sources.read_workbook import _read_workbook

    books = [p for p in seeds() if p.suffix.lower() in (".xlsx", ".xls")]
    out = {"workbooks": len(books)}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        read_worker.read_isolated(books[0], Path(tmp))
        out["first_file_with_worker_start_s"] = round(time.perf_counter() - t0, 3)
        for label, read in (("in_process_s", _read_workbook), ("child_process_s", read_worker.read_isolated)):
            best = float("inf")
            for _ in range(repeats):
                t0 = time.perf_counter()
                for p in books:
                    read(p, Path(tmp))
                best = min(best, time.perf_counter() - t0)
            out[label] = round(best, 3)
    return out


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        seed, start, n, progress, keep = sys.argv[2:7]
        child(int(seed), int(start), int(n), Path(progress), Path(keep))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--hang", type=float, default=120, help="seconds without progress that count as a hang")
    ap.add_argument("--keep", default=str(Path(tempfile.gettempdir()) / "qf_fuzz_failures"),
                    help="folder for the inputs that crashed, hung or raised")
    ap.add_argument("--overhead", action="store_true", help="measure the reader's child process on the sample")
    args = ap.parse_args()
    if args.overhead:
        print(json.dumps(overhead(), indent=1))
        return 0
    result = campaign(args.seed, args.n, args.hang, Path(args.keep))
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 1 if result["unexpected"] or result["hangs"] or result["crashes"] else 0


if __name__ == "__main__":
    sys.exit(main())
