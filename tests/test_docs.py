"""The documentation as users need it (issue 21): a short README whose two commands are the ones that work (the
test command is what .ci/run runs), and docs/ pages that name every setting, rule and command, whose links
lead somewhere, and whose rule catalogue is generated from the rule headers (docs/generate_rules.py)."""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))

import generate_rules  # noqa: E402  (docs/generate_rules.py)

from flows import cli, settings  # noqa: E402
from rules import catalog  # noqa: E402

README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md"))
SETUP_AND_RUN = "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/qingfeng run"
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6}) (.+)$", re.M)
ANCHOR = re.compile(r'<a id="([^"]+)"></a>')


def all_docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in [README, *PAGES])


def fenced_commands(text: str) -> list[str]:
    """The lines of the ```bash blocks, comments and blank lines left out."""
    blocks = re.findall(r"^```bash\n(.*?)^```", text, re.S | re.M)
    return [line.strip() for b in blocks for line in b.splitlines() if line.strip() and not line.startswith("#")]


def ci_test_command() -> str:
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
             if line.strip().startswith("python3 -m venv") and "-m pytest" in line]   # (the linters run before it)
    assert len(lines) == 1, lines
    return lines[0]


def test_the_readme_is_short():
    assert README.stat().st_size < 12 * 1024, f"README.md is {README.stat().st_size} bytes; move detail to docs/"


def test_the_two_commands_are_on_the_readmes_first_screen_and_ci_runs_the_test_command():
    first_screen = "\n".join(README.read_text(encoding="utf-8").splitlines()[:40])
    commands = fenced_commands(first_screen + "\n```\n")
    assert SETUP_AND_RUN in commands
    assert ci_test_command() in commands, (ci_test_command(), commands)


def test_the_rule_catalogue_page_is_what_the_headers_generate():
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == generate_rules.markdown(), "docs/rules.md is stale: run .venv/bin/python docs/generate_rules.py"


def test_every_rule_is_documented_with_its_chinese_name():
    text = all_docs()
    for rule in catalog.catalog():
        assert re.search(rf"^.*\b{rule.id}\b.*{re.escape(rule.name_zh)}.*$", text, re.M), rule.id
        assert f"## {rule.id} {rule.name_zh}" in (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    text = all_docs()
    missing = [name for name in settings.SETTINGS if f"`{name}`" not in text]
    assert not missing, f"settings not documented (docs/operations.md#settings): {missing}"


def commands(parser: argparse.ArgumentParser, prefix: str = "qingfeng"):
    """(`qingfeng run`, its parser), … for every subcommand, nested ones (`qingfeng feedback import`) included."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix} {name}", sub
                yield from commands(sub, f"{prefix} {name}")


def test_every_command_and_option_is_documented():
    text = all_docs()
    cli_page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    found = list(commands(cli.build_parser()))
    assert {"qingfeng run", "qingfeng screen", "qingfeng feedback import", "qingfeng rules show"} <= {c for c, _ in found}
    for command, parser in found:
        assert command in text, f"{command} is not documented"
        for action in parser._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert re.search(rf"{re.escape(option)}\b", cli_page), f"{command} {option} is not in docs/cli.md"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", "")).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {slug(h) for _, h in HEADING.findall(text)} | set(ANCHOR.findall(text))


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_every_relative_link_leads_to_a_file_and_anchor(page):
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.S | re.M)
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        assert dest.exists(), f"{page.name}: link to {target} leads nowhere"
        if anchor and dest.suffix == ".md":
            assert anchor in anchors(dest), f"{page.name}: no heading for #{anchor} in {dest.name}"


def examples(help_text: str) -> list[str]:
    return [line.strip() for line in help_text.splitlines() if line.strip().startswith("qingfeng ")]


def test_each_commands_help_is_chinese_with_an_example_that_parses():
    for command, parser in commands(cli.build_parser()):
        text = parser.format_help()
        assert re.search(r"[\u4e00-\u9fff]", parser.description or ""), f"{command}: no Chinese description"
        for action in parser._actions:
            if action.help and action.help != argparse.SUPPRESS and action.option_strings != ["-h", "--help"]:
                assert re.search(r"[\u4e00-\u9fff]", action.help), f"{command} {action.dest}: help not in Chinese"
        shown = [e for e in examples(text) if e.startswith(command)]
        assert shown, f"{command} --help shows no example"
        for example in shown:
            cli.build_parser().parse_args(shlex.split(example)[1:])


def test_run_help_shows_a_real_invocation():
    text = dict(commands(cli.build_parser()))["qingfeng run"].format_help()
    assert "qingfeng run --inbox data/sample/inbox --as-of 2021-01-15 --rules R01,R02" in text


ENGLISH_HEADINGS = ("usage:", "options:", "optional arguments:", "positional arguments:", "show this help message")


def test_every_commands_help_has_chinese_headings_and_english_option_names():
    """用法 / 位置参数 / 选项, not argparse's English, for qingfeng --help and every subcommand's; the option
    names stay English."""
    parser = cli.build_parser()
    for command, sub in [("qingfeng", parser), *commands(parser)]:
        text = sub.format_help()
        assert text.startswith(f"用法：{command} "), f"{command}: {text[:40]!r}"
        assert "选项:" in text and "显示此帮助并退出" in text, command
        assert not [h for h in ENGLISH_HEADINGS if h in text.lower()], f"{command}: {text}"
        if any(not a.option_strings and a.help != argparse.SUPPRESS and not isinstance(a, argparse._SubParsersAction)
               for a in sub._actions):
            assert "位置参数:" in text, command
    assert "--as-of YYYY-MM-DD" in dict(commands(parser))["qingfeng run"].format_help()


def test_the_installed_command_says_its_help_and_its_errors_in_chinese():
    import subprocess
    qingfeng = [sys.executable, "-m", "flows.cli"]
    out = subprocess.run([*qingfeng, "--help"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.startswith("用法：qingfeng ") and "选项:" in out.stdout
    bad = subprocess.run([*qingfeng, "run", "--split-by", "village"], capture_output=True, text=True, timeout=120,
                         cwd=ROOT)
    assert bad.returncode == 2 and bad.stderr.startswith("用法：qingfeng run ")
    assert "qingfeng run：错误：参数 --split-by：无效的选择 'village'（可选：'county', 'township'）" in bad.stderr
    missing = subprocess.run([*qingfeng, "feedback", "import"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert missing.returncode == 2 and "错误：缺少参数：FILE.xlsx" in missing.stderr
    assert not [h for h in (*ENGLISH_HEADINGS, "error:") if h in (bad.stderr + missing.stderr).lower()]
