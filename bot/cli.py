"""`tandem`: run the app (Socket Mode or HTTP) and manage its database. The only reader of the environment."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import FrameType

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot.app import create_app, services_for
from bot.config import (
    Settings,
    SettingsError,
    given_values,
    load_database_url,
    load_settings,
    slack_credentials_given,
)
from bot.db import Database
from bot.fieldnote_export import notes_csv, notes_json
from bot.issue_export import ExportFormat, IssueExport, write_export
from bot.metric_files import parse_definitions
from bot.metrics import IMPORT_BYTES_MAX, InvalidDefinitions, Metrics, Unit
from bot.scheduling import runner_name
from bot.services import Services, build_services, utc_now
from bot.slack.client import web_client
from bot.slack.http import EVENTS_PATH, HEALTH_PATH, HttpServer, wsgi_app
from bot.workspaces import WorkspaceDefaults, WorkspaceKey, WorkspaceSettings
from jobs import timetable
from jobs.scheduler import JobContext, Scheduler, start_scheduler

log = logging.getLogger("tandem")

# Where `tandem sandbox` keeps its own database and the look-alike's messages, beside where it runs.
SANDBOX_DIRECTORY = ".sandbox"

_HOW_TO_SET = (
    "Set them in a .env file beside where you run Tandem (copy .env.example) or in the environment.\n"
    "The README's 'Create the Slack app' section says where Slack shows each value."
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tandem", description="Keeps sales and marketing in step, in Slack."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "run",
        help="start Tandem (Socket Mode with SLACK_APP_TOKEN, else HTTP on PORT; "
        "with no Slack credentials, the offline sandbox)",
    )
    sandbox = commands.add_parser(
        "sandbox", help="try Tandem offline: a local page that behaves like a small Slack workspace"
    )
    sandbox.add_argument("--reset", action="store_true", help="throw the sandbox's data away and start over")
    database = commands.add_parser("db", help="manage Tandem's database")
    database.add_subparsers(dest="db_command", required=True).add_parser(
        "upgrade", help="apply pending migrations"
    )
    export = commands.add_parser("export", help="write Tandem's data out").add_subparsers(
        dest="export_what", required=True
    )
    issues = export.add_parser("issues", help="every issue, with its comment count and timestamps")
    issues.add_argument("--format", choices=[f.value for f in ExportFormat], default=ExportFormat.CSV.value)
    issues.add_argument("--workspace", metavar="TEAM_ID", help="only this workspace (a Slack team ID, T…)")
    issues.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    notes = export.add_parser("fieldnotes", help="every field note, with its follow-ups and their issues")
    notes.add_argument("--format", choices=[f.value for f in ExportFormat], default=ExportFormat.CSV.value)
    notes.add_argument("--workspace", metavar="TEAM_ID", help="only this workspace (a Slack team ID, T…)")
    notes.add_argument("--output", metavar="FILE", help="write here instead of standard output")
    jobs = commands.add_parser("jobs", help="see and run the scheduled jobs").add_subparsers(
        dest="jobs_command", required=True
    )
    listing = jobs.add_parser("list", help="when each job next runs in each workspace")
    listing.add_argument(
        "--workspace", metavar="TEAM_ID", nargs="+", default=[], help="only these workspaces"
    )
    running = jobs.add_parser("run", help="run one job now (once: what already ran is not run again)")
    running.add_argument("job", help="a job id, as `tandem jobs list` shows")
    running.add_argument(
        "--workspace", metavar="TEAM_ID", nargs="+", default=[], help="only these workspaces"
    )
    running.add_argument(
        "--at",
        metavar="ISO_DATETIME",
        type=_moment,
        help="run as if it were this moment, e.g. 2026-11-26T09:00+00:00 (no offset: TANDEM_TIMEZONE)",
    )
    _add_metrics_commands(commands)
    arguments = parser.parse_args(argv)
    if arguments.command == "metrics":
        return metrics_command(arguments)
    if arguments.command == "jobs":
        if arguments.jobs_command == "list":
            return list_jobs(arguments.workspace)
        return run_job(arguments.job, arguments.workspace, arguments.at)
    if arguments.command == "db":
        return upgrade_database()
    if arguments.command == "export" and arguments.export_what == "fieldnotes":
        return export_field_notes(ExportFormat(arguments.format), arguments.workspace, arguments.output)
    if arguments.command == "export":
        return export_issues(ExportFormat(arguments.format), arguments.workspace, arguments.output)
    if arguments.command == "sandbox" or not slack_credentials_given(os.environ):
        return run_sandbox(reset=getattr(arguments, "reset", False))
    return run()


def export_issues(fmt: ExportFormat, team_id: str | None, output: str | None) -> int:
    """Write every issue (of one workspace, or all) as CSV or JSON."""
    database = Database.at(load_database_url(os.environ))
    try:
        database.upgrade()
        rows = IssueExport(database).rows(WorkspaceKey(team_id) if team_id else None)
        if output is None:
            written = write_export(rows, fmt, sys.stdout)
        else:
            with open(output, "w", encoding="utf-8", newline="") as out:
                written = write_export(rows, fmt, out)
    finally:
        database.dispose()
    print(f"Exported {written} issue{'' if written == 1 else 's'}", file=sys.stderr)
    return 0


def export_field_notes(fmt: ExportFormat, team_id: str | None, output: str | None) -> int:
    """Write every field note (of one workspace, or all) as CSV or JSON."""
    database = Database.at(load_database_url(os.environ))
    try:
        database.upgrade()
        # Export only reads: the workspace defaults (needed to build the services) never show.
        services = build_services(database, WorkspaceDefaults(timezone="UTC", tracker_channel=None))
        known = [workspace.key for workspace in services.workspaces.all_settings()]
        keys = [key for key in known if team_id is None or key.team_id == team_id]
        if team_id is not None and not keys:
            ids = ", ".join(key.team_id for key in known)
            print(
                f"Tandem has not met workspace {team_id}" + (f" (it knows {ids})" if known else ""),
                file=sys.stderr,
            )
            return 2
        notes = [
            (key.team_id, note)
            for key in keys
            for note in sorted(services.fieldnotes.export(key), key=lambda note: note.id)
        ]
    finally:
        database.dispose()
    text = notes_csv(notes) if fmt is ExportFormat.CSV else notes_json(notes)
    if output is None:
        sys.stdout.write(text)
    else:
        with open(output, "w", encoding="utf-8", newline="") as out:
            out.write(text)
    print(f"Exported {_count(len(notes), 'field note')}", file=sys.stderr)
    return 0


def list_jobs(team_ids: Sequence[str]) -> int:
    """Print the timetable, and when each scheduled job next runs in each workspace."""
    settings = _settings()
    if settings is None:
        return 2
    services = services_for(settings)
    try:
        services.database.upgrade()
        scheduler = Scheduler(timetable(settings), _job_context(settings, services), clock=services.clock)
        for row in scheduler.timetable:
            print(row.describe())
        upcoming = scheduler.upcoming(team_ids)
    except LookupError as unknown:
        print(unknown.args[0], file=sys.stderr)
        return 2
    finally:
        services.database.dispose()
    if not upcoming:
        print("\nTandem has met no workspace yet: scheduled jobs run in each workspace that has used it.")
        return 0
    print(f"\n{'JOB':<20} {'WORKSPACE':<12} {'OCCURRENCE':<11} {'NEXT RUN (workspace time)':<36} UTC")
    for up in upcoming:
        local = up.occurrence.due_at.astimezone(up.zone)
        shown = f"{local:%a %d %b %Y %H:%M} {up.zone.key}"
        print(
            f"{up.job:<20} {up.team_id:<12} {up.occurrence.key:<11} {shown:<36} "
            f"{up.occurrence.due_at:%Y-%m-%d %H:%M}"
        )
    return 0


def run_job(job: str, team_ids: Sequence[str], at: datetime | None) -> int:
    """Run one job now, or as if at `at`, in the given workspaces (all when none), through the ledger."""
    settings = _settings()
    if settings is None:
        return 2
    _configure_logging(settings.log_level)
    moment = at if at is None or at.tzinfo is not None else at.replace(tzinfo=settings.zone)
    services = services_for(settings, clock=(lambda: moment) if moment is not None else utc_now)
    try:
        services.database.upgrade()
        scheduler = Scheduler(timetable(settings), _job_context(settings, services), clock=services.clock)
        ran = scheduler.run_job(job, team_ids)
    except LookupError as unknown:
        print(unknown.args[0], file=sys.stderr)
        return 2
    finally:
        services.database.dispose()
    if not ran:
        print(f"{job} is not scheduled in any workspace asked for (nothing to run)")
    for each in ran:
        print(f"{each.job} {each.occurrence} in {each.team_id}: {each.outcome}")
    return 0


def _add_metrics_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    metrics = commands.add_parser("metrics", help="define the shared metrics and load their values")
    actions = metrics.add_subparsers(dest="metrics_command", required=True)
    which = "the workspace (a Slack team ID, T…); needed when Tandem serves several"
    listing = actions.add_parser("list", help="the workspace's metrics, with their targets and queries")
    listing.add_argument("--workspace", metavar="TEAM_ID", help=which)
    loading = actions.add_parser("load", help="add or update metrics from a YAML file (all or nothing)")
    loading.add_argument("file", metavar="FILE", help="a YAML file, as examples/metrics.yml")
    loading.add_argument("--workspace", metavar="TEAM_ID", help=which)
    importing = actions.add_parser("import", help="load daily values from a CSV file (date, metric, value)")
    importing.add_argument("file", metavar="FILE", help="a CSV file, as examples/metric-values.csv")
    importing.add_argument("--workspace", metavar="TEAM_ID", help=which)
    importing.add_argument(
        "--yes", action="store_true", help="load the good rows without asking when some have problems"
    )


def metrics_command(arguments: argparse.Namespace) -> int:
    """`tandem metrics list|load|import`: the workspace's metrics, from and to files."""
    text = None if arguments.metrics_command == "list" else _read_file(arguments.file)
    if arguments.metrics_command != "list" and text is None:
        return 2
    settings = _settings()
    if settings is None:
        return 2
    services = services_for(settings)
    try:
        services.database.upgrade()
        workspace = _the_workspace(services, arguments.workspace)
        if workspace is None:
            return 2
        if arguments.metrics_command == "list":
            return list_metrics(services.metrics, workspace.key)
        assert text is not None
        if arguments.metrics_command == "load":
            return load_metrics(services.metrics, workspace.key, arguments.file, text)
        return import_metric_values(services.metrics, workspace, arguments.file, text, yes=arguments.yes)
    finally:
        services.database.dispose()


def list_metrics(metrics: Metrics, key: WorkspaceKey) -> int:
    """Print the workspace's metrics in snapshot order: unit, team, rollup, targets and any query."""
    defined = metrics.definitions(key)
    if not defined:
        print(
            f"No metrics in {key.team_id} yet: describe them in a YAML file (see examples/metrics.yml) "
            "and run `tandem metrics load FILE`."
        )
        return 0
    print(f"{'NAME':<14} {'LABEL':<30} {'UNIT':<8} {'TEAM':<10} {'ROLLUP':<8} {'BETTER':<7} MONTH / QUARTER")
    for metric in defined:
        unit = metric.currency if metric.unit is Unit.CURRENCY and metric.currency else metric.unit.value
        better = "higher" if metric.higher_is_better else "lower"
        targets = f"{_figure(metric.monthly_target)} / {_figure(metric.quarterly_target)}"
        print(
            f"{metric.name:<14} {metric.label:<30} {unit:<8} {metric.team.value:<10} "
            f"{metric.rollup.value:<8} {better:<7} {targets}"
        )
        if metric.targets:
            print("    targets: " + ", ".join(f"{t.period} {_figure(t.value)}" for t in metric.targets))
        if metric.query is not None:
            sql = " ".join(metric.query.sql.split())
            print(f"    query on {metric.query.shown_url}: {sql if len(sql) <= 80 else sql[:79] + '…'}")
    return 0


def load_metrics(metrics: Metrics, key: WorkspaceKey, path: str, text: str) -> int:
    """Add or update every metric a YAML file defines, or none, printing every problem."""
    try:
        loaded = metrics.load_definitions(key, parse_definitions(text), None)
    except InvalidDefinitions as invalid:
        print(f"{path}: {_count(len(invalid.problems), 'problem')}; nothing was loaded.", file=sys.stderr)
        for problem in invalid.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    done = [
        f"{len(names)} {what} ({', '.join(names)})"
        for what, names in (("added", loaded.added), ("updated", loaded.updated))
        if names
    ]
    print(f"Loaded {_count(len(loaded.added) + len(loaded.updated), 'metric')}: {', '.join(done)}")
    return 0


def import_metric_values(
    metrics: Metrics, workspace: WorkspaceSettings, path: str, text: str, *, yes: bool
) -> int:
    """Load a CSV's daily values; with problems, only the good rows and only once the person agrees."""
    check = metrics.check_import(workspace.key, text, None, workspace.timezone)
    if check.fatal is not None:
        print(f"{path}: {check.fatal}. Nothing was loaded.", file=sys.stderr)
        return 1
    good, bad = len(check.rows), len(check.problems)
    print(f"{path}: {_count(good, 'row')} to load" + (f", {bad} with problems:" if bad else "."))
    for problem in check.problems:
        print(f"  line {problem.line}: {problem.message}")
    if not check.rows:
        print("Nothing was loaded: no row can be.", file=sys.stderr)
        return 1
    if check.problems and not yes:
        question = f"Load the {_count(good, 'good row')} and skip {bad}? [y/N] "
        if not sys.stdin.isatty():
            print(
                f"Nothing was loaded: run again with --yes to load the {_count(good, 'good row')} "
                f"and skip the {bad} with problems.",
                file=sys.stderr,
            )
            return 1
        try:
            answer = input(question)
        except EOFError:
            answer = ""
        if answer.strip().lower() not in {"y", "yes"}:
            print("Nothing was loaded.")
            return 1
    result = metrics.import_values(workspace.key, check, None)
    replaced = f" ({result.replaced} replaced earlier ones)" if result.replaced else ""
    skipped = f"; skipped {_count(result.skipped, 'row')} with problems" if result.skipped else ""
    print(f"Loaded {_count(result.stored, 'value')}{replaced}{skipped}.")
    return 0


def _read_file(path: str) -> str | None:
    """A file's text (UTF-8, with or without a byte order mark), or None once the problem is said."""
    try:
        with open(path, "rb") as file:
            data = file.read(IMPORT_BYTES_MAX + 1)
    except OSError as error:
        print(f"Can't read {path}: {error.strerror or error}", file=sys.stderr)
        return None
    if len(data) > IMPORT_BYTES_MAX:
        return data.decode("utf-8", errors="replace")  # too big: the check says so, by size
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        print(f'{path} isn\'t UTF-8 text: save it as UTF-8 ("CSV UTF-8" in spreadsheets)', file=sys.stderr)
        return None


def _the_workspace(services: Services, team_id: str | None) -> WorkspaceSettings | None:
    """The workspace named, or the only one Tandem has met; None once the problem is said."""
    known = services.workspaces.all_settings()
    ids = ", ".join(workspace.key.team_id for workspace in known)
    if team_id is not None:
        for workspace in known:
            if workspace.key.team_id == team_id:
                return workspace
        print(
            f"Tandem has not met workspace {team_id}" + (f" (it knows {ids})" if known else ""),
            file=sys.stderr,
        )
        return None
    if len(known) == 1:
        return known[0]
    if not known:
        print(
            "Tandem has met no workspace yet: install it in Slack and use it once, then try again.",
            file=sys.stderr,
        )
    else:
        print(f"Tandem serves {len(known)} workspaces: choose one with --workspace ({ids}).", file=sys.stderr)
    return None


def _figure(value: float | None) -> str:
    if value is None:
        return "-"
    if value.is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _count(number: int, thing: str) -> str:
    return f"{number:,} {thing}{'' if number == 1 else 's'}"


def _job_context(settings: Settings, services: Services) -> JobContext:
    return JobContext(services, web_client(settings), settings, services.ledger, runner_name())


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO date and time such as 2026-11-26T09:00: {text!r}"
        ) from None


def upgrade_database() -> int:
    _configure_logging("INFO")
    Database.at(load_database_url(os.environ)).upgrade()
    log.info("Database is up to date")
    return 0


def run() -> int:
    settings = _settings()
    if settings is None:
        return 2
    _configure_logging(settings.log_level)
    services = services_for(settings)
    try:
        services.database.upgrade()
        app = create_app(settings, services)
        if not _slack_accepts_the_bot_token(app, settings):
            return 2
        # Reminders and notification DMs; stopped (running jobs finished) however serving ends.
        scheduler = start_scheduler(timetable(settings), services, app.client, settings)
        try:
            if settings.slack_app_token is not None:
                return serve_socket_mode(app, settings.slack_app_token.get_secret_value())
            return serve_http(app, services.database, settings)
        except KeyboardInterrupt:
            return 0  # SIGTERM in the instant between starting to serve and serving: still a clean stop
        finally:
            scheduler.shutdown()
    finally:
        services.database.dispose()


def run_sandbox(*, reset: bool) -> int:
    """Tandem against its built-in Slack look-alike, with the page on 127.0.0.1, until stopped."""
    from bot.sandbox.sandbox import Sandbox, SandboxOptions, remove_sandbox
    from bot.sandbox.workspace import tandem_environment

    given = given_values(os.environ)
    _configure_logging(given.get("LOG_LEVEL", "INFO").upper())
    port = given.get("PORT", "3000")
    if not port.isdigit() or int(port) > 65535:
        print(f"PORT must be a port number (0 to 65535), not {port!r}", file=sys.stderr)
        return 2
    if given.get("HOST", "127.0.0.1") not in {"127.0.0.1", "localhost"}:
        log.info("The sandbox listens on 127.0.0.1 only (HOST is for serving Slack)")
    directory = Path(SANDBOX_DIRECTORY)
    try:  # the person's own TANDEM_* settings apply in the sandbox: say what is wrong with them first
        load_settings(
            tandem_environment(
                given,
                api_url="http://127.0.0.1/api/",
                signing_secret="-",  # noqa: S106 - settings checked, never served
                database=directory,
            ),
            env_file=None,
        )
    except SettingsError as error:
        print(
            "Tandem can't start the sandbox:",
            *(f"  - {p}" for p in error.problems),
            sep="\n",
            file=sys.stderr,
        )
        return 2
    if reset:
        remove_sandbox(directory)
    print(
        "No Slack credentials are set, so Tandem starts its offline sandbox: a local page that behaves "
        "like a small Slack workspace."
        if not slack_credentials_given(os.environ)
        else "Starting Tandem's offline sandbox.",
        flush=True,
    )
    fresh = not (directory / "slack.json").is_file()
    if fresh:
        print(
            "Playing a sample week of sales and marketing (issues, digest, metrics, wins, field notes)…",
            flush=True,
        )
    sandbox = Sandbox(SandboxOptions(directory, environ=given, host="127.0.0.1", port=int(port)))
    try:
        sandbox.start()
    except OSError as error:
        print(
            f"Tandem can't listen on 127.0.0.1:{port} ({error.strerror}): set PORT to a free port",
            file=sys.stderr,
        )
        sandbox.stop()
        return 2
    print(
        f"\nTandem's sandbox is ready: open {sandbox.url}/\n"
        f"Its data stays in {directory}/ (never your database); `tandem sandbox --reset` starts over.\n"
        "To connect your Slack workspace, see the README's 'Create the Slack app'. Ctrl-C stops.",
        flush=True,
    )
    _stop_on_sigterm()
    try:
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    finally:
        sandbox.stop()
    return 0


def _slack_accepts_the_bot_token(app: App, settings: Settings) -> bool:
    try:
        identity = app.client.auth_test()
    except SlackApiError as error:
        print(
            f"Slack refused SLACK_BOT_TOKEN ({error.response.get('error')}). {_HOW_TO_SET}", file=sys.stderr
        )
        return False
    except OSError as error:
        print(f"Tandem can't reach Slack at {settings.slack_api_url}: {error}", file=sys.stderr)
        return False
    log.info("Connected to workspace %s as @%s", identity.get("team"), identity.get("user"))
    return True


def serve_http(app: App, database: Database, settings: Settings) -> int:
    """Serve Slack's requests at /slack/events, and /healthz, until stopped."""
    server = HttpServer(wsgi_app(app, database.is_reachable), settings.host, settings.port)
    _stop_on_sigterm()
    log.info(
        "Listening on http://%s:%s%s (health check at %s)",
        settings.host,
        server.port,
        EVENTS_PATH,
        HEALTH_PATH,
    )
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


def serve_socket_mode(app: App, app_token: str) -> int:
    """Connect to Slack over a WebSocket (no public address needed) and serve until stopped."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, app_token)
    try:
        handler.connect()  # type: ignore[no-untyped-call]
    except SlackApiError as error:
        refusal = error.response.get("error")
        print(f"Slack refused SLACK_APP_TOKEN ({refusal}). {_HOW_TO_SET}", file=sys.stderr)
        return 2
    log.info("Connected in Socket Mode")
    _stop_on_sigterm()
    try:
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    finally:
        handler.close()  # type: ignore[no-untyped-call]
    return 0


def _settings() -> Settings | None:
    try:
        return load_settings(os.environ)
    except SettingsError as error:
        print("Tandem can't start yet:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        print(_HOW_TO_SET, file=sys.stderr)
        return None


def _stop_on_sigterm() -> None:
    # Orchestrators stop containers with SIGTERM; leave the way Ctrl-C does.
    def handle(_signal: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handle)


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


if __name__ == "__main__":
    sys.exit(main())
