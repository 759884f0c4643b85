"""The sandbox's sample workspace: its people, user groups and channels, and the settings Tandem runs
with there (its channels, admins and digest editors, on the sandbox's own SQLite file)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEAM_ID = "T0SANDBOX"
TEAM_NAME = "Acme Sandbox"
BOT_TOKEN = "xoxb-sandbox-0000-tandem"  # noqa: S105 - the look-alike's own token, never Slack's
DEFAULT_TIMEZONE = "Europe/London"

SALES, MARKETING, TRACKER = "C0SALES01", "C0MRKTNG1", "C0TRACKER"
METRICS, WINS, FIELD_NOTES = "C0METRICS", "C0WINS001", "C0FIELD01"
MAYA, ANA, RAJ = "U0MAYA", "U0ANA", "U0RAJ"
BEN, CHLOE, TOM = "U0BEN", "U0CHLOE", "U0TOM"
SALES_GROUP, MARKETING_GROUP = "S0SALES", "S0MARKETING"


@dataclass(frozen=True)
class Person:
    """Someone in the sample workspace the page lets you act as."""

    user_id: str
    name: str
    real_name: str
    title: str
    team: str  # "sales" or "marketing"
    admin: bool = False
    timezone: str | None = None  # None: the workspace's


PEOPLE = (
    Person(MAYA, "maya", "Maya Okafor", "VP Sales", "sales", admin=True),
    Person(ANA, "ana", "Ana García", "Account Executive", "sales"),
    Person(RAJ, "raj", "Raj Patel", "Sales Development Rep", "sales"),
    Person(BEN, "ben", "Ben Carter", "Head of Marketing", "marketing", admin=True),
    Person(CHLOE, "chloe", "Chloé Martin", "Product Marketing Manager", "marketing"),
    Person(TOM, "tom", "Tom Becker", "Field Marketing Manager", "marketing", timezone="America/New_York"),
)

# Sidebar order: where the teams talk first, then Tandem's own channels.
CHANNELS = (
    (SALES, "sales", "Deals, pipeline and the Thursday digest from marketing"),
    (MARKETING, "marketing", "Campaigns, content and what sales asked for"),
    (TRACKER, "tandem-tracker", "Shared issues between sales and marketing"),
    (METRICS, "metrics", "The shared metrics, every working morning"),
    (WINS, "wins", "Celebrate wins and thank the people behind them"),
    (FIELD_NOTES, "field-notes", "What we heard from customers in the field"),
)


def people_directory(timezone: str) -> dict[str, dict[str, Any]]:
    """`users.info` fields of the sample people, for the look-alike."""
    directory: dict[str, dict[str, Any]] = {}
    for person in PEOPLE:
        zone = person.timezone or timezone
        directory[person.user_id] = {
            "name": person.name,
            "real_name": person.real_name,
            "title": person.title,
            "tz": zone,
            # Slack's maintained workspace admins: Maya administers Slack itself; Ben is a Tandem admin.
            "is_admin": person.user_id == MAYA,
        }
    return directory


def channel_directory() -> dict[str, dict[str, Any]]:
    """`conversations.info` fields of the sample channels (everyone, the bot included, in each)."""
    return {
        cid: {"name": name, "purpose": {"value": purpose, "creator": "", "last_set": 0}}
        for cid, name, purpose in CHANNELS
    }


def usergroup_directory() -> dict[str, dict[str, Any]]:
    def members(team: str) -> list[str]:
        return [p.user_id for p in PEOPLE if p.team == team]

    return {
        SALES_GROUP: {"name": "Sales team", "handle": "sales-team", "users": members("sales")},
        MARKETING_GROUP: {
            "name": "Marketing team",
            "handle": "marketing-team",
            "users": members("marketing"),
        },
    }


def tandem_environment(
    environ: Mapping[str, str], *, api_url: str, signing_secret: str, database: Path
) -> dict[str, str]:
    """Tandem's settings in the sandbox: the person's own TANDEM_* choices (timezone, schedules) kept,
    Slack's address, secrets, channels, admins and the database always the sandbox's."""
    kept = {key: value for key, value in environ.items() if key.startswith("TANDEM_")}
    return {
        **kept,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": signing_secret,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": f"sqlite:///{database}",
        "TANDEM_TIMEZONE": environ.get("TANDEM_TIMEZONE") or DEFAULT_TIMEZONE,
        "TANDEM_TRACKER_CHANNEL": TRACKER,
        "TANDEM_SALES_CHANNEL": SALES,
        "TANDEM_MARKETING_CHANNEL": MARKETING,
        "TANDEM_METRICS_CHANNEL": METRICS,
        "TANDEM_WINS_CHANNEL": WINS,
        "TANDEM_FIELD_NOTES_CHANNEL": FIELD_NOTES,
        "TANDEM_DIGEST_CHANNEL": SALES,
        "TANDEM_ADMINS": BEN,
        "TANDEM_DIGEST_EDITORS": f"{BEN},{CHLOE}",
        "TANDEM_DIGEST_APPROVAL": "false",
        "LOG_LEVEL": environ.get("LOG_LEVEL", "INFO"),
    }
