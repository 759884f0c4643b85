"""Settings: every problem reported at once, secrets never shown."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE_URL, SettingsError, load_database_url, load_settings

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
