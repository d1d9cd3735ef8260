"""Orchestration: the Prefect flows and the `qingfeng` command. Thin: the work is in sources/, rules/, outputs/."""

from .settings import configure_environment

configure_environment()
