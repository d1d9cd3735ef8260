"""argparse in Chinese for the `qingfeng` command (flows/cli.py): the headings of every command's help (用法、
位置参数、选项), -h's own help and the errors a user meets; option names stay English."""

from __future__ import annotations

import argparse
import re
import sys


class ChineseHelp(argparse.RawDescriptionHelpFormatter):
    """argparse's help with a Chinese usage line (用法：); descriptions and examples as written."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


# argparse's own error messages that a user meets, in Chinese (the rest keep argparse's English)
_ERRORS = [(re.compile(p), zh) for p, zh in [
    (r"^the following arguments are required: (.*)$", r"缺少参数：\1"),
    (r"^unrecognized arguments: (.*)$", r"无法识别的参数：\1"),
    (r"^argument (\S+): invalid choice: (.*) \(choose from (.*)\)$", r"参数 \1：无效的选择 \2（可选：\3）"),
    (r"^argument (\S+): expected one argument$", r"参数 \1：需要一个值"),
    (r"^argument (\S+): invalid (\w+) value: (.*)$", r"参数 \1：无效的值 \3"),
    (r"^argument (\S+): (.*)$", r"参数 \1：\2"),
]]


class ChineseParser(argparse.ArgumentParser):
    """An ArgumentParser whose headings (用法、位置参数、选项), -h and errors speak Chinese; option names stay
    English. Subcommands' parsers are of this class too (add_subparsers passes its own class on)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", ChineseHelp)
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = "显示此帮助并退出"

    def error(self, message: str):
        for pattern, zh in _ERRORS:
            if pattern.match(message):
                message = pattern.sub(zh, message)
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{message}\n")
