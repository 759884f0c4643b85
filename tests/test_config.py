"""Settings: every problem reported at once, secrets never shown."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import (
    DEFAULT_DATABASE_URL,
    ENVIRONMENT,
    SettingsError,
    load_database_url,
    load_settings,
)
from bot.digest import DigestDefaults
from bot.metrics import SnapshotDefaults
from bot.wins import WinsDefaults

REQUIRED = {"SLACK_BOT_TOKEN": "xoxb-1-secret-token", "SLACK_SIGNING_SECRET": "shh-signing-secret"}


def test_defaults_fill_what_is_not_set() -> None:
    settings = load_settings(REQUIRED, env_file=None)
    assert settings.port == 3000
    assert settings.database_url.get_secret_value() == DEFAULT_DATABASE_URL
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.timezone == "UTC"
    assert settings.slack_app_token is None
    assert settings.tracker_channel is None


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as failed:
        load_settings(
            {
                "SLACK_BOT_TOKEN": "xoxp-user-token",
                "SLACK_APP_TOKEN": "xoxb-not-an-app-token",
                "PORT": "99999",
                "TANDEM_TIMEZONE": "Mars/Olympus",
                "TANDEM_TRACKER_CHANNEL": "#tracker",
                "SLACK_API_URL": "slack.com",
            },
            env_file=None,
        )
    problems = failed.value.problems
    assert [p.split()[0].rstrip(":") for p in problems] == [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "PORT",
        "TANDEM_TIMEZONE",
        "TANDEM_TRACKER_CHANNEL",
    ]
    assert "SLACK_SIGNING_SECRET is not set" in problems
    assert "xoxb-not-an-app-token" not in str(failed.value)


def test_secrets_stay_out_of_reprs_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    settings = load_settings(
        {**REQUIRED, "DATABASE_URL": "postgresql+psycopg://tandem:hunter2@db/tandem"}, env_file=None
    )
    with caplog.at_level(logging.INFO):
        logging.getLogger("tandem").info("settings: %s %r", settings, settings)
    for shown in (repr(settings), str(settings), caplog.text):
        assert "secret-token" not in shown
        assert "shh-signing" not in shown
        assert "hunter2" not in shown


def test_the_environment_overrides_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_SIGNING_SECRET=from-file\nPORT=4000\n"
        "TANDEM_TRACKER_CHANNEL=C0TRACKER\nDATABASE_URL=sqlite:///file.db\n"
    )
    settings = load_settings({"PORT": "5000", "SLACK_APP_TOKEN": ""}, env_file=env_file)
    assert settings.port == 5000
    assert settings.slack_bot_token.get_secret_value() == "xoxb-from-file"
    assert settings.tracker_channel == "C0TRACKER"
    assert settings.slack_app_token is None  # an empty value counts as unset
    assert load_database_url({}, env_file=env_file) == "sqlite:///file.db"
    assert load_database_url({}, env_file=None) == DEFAULT_DATABASE_URL


def test_the_api_url_always_ends_with_a_slash() -> None:
    settings = load_settings({**REQUIRED, "SLACK_API_URL": "https://slack-gov.com/api"}, env_file=None)
    assert settings.slack_api_url == "https://slack-gov.com/api/"


def test_the_digest_defaults_to_thursday_morning_in_the_sales_channel() -> None:
    settings = load_settings(
        {**REQUIRED, "TANDEM_SALES_CHANNEL": "C0SALES", "TANDEM_MARKETING_CHANNEL": "C0MARKETING"},
        env_file=None,
    )
    assert settings.catch_up_hours == 6
    assert settings.digest_defaults() == DigestDefaults(
        send_day="thu",
        send_time="09:00",
        channel="C0SALES",
        approval=False,
        preview_time="08:00",
        owner_id=None,
        editors=(),
        empty_note=True,
        reminder_day="wed",
        reminder_time="14:00",
        reminder_channel="C0MARKETING",
    )


def test_every_digest_setting_is_read() -> None:
    settings = load_settings(
        {
            **REQUIRED,
            "TANDEM_SALES_CHANNEL": "C0SALES",
            "TANDEM_DIGEST_DAY": "Tuesday",
            "TANDEM_DIGEST_TIME": "16:30",
            "TANDEM_DIGEST_CHANNEL": "C0DIGEST",
            "TANDEM_DIGEST_APPROVAL": "yes",
            "TANDEM_DIGEST_PREVIEW_TIME": "15:00",
            "TANDEM_DIGEST_OWNER": "U0OWEN",
            "TANDEM_DIGEST_EDITORS": "U0ANA, U0BEN",
            "TANDEM_DIGEST_EMPTY_NOTE": "false",
            "TANDEM_DIGEST_REMINDER_DAY": "MON",
            "TANDEM_DIGEST_REMINDER_TIME": "10:00",
            "TANDEM_CATCH_UP_HOURS": "48",
        },
        env_file=None,
    )
    assert settings.catch_up_hours == 48
    assert settings.digest_defaults() == DigestDefaults(
        send_day="tue",
        send_time="16:30",
        channel="C0DIGEST",
        approval=True,
        preview_time="15:00",
        owner_id="U0OWEN",
        editors=("U0ANA", "U0BEN"),
        empty_note=False,
        reminder_day="mon",
        reminder_time="10:00",
        reminder_channel=None,
    )


def test_bad_digest_settings_are_reported_each_by_name() -> None:
    with pytest.raises(SettingsError) as failed:
        load_settings(
            {
                **REQUIRED,
                "TANDEM_DIGEST_DAY": "thursdays",
                "TANDEM_DIGEST_TIME": "9am",
                "TANDEM_DIGEST_CHANNEL": "#sales",
                "TANDEM_DIGEST_APPROVAL": "maybe",
                "TANDEM_DIGEST_PREVIEW_TIME": "24:00",
                "TANDEM_DIGEST_OWNER": "owen",
                "TANDEM_DIGEST_EDITORS": "U0ANA,bob",
                "TANDEM_DIGEST_EMPTY_NOTE": "sometimes",
                "TANDEM_DIGEST_REMINDER_DAY": "weekday",
                "TANDEM_DIGEST_REMINDER_TIME": "14h",
                "TANDEM_CATCH_UP_HOURS": "49",
            },
            env_file=None,
        )
    a_day = "must be a day named mon, tue, wed, thu, fri, sat, sun (or in full, as in thursday)"
    a_user = "must be a Slack user ID such as U0123ABCD (in Slack: profile → ⋮ → Copy member ID)"
    assert failed.value.problems == [
        f"TANDEM_DIGEST_DAY {a_day}",
        "TANDEM_DIGEST_TIME must be a time of day such as 09:00",
        "TANDEM_DIGEST_CHANNEL must be a channel ID such as C0123ABCD (in Slack: channel name → "
        "View channel details → the ID at the bottom)",
        "TANDEM_DIGEST_APPROVAL must be true or false",
        "TANDEM_DIGEST_PREVIEW_TIME must be a time of day such as 09:00",
        f"TANDEM_DIGEST_OWNER {a_user}",
        "TANDEM_DIGEST_EDITORS must be Slack user IDs separated by commas (not bob)",
        "TANDEM_DIGEST_EMPTY_NOTE must be true or false",
        f"TANDEM_DIGEST_REMINDER_DAY {a_day}",
        "TANDEM_DIGEST_REMINDER_TIME must be a time of day such as 09:00",
        "TANDEM_CATCH_UP_HOURS: Input should be less than or equal to 48",
    ]


@pytest.mark.parametrize("hours", ["0", "-1", "six"])
def test_the_catch_up_window_is_a_whole_number_of_hours_from_1_to_48(hours: str) -> None:
    with pytest.raises(SettingsError) as failed:
        load_settings({**REQUIRED, "TANDEM_CATCH_UP_HOURS": hours}, env_file=None)
    [problem] = failed.value.problems
    assert problem.startswith("TANDEM_CATCH_UP_HOURS")


def test_the_readme_and_the_example_file_name_every_setting() -> None:
    root = Path(__file__).resolve().parent.parent
    table = (root / "README.md").read_text().split("\n## Settings\n")[1].split("\n## ")[0]
    rows = {line.split("`")[1] for line in table.splitlines() if line.startswith("| `")}
    assert rows == set(ENVIRONMENT)
    example = (root / ".env.example").read_text()
    named = {line.lstrip("# ").split("=")[0] for line in example.splitlines() if "=" in line}
    assert named <= set(ENVIRONMENT)


def test_the_metric_snapshot_defaults_to_weekday_mornings_with_a_chart() -> None:
    settings = load_settings({**REQUIRED, "TANDEM_METRICS_CHANNEL": "C0METRICS"}, env_file=None)
    assert settings.snapshot_defaults() == SnapshotDefaults(
        channel="C0METRICS", days=("mon", "tue", "wed", "thu", "fri"), time="08:30", charts=True
    )
    assert settings.metric_query_timeout == 20.0


def test_every_snapshot_setting_is_read() -> None:
    settings = load_settings(
        {
            **REQUIRED,
            "TANDEM_SNAPSHOT_DAYS": "fri-mon",
            "TANDEM_SNAPSHOT_TIME": "07:45",
            "TANDEM_SNAPSHOT_CHARTS": "off",
            "TANDEM_METRIC_QUERY_TIMEOUT": "2.5",
        },
        env_file=None,
    )
    assert settings.snapshot_defaults() == SnapshotDefaults(
        channel=None, days=("mon", "fri", "sat", "sun"), time="07:45", charts=False
    )
    assert settings.metric_query_timeout == 2.5


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("TANDEM_SNAPSHOT_DAYS", "weekdays", "TANDEM_SNAPSHOT_DAYS must name days such as mon-fri"),
        ("TANDEM_SNAPSHOT_TIME", "8.30", "TANDEM_SNAPSHOT_TIME must be a time of day such as 09:00"),
        ("TANDEM_SNAPSHOT_CHARTS", "maybe", "TANDEM_SNAPSHOT_CHARTS must be true or false"),
        ("TANDEM_METRIC_QUERY_TIMEOUT", "0", "TANDEM_METRIC_QUERY_TIMEOUT"),
    ],
)
def test_a_bad_snapshot_setting_is_named(variable: str, value: str, problem: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({**REQUIRED, variable: value}, env_file=None)
    assert any(p.startswith(problem) for p in raised.value.problems), raised.value.problems


def test_wins_default_to_a_friday_recap_and_ten_a_day() -> None:
    settings = load_settings({**REQUIRED, "TANDEM_WINS_CHANNEL": "C0WINSCH"}, env_file=None)
    assert settings.wins_defaults() == WinsDefaults(
        channel="C0WINSCH", recap_day="fri", recap_time="16:00", daily_cap=10
    )
    chosen = load_settings(
        {
            **REQUIRED,
            "TANDEM_WINS_RECAP_DAY": "Monday",
            "TANDEM_WINS_RECAP_TIME": "11:15",
            "TANDEM_WINS_DAILY_CAP": "3",
        },
        env_file=None,
    )
    assert chosen.wins_defaults() == WinsDefaults(
        channel=None, recap_day="mon", recap_time="11:15", daily_cap=3
    )
    with pytest.raises(SettingsError) as raised:
        load_settings({**REQUIRED, "TANDEM_WINS_DAILY_CAP": "0"}, env_file=None)
    assert raised.value.problems[0].startswith("TANDEM_WINS_DAILY_CAP")
