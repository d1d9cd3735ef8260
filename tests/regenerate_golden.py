"""Regenerate the golden files of the sample run. Never edit tests/golden/ by hand; run

    .venv/bin/python tests/regenerate_golden.py

and review the diff: every change in it is a change in what investigators receive."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from conftest import AS_OF, ROOT, SAMPLE, run_cli  # noqa: E402

GOLDEN = Path(__file__).parent / "golden"
FILES = {"cases.csv": "sample_cases.csv"}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        proc = run_cli(["run", "--inbox", str(SAMPLE / "inbox"), "--out", str(out), "--as-of", AS_OF], Path(tmp))
        if proc.returncode != 0:
            sys.exit(proc.stdout + proc.stderr)
        GOLDEN.mkdir(exist_ok=True)
        for src, dst in FILES.items():
            shutil.copyfile(out / src, GOLDEN / dst)
            print(f"{(GOLDEN / dst).relative_to(ROOT)} ← {src}")


if __name__ == "__main__":
    main()
