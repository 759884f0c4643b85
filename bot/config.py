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

from bot.digest import CHANNEL_ID, CLOCK_TIME, USER_ID, DigestDefaults, named_weekday
from bot.metrics import SnapshotDefaults
from bot.scheduling import WEEKDAYS, named_days
from bot.wins import WinsDefaults

DEFAULT_DATABASE_URL = "sqlite:///tandem.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


def _channel_id(value: str | None) -> str | None:
    # Channel ids, not names: names change, and files.upload v2 only takes ids.
    if value is None:
        return None
    if not CHANNEL_ID.match(value):
        raise ValueError(
            "must be a channel ID such as C0123ABCD (in Slack: channel name → "
            "View channel details → the ID at the bottom)"
        )
    return value


ChannelId = Annotated[str | None, AfterValidator(_channel_id)]


def _user_id(value: str | None) -> str | None:
    if value is not None and not USER_ID.match(value):
        raise ValueError("must be a Slack user ID such as U0123ABCD (in Slack: profile → ⋮ → Copy member ID)")
    return value


UserId = Annotated[str | None, AfterValidator(_user_id)]


def _clock_time(value: str) -> str:
    if not CLOCK_TIME.match(value):
        raise ValueError("must be a time of day such as 09:00")
    return value


ClockTime = Annotated[str, AfterValidator(_clock_time)]


def _weekday(value: str) -> str:
    day = named_weekday(value)
    if day is None:
        raise ValueError(f"must be a day named {', '.join(WEEKDAYS)} (or in full, as in thursday)")
    return day


Weekday = Annotated[str, AfterValidator(_weekday)]


def _weekdays(value: str) -> str:
    try:
        named_days(value)
    except ValueError:
        raise ValueError("must name days such as mon-fri or mon,wed,fri") from None
    return value


Weekdays = Annotated[str, AfterValidator(_weekdays)]


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
    reminder_time: ClockTime = "09:00"
    digest_day: Weekday = "thu"
    digest_time: ClockTime = "09:00"
    digest_channel: ChannelId = None  # None: the sales channel
    digest_approval: bool = False
    digest_preview_time: ClockTime = "08:00"
    digest_owner: UserId = None
    digest_editors: tuple[str, ...] = ()
    digest_empty_note: bool = True
    digest_reminder_day: Weekday = "wed"
    digest_reminder_time: ClockTime = "14:00"
    snapshot_days: Weekdays = "mon-fri"
    snapshot_time: ClockTime = "08:30"
    snapshot_charts: bool = True
    metric_query_timeout: float = Field(default=20.0, gt=0, le=300)
    wins_recap_day: Weekday = "fri"
    wins_recap_time: ClockTime = "16:00"
    wins_daily_cap: int = Field(default=10, ge=1, le=100)
    catch_up_hours: int = Field(default=6, ge=1, le=48)
    log_level: str = "INFO"

    @field_validator("admins", "digest_editors", mode="before")
    @classmethod
    def _user_ids(cls, value: object) -> object:
        if isinstance(value, str):
            ids = tuple(part.strip() for part in value.split(",") if part.strip())
            bad = [i for i in ids if not USER_ID.match(i)]
            if bad:
                raise ValueError(f"must be Slack user IDs separated by commas (not {', '.join(bad)})")
            return ids
        return value

    @field_validator("digest_approval", "digest_empty_note", "snapshot_charts", mode="before")
    @classmethod
    def _yes_or_no(cls, value: object) -> object:
        if isinstance(value, str):
            answer = value.strip().lower()
            if answer in {"true", "yes", "on", "1"}:
                return True
            if answer in {"false", "no", "off", "0"}:
                return False
            raise ValueError("must be true or false")
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

    def digest_defaults(self) -> DigestDefaults:
        """The digest settings a workspace uses until an admin saves its own."""
        return DigestDefaults(
            send_day=self.digest_day,
            send_time=self.digest_time,
            channel=self.digest_channel or self.sales_channel,
            approval=self.digest_approval,
            preview_time=self.digest_preview_time,
            owner_id=self.digest_owner,
            editors=self.digest_editors,
            empty_note=self.digest_empty_note,
            reminder_day=self.digest_reminder_day,
            reminder_time=self.digest_reminder_time,
            reminder_channel=self.marketing_channel,
        )

    def wins_defaults(self) -> WinsDefaults:
        """The wins settings a workspace uses until an admin saves its own."""
        return WinsDefaults(
            channel=self.wins_channel,
            recap_day=self.wins_recap_day,
            recap_time=self.wins_recap_time,
            daily_cap=self.wins_daily_cap,
        )

    def snapshot_defaults(self) -> SnapshotDefaults:
        """The metric snapshot's settings a workspace uses until an admin saves its own."""
        return SnapshotDefaults(
            channel=self.metrics_channel,
            days=named_days(self.snapshot_days),
            time=self.snapshot_time,
            charts=self.snapshot_charts,
        )


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
    "TANDEM_DIGEST_DAY": "digest_day",
    "TANDEM_DIGEST_TIME": "digest_time",
    "TANDEM_DIGEST_CHANNEL": "digest_channel",
    "TANDEM_DIGEST_APPROVAL": "digest_approval",
    "TANDEM_DIGEST_PREVIEW_TIME": "digest_preview_time",
    "TANDEM_DIGEST_OWNER": "digest_owner",
    "TANDEM_DIGEST_EDITORS": "digest_editors",
    "TANDEM_DIGEST_EMPTY_NOTE": "digest_empty_note",
    "TANDEM_DIGEST_REMINDER_DAY": "digest_reminder_day",
    "TANDEM_DIGEST_REMINDER_TIME": "digest_reminder_time",
    "TANDEM_SNAPSHOT_DAYS": "snapshot_days",
    "TANDEM_SNAPSHOT_TIME": "snapshot_time",
    "TANDEM_SNAPSHOT_CHARTS": "snapshot_charts",
    "TANDEM_METRIC_QUERY_TIMEOUT": "metric_query_timeout",
    "TANDEM_WINS_RECAP_DAY": "wins_recap_day",
    "TANDEM_WINS_RECAP_TIME": "wins_recap_time",
    "TANDEM_WINS_DAILY_CAP": "wins_daily_cap",
    "TANDEM_CATCH_UP_HOURS": "catch_up_hours",
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


def given_values(environ: Mapping[str, str], env_file: Path | None = Path(".env")) -> dict[str, str]:
    """The settings' variables that are set (`.env` overlaid by the environment), unchecked."""
    return _given(environ, env_file)


def slack_credentials_given(environ: Mapping[str, str], env_file: Path | None = Path(".env")) -> bool:
    """Whether any Slack credential is set: with none, `tandem run` starts the offline sandbox."""
    given = _given(environ, env_file)
    return any(name in given for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"))


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
