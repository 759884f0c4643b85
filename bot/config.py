"""Settings: read once by the composition root, validated all at once, secrets kept out of logs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

DEFAULT_DATABASE_URL = "sqlite:///tandem.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")


def _channel_id(value: str | None) -> str | None:
    # Channel ids, not names: names change, and files.upload v2 only takes ids.
    if value is None:
        return None
    if not _CHANNEL_ID.match(value):
        raise ValueError(
            "must be a channel ID such as C0123ABCD (in Slack: channel name → "
            "View channel details → the ID at the bottom)"
        )
    return value


ChannelId = Annotated[str | None, AfterValidator(_channel_id)]


class Settings(BaseModel):
    """Everything Tandem needs to start; one field per documented environment variable."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slack_bot_token: SecretStr
    slack_signing_secret: SecretStr
    slack_app_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
    host: str = "0.0.0.0"  # noqa: S104 - a server must listen beyond loopback in production
    port: int = Field(default=3000, ge=0, le=65535)  # 0: any free port, printed on start
    timezone: str = "UTC"
    tracker_channel: ChannelId = None
    sales_channel: ChannelId = None
    marketing_channel: ChannelId = None
    wins_channel: ChannelId = None
    field_notes_channel: ChannelId = None
    metrics_channel: ChannelId = None
    admins: tuple[str, ...] = ()
    stale_after_days: int = Field(default=5, ge=1, le=365)
    reminder_time: str = "09:00"
    log_level: str = "INFO"

    @field_validator("admins", mode="before")
    @classmethod
    def _user_ids(cls, value: object) -> object:
        if isinstance(value, str):
            ids = tuple(part.strip() for part in value.split(",") if part.strip())
            bad = [i for i in ids if not re.match(r"^[UW][A-Z0-9]{2,}$", i)]
            if bad:
                raise ValueError(f"must be Slack user IDs separated by commas (not {', '.join(bad)})")
            return ids
        return value

    @field_validator("reminder_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", value):
            raise ValueError("must be a time of day such as 09:00")
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb- (OAuth & Permissions page)")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp- (Basic Information page)")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA timezone name such as Europe/Paris") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# Environment variable for each setting; the README's table lists the same names.
ENVIRONMENT: dict[str, str] = {
    "SLACK_BOT_TOKEN": "slack_bot_token",
    "SLACK_SIGNING_SECRET": "slack_signing_secret",
    "SLACK_APP_TOKEN": "slack_app_token",
    "SLACK_API_URL": "slack_api_url",
    "DATABASE_URL": "database_url",
    "HOST": "host",
    "PORT": "port",
    "TANDEM_TIMEZONE": "timezone",
    "TANDEM_TRACKER_CHANNEL": "tracker_channel",
    "TANDEM_SALES_CHANNEL": "sales_channel",
    "TANDEM_MARKETING_CHANNEL": "marketing_channel",
    "TANDEM_WINS_CHANNEL": "wins_channel",
    "TANDEM_FIELD_NOTES_CHANNEL": "field_notes_channel",
    "TANDEM_METRICS_CHANNEL": "metrics_channel",
    "TANDEM_ADMINS": "admins",
    "TANDEM_STALE_AFTER_DAYS": "stale_after_days",
    "TANDEM_REMINDER_TIME": "reminder_time",
    "LOG_LEVEL": "log_level",
}
_VARIABLE_FOR = {field: variable for variable, field in ENVIRONMENT.items()}


class SettingsError(Exception):
    """Every problem with the settings, each naming its environment variable."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def load_settings(environ: Mapping[str, str], env_file: Path | None = Path(".env")) -> Settings:
    """Settings from a `.env` file overlaid by the environment; raises SettingsError listing all."""
    fields = {ENVIRONMENT[variable]: value for variable, value in _given(environ, env_file).items()}
    try:
        return Settings.model_validate(fields)
    except ValidationError as error:
        raise SettingsError([_describe(problem) for problem in error.errors()]) from None


def load_database_url(environ: Mapping[str, str], env_file: Path | None = Path(".env")) -> str:
    """Just DATABASE_URL, for commands that need no Slack credentials."""
    return _given(environ, env_file).get("DATABASE_URL", DEFAULT_DATABASE_URL)


def _given(environ: Mapping[str, str], env_file: Path | None) -> dict[str, str]:
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(environ)
    return {
        variable: value.strip()
        for variable in ENVIRONMENT
        if (value := values.get(variable)) is not None and value.strip() != ""
    }


def _describe(problem: Mapping[str, Any]) -> str:
    field = str(problem["loc"][0]) if problem["loc"] else ""
    variable = _VARIABLE_FOR.get(field, field)
    if problem["type"] == "missing":
        return f"{variable} is not set"
    message = str(problem["msg"]).removeprefix("Value error, ")
    return f"{variable} {message}" if message[:1].islower() else f"{variable}: {message}"
