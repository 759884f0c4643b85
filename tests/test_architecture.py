"""The import rules: dependencies point inward, and only the composition root reads the environment."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Slack-facing parts of bot/ that may use Slack libraries; everything else in bot/ is the core.
SLACK_EDGE = ("bot/app.py", "bot/cli.py", "bot/blocks/", "bot/slack/", "bot/sandbox/")
CHAT_LIBRARIES = {"slack_bolt", "slack_sdk", "apscheduler"}
OUTER_LAYERS = {"handlers", "jobs"}
COMPOSITION_ROOT = {"bot/cli.py"}


def python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def core_files() -> list[Path]:
    return [p for p in python_files("bot") if not relative(p).startswith(SLACK_EDGE)]


def test_there_is_a_core_to_check() -> None:
    assert {"bot/issues.py", "bot/workspaces.py", "bot/db.py"} <= {relative(p) for p in core_files()}


@pytest.mark.parametrize("path", core_files(), ids=relative)
def test_services_know_nothing_of_slack_bolt_or_apscheduler(path: Path) -> None:
    assert imported_modules(path) & (CHAT_LIBRARIES | OUTER_LAYERS) == set()


@pytest.mark.parametrize("path", python_files("bot/blocks"), ids=relative)
def test_rendering_is_pure(path: Path) -> None:
    # Renderers build Block Kit objects; they never call Slack, a listener or the database.
    modules = imported_modules(path)
    assert modules & ({"slack_bolt", "apscheduler", "sqlalchemy"} | OUTER_LAYERS) == set()
    assert not any("slack_sdk.web" in line for line in path.read_text().splitlines())


@pytest.mark.parametrize("path", python_files("bot", "handlers"), ids=relative)
def test_only_the_composition_root_reads_the_environment(path: Path) -> None:
    if relative(path) in COMPOSITION_ROOT:
        return
    source = path.read_text()
    for forbidden in ("os.environ", "os.getenv", "load_dotenv("):
        assert forbidden not in source, f"{relative(path)} reads the environment ({forbidden})"


@pytest.mark.parametrize("path", python_files("handlers"), ids=relative)
def test_handlers_reach_storage_only_through_services(path: Path) -> None:
    assert imported_modules(path) & {"sqlalchemy", "psycopg"} == set()
    source = path.read_text()
    assert "bot.models" not in source
    assert "bot.db" not in source


@pytest.mark.parametrize("path", python_files("bot", "handlers", "jobs"), ids=relative)
def test_nothing_in_tandem_knows_the_sandbox_exists(path: Path) -> None:
    # The sandbox runs Tandem exactly as Slack would: only the command line may start it.
    if relative(path).startswith("bot/sandbox/") or relative(path) in COMPOSITION_ROOT:
        return
    assert "bot.sandbox" not in path.read_text(), f"{relative(path)} knows of the sandbox"


def test_the_rules_catch_a_violation(tmp_path: Path) -> None:
    offender = tmp_path / "offender.py"
    offender.write_text("from slack_sdk import WebClient\nimport handlers.issues\n")
    assert imported_modules(offender) == {"slack_sdk", "handlers"}
