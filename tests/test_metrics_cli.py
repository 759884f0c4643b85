"""`tandem metrics list|load|import` as an admin runs them: a real process on a real database."""

from __future__ import annotations

import os
import pty
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.db import Database
from bot.metric_files import parse_definitions
from bot.metrics import Metrics
from bot.services import build_services, utc_now
from bot.workspaces import WorkspaceDefaults, WorkspaceKey
from tests.test_cli import BOT_TOKEN, SECRET, TANDEM, bare_environment

TEAM = "T0TANDEM"
LONDON = ZoneInfo("Europe/London")
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# Where the database makes no difference (files, the terminal, choosing a workspace): SQLite only,
# since each run of `tandem` takes a couple of seconds.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
DEFINITIONS = """metrics:
  - name: leads
    team: marketing
    targets: {month: 1200, quarter: 3600}
  - name: pipeline
    unit: currency
    currency: EUR
    rollup: latest
    query:
      url: postgresql+psycopg://reader:s3cret-pw@crm.internal/crm
      sql: SELECT coalesce(sum(amount), 0) FROM deals WHERE closed_at < :end
"""


@pytest.fixture
def metrics(database: Database) -> Metrics:
    """The service, reading what the command stored, at the same wall-clock time as the command."""
    return build_services(database, WorkspaceDefaults("Europe/London", None), utc_now).metrics


def meet(database: Database, *teams: str) -> None:
    services = build_services(database, WorkspaceDefaults("Europe/London", None), utc_now)
    for team in teams:
        services.workspaces.settings_for(WorkspaceKey(team))


def define(metrics: Metrics) -> None:
    metrics.load_definitions(WorkspaceKey(TEAM), parse_definitions(DEFINITIONS), None)


def tandem(
    tmp_path: Path, database_url: str, *arguments: str, stdin: int = subprocess.DEVNULL
) -> subprocess.CompletedProcess[str]:
    environment = bare_environment(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        DATABASE_URL=database_url,
        TANDEM_TIMEZONE="Europe/London",
    )
    return subprocess.run(
        [TANDEM, "metrics", *arguments],
        cwd=tmp_path,
        env=environment,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def days_ago(number: int) -> date:
    return datetime.now(LONDON).date() - timedelta(days=number)


def values_csv(*rows: tuple[date | str, str, str]) -> str:
    lines = ["date,metric,value"]
    lines += [f"{day},{metric},{value}" for day, metric, value in rows]
    return "\n".join(lines) + "\n"


def logged(metrics: Metrics, name: str) -> dict[date, float | None]:
    return {
        day: value.value
        for day, value in metrics.history(WorkspaceKey(TEAM), name, days=14).days
        if value is not None
    }


def test_load_adds_then_updates_metrics_and_list_shows_them(
    tmp_path: Path, database_url: str, database: Database, metrics: Metrics
) -> None:
    meet(database, TEAM)
    first = tandem(tmp_path, database_url, "load", write(tmp_path, "metrics.yml", DEFINITIONS))
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "Loaded 2 metrics: 2 added (leads, pipeline)"

    more = DEFINITIONS.replace("month: 1200", "month: 1500") + "  - name: mql\n    team: marketing\n"
    second = tandem(tmp_path, database_url, "load", write(tmp_path, "metrics.yml", more))
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == "Loaded 3 metrics: 1 added (mql), 2 updated (leads, pipeline)"

    assert [(m.name, m.monthly_target) for m in metrics.definitions(WorkspaceKey(TEAM))] == [
        ("leads", 1500.0),
        ("pipeline", None),
        ("mql", None),
    ]
    listed = tandem(tmp_path, database_url, "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[1].split() == [
        "leads",
        "Leads",
        "count",
        "marketing",
        "sum",
        "higher",
        "1,500",
        "/",
        "3,600",
    ]
    assert lines[2].split() == ["pipeline", "Pipeline", "EUR", "shared", "latest", "higher", "-", "/", "-"]
    assert lines[3].startswith(
        "    query on postgresql+psycopg://reader:***@crm.internal/crm: SELECT coalesce("
    )
    assert "s3cret-pw" not in listed.stdout


def test_load_with_errors_stores_nothing_and_prints_every_problem(
    tmp_path: Path, database_url: str, database: Database, metrics: Metrics
) -> None:
    meet(database, TEAM)
    broken = DEFINITIONS.replace("team: marketing", "team: marketting").replace(
        "rollup: latest", "rolup: latest"
    )
    loaded = tandem(tmp_path, database_url, "load", write(tmp_path, "metrics.yml", broken))

    assert loaded.returncode == 1
    assert loaded.stdout == ""
    assert loaded.stderr.splitlines() == [
        f"{tmp_path / 'metrics.yml'}: 2 problems; nothing was loaded.",
        "  leads (line 3): `team` must be sales, marketing or shared, not 'marketting'",
        "  pipeline (line 8): unknown field `rolup` (did you mean `rollup`?)",
    ]
    assert metrics.definitions(WorkspaceKey(TEAM)) == []


def test_import_loads_the_values_and_a_second_import_replaces_them(
    tmp_path: Path, database_url: str, database: Database, metrics: Metrics
) -> None:
    meet(database, TEAM)
    define(metrics)
    values = values_csv(
        (days_ago(2), "leads", "40"), (days_ago(1), "leads", "42"), (days_ago(1), "pipeline", "1.2M")
    )

    first = tandem(tmp_path, database_url, "import", write(tmp_path, "values.csv", values))
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [f"{tmp_path / 'values.csv'}: 3 rows to load.", "Loaded 3 values."]
    again = tandem(
        tmp_path,
        database_url,
        "import",
        write(tmp_path, "more.csv", values_csv((days_ago(1), "leads", "45"))),
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == "Loaded 1 value (1 replaced earlier ones)."

    assert logged(metrics, "leads") == {days_ago(2): 40.0, days_ago(1): 45.0}
    assert logged(metrics, "pipeline") == {days_ago(1): 1_200_000.0}


PROBLEMS = values_csv(
    (days_ago(1), "leads", "42"),
    (days_ago(1), "lead", "7"),
    (days_ago(2), "pipeline", "lots"),
    (days_ago(3), "leads", "39"),
)


def test_import_with_problems_and_yes_loads_the_good_rows_and_says_what_was_skipped(
    tmp_path: Path, database_url: str, database: Database, metrics: Metrics
) -> None:
    meet(database, TEAM)
    define(metrics)
    imported = tandem(tmp_path, database_url, "import", write(tmp_path, "values.csv", PROBLEMS), "--yes")

    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines() == [
        f"{tmp_path / 'values.csv'}: 2 rows to load, 2 with problems:",
        "  line 3: unknown metric 'lead' (did you mean leads?)",
        "  line 4: `lots` isn't a number: try 42, 1.2M or 35%.",
        "Loaded 2 values; skipped 2 rows with problems.",
    ]
    assert logged(metrics, "leads") == {days_ago(1): 42.0, days_ago(3): 39.0}
    assert logged(metrics, "pipeline") == {}


def test_import_with_problems_and_no_one_to_ask_loads_nothing(
    tmp_path: Path, database_url: str, database: Database, metrics: Metrics
) -> None:
    meet(database, TEAM)
    define(metrics)
    imported = tandem(tmp_path, database_url, "import", write(tmp_path, "values.csv", PROBLEMS))

    assert imported.returncode == 1
    assert "  line 3: unknown metric 'lead' (did you mean leads?)" in imported.stdout.splitlines()
    assert imported.stderr.strip() == (
        "Nothing was loaded: run again with --yes to load the 2 good rows and skip the 2 with problems."
    )
    assert logged(metrics, "leads") == {}


@SQLITE_ONLY
@pytest.mark.parametrize(("answer", "loaded"), [("y", {1: 42.0, 3: 39.0}), ("n", {})])
def test_import_with_problems_asks_at_a_terminal(
    tmp_path: Path,
    database_url: str,
    database: Database,
    metrics: Metrics,
    answer: str,
    loaded: dict[int, float],
) -> None:
    meet(database, TEAM)
    define(metrics)
    terminal, its_end = pty.openpty()
    try:
        os.write(terminal, f"{answer}\n".encode())  # typed ahead: the terminal holds it until read
        imported = tandem(
            tmp_path, database_url, "import", write(tmp_path, "values.csv", PROBLEMS), stdin=its_end
        )
    finally:
        os.close(its_end)
        os.close(terminal)

    assert "Load the 2 good rows and skip 2? [y/N]" in imported.stdout
    assert imported.returncode == (0 if loaded else 1), imported.stderr
    assert logged(metrics, "leads") == {days_ago(back): value for back, value in loaded.items()}


@SQLITE_ONLY
def test_a_file_that_is_not_a_values_csv_loads_nothing(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    meet(database, TEAM)
    no_header = tandem(
        tmp_path, database_url, "import", write(tmp_path, "values.csv", "2026-11-20,leads,4\n")
    )
    assert no_header.returncode == 1
    assert "the first line must name the columns date, metric and value" in no_header.stderr
    assert no_header.stderr.strip().endswith("Nothing was loaded.")

    (tmp_path / "latin1.csv").write_bytes("date,metric,value\n2026-11-20,café,4\n".encode("latin-1"))
    latin1 = tandem(tmp_path, database_url, "import", str(tmp_path / "latin1.csv"))
    assert latin1.returncode == 2
    assert "isn't UTF-8 text" in latin1.stderr
    missing = tandem(tmp_path, database_url, "load", str(tmp_path / "nowhere.yml"))
    assert (missing.returncode, missing.stderr.strip()) == (
        2,
        f"Can't read {tmp_path / 'nowhere.yml'}: No such file or directory",
    )


@SQLITE_ONLY
def test_the_workspace_is_the_only_one_or_the_one_named(
    tmp_path: Path, database_url: str, database: Database
) -> None:
    none_yet = tandem(tmp_path, database_url, "list")
    assert none_yet.returncode == 2
    assert "Tandem has met no workspace yet" in none_yet.stderr

    meet(database, TEAM, "T0OTHER")
    which = tandem(tmp_path, database_url, "list")
    assert which.returncode == 2
    assert (
        which.stderr.strip() == "Tandem serves 2 workspaces: choose one with --workspace (T0TANDEM, T0OTHER)."
    )
    stranger = tandem(tmp_path, database_url, "list", "--workspace", "T0NOPE")
    assert stranger.returncode == 2
    assert stranger.stderr.strip() == "Tandem has not met workspace T0NOPE (it knows T0TANDEM, T0OTHER)"
    chosen = tandem(tmp_path, database_url, "list", "--workspace", "T0OTHER")
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.startswith("No metrics in T0OTHER yet")


def test_the_example_definitions_load_cleanly(
    tmp_path: Path, database_url: str, database: Database, metrics: Metrics
) -> None:
    meet(database, TEAM)
    loaded = tandem(tmp_path, database_url, "load", str(EXAMPLES / "metrics.yml"))

    assert loaded.returncode == 0, loaded.stderr
    names = "leads, mql, sal, opportunities, pipeline, bookings, win-rate, cost-per-lead"
    assert loaded.stdout.strip() == f"Loaded 8 metrics: 8 added ({names})"
    assert len(metrics.definitions(WorkspaceKey(TEAM))) == 8
