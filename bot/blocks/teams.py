"""Teams in Slack: App Home's "Your team" and admin parts, and the team setup form (builder, ids, parser)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    ConversationFilter,
    ConversationMultiSelectElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.text import cut, escape
from bot.people import MappedSource, Membership, Team, TeamSourceKind

CHOOSE_ACTION_PREFIX = "teams.choose."
CHOOSE_ACTION = re.compile(r"^teams\.choose\.(sales|marketing|other)$")
OPEN_SETUP_ACTION = "teams.open_setup"
SETUP_FORM = "teams.setup"
MAPPED_TEAMS = (Team.SALES, Team.MARKETING)
CHANNELS_PER_TEAM = 5
GROUP_OPTIONS_MAX = 100  # a static select holds at most 100 options, "No user group" included
_NO_GROUP = "none"
_OPTION_TEXT_MAX = 75


def choose_action_id(team: Team) -> str:
    return f"{CHOOSE_ACTION_PREFIX}{team.value}"


# App Home parts


def your_team(team: Team | None) -> list[Block]:
    """Your team on App Home: shown when known, else three buttons to choose it (once)."""
    if team is not None:
        shows = (
            "neither sales nor marketing"
            if team is Team.OTHER
            else f"what you raise shows as raised by {team.label}"
        )
        text = f":busts_in_silhouette: You're on *{team.label}*: {shows}."
        return [SectionBlock(block_id="teams.yours", text=MarkdownTextObject(text=text))]
    text = (
        "*Which team are you on?* Tandem shows it next to the issues you raise. "
        "You choose once; after that a Tandem admin can change it."
    )
    return [
        SectionBlock(block_id="teams.yours", text=MarkdownTextObject(text=text)),
        ActionsBlock(
            block_id="teams.choose",
            elements=[
                ButtonElement(text=team.label, action_id=choose_action_id(team), value=team.value)
                for team in Team
            ],
        ),
    ]


def admin_section(sources: Sequence[MappedSource], members: Sequence[Membership]) -> list[Block]:
    """What admins see on App Home: where each team comes from, how many people it has, and setup."""
    counts = Counter(m.team for m in members)
    lines = ["*Teams* (you're a Tandem admin)"]
    for team in Team:
        mine = sorted(
            (s for s in sources if s.team is team),
            key=lambda s: (s.kind is TeamSourceKind.CHANNEL, s.slack_id),
        )
        mapped = [_source_name(s.kind, s.slack_id) for s in mine]
        origin = f" from {', '.join(mapped)}" if mapped else ""
        lines.append(f"{team.label}: {_people(counts[team])}{origin}")
    synced = [s.synced_at for s in sources if s.synced_at is not None]
    note = (
        "Mapped user groups and channels are read again every day."
        if synced
        else "Map a user group or a channel to each team, or place people directly."
    )
    return [
        SectionBlock(
            block_id="teams.admin",
            text=MarkdownTextObject(text="\n".join(lines)),
            accessory=ButtonElement(text="Set up teams", action_id=OPEN_SETUP_ACTION),
        ),
        ContextBlock(elements=[MarkdownTextObject(text=note)]),
    ]


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def _source_name(kind: TeamSourceKind, slack_id: str) -> str:
    # Mentions in a view notify nobody; they render as the group's handle and the channel's name.
    if kind is TeamSourceKind.USERGROUP:
        return f"<!subteam^{slack_id}>"
    return f"<#{slack_id}>"


# The setup form: one place for its ids, its builder, its parser and its checks.


@dataclass(frozen=True)
class UserGroup:
    """A user group an admin can pick, as usergroups.list describes it."""

    id: str
    name: str
    handle: str


@dataclass(frozen=True)
class TeamSetup:
    """What the setup form holds: each team's user group and channels, and people placed directly."""

    groups: Mapping[Team, str] = field(default_factory=dict)
    channels: Mapping[Team, tuple[str, ...]] = field(default_factory=dict)
    people: Mapping[Team, tuple[str, ...]] = field(default_factory=dict)

    def sources(self) -> dict[tuple[TeamSourceKind, str], Team]:
        """Each user group and channel chosen, with the team it makes up."""
        chosen: dict[tuple[TeamSourceKind, str], Team] = {}
        for team in MAPPED_TEAMS:
            for channel in self.channels.get(team, ()):
                chosen[(TeamSourceKind.CHANNEL, channel)] = team
            if team in self.groups:
                chosen[(TeamSourceKind.USERGROUP, self.groups[team])] = team
        return chosen

    @classmethod
    def now(cls, sources: Sequence[MappedSource], members: Sequence[Membership]) -> TeamSetup:
        """The setup as stored: mapped sources, and the people an admin placed."""
        return cls(
            groups={s.team: s.slack_id for s in sources if s.kind is TeamSourceKind.USERGROUP},
            channels={
                team: tuple(
                    s.slack_id for s in sources if s.kind is TeamSourceKind.CHANNEL and s.team is team
                )
                for team in MAPPED_TEAMS
            },
            people={
                team: tuple(m.user_id for m in members if m.source == "admin" and m.team is team)
                for team in Team
            },
        )


def _block(team: Team, part: str) -> str:
    return f"{SETUP_FORM}.{team.value}.{part}"


def setup_form(
    current: TeamSetup, groups: Sequence[UserGroup] | None, *, home_state: str = "", groups_problem: str = ""
) -> View:
    """The modal admins set up teams in; `groups` is None when Slack's user groups can't be read."""
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text="Tandem puts people on *Sales* or *Marketing* from a user group, from the members "
                "of channels, or directly. People you place directly stay where you put them; to move "
                "one, add them under their new team. Groups and channels are read again every day."
            )
        )
    ]
    if groups is None:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=groups_problem or _NO_GROUPS)]))
    for team in Team:
        blocks.append(HeaderBlock(text=PlainTextObject(text=team.label)))
        if team in MAPPED_TEAMS:
            if groups is not None:
                blocks.append(_group_input(team, groups, current.groups.get(team)))
            blocks.append(
                InputBlock(
                    block_id=_block(team, "channels"),
                    label=f"Members of these channels are on {team.label}",
                    optional=True,
                    element=ConversationMultiSelectElement(
                        action_id="value",
                        placeholder="Choose channels",
                        initial_conversations=list(current.channels.get(team, ())) or None,
                        max_selected_items=CHANNELS_PER_TEAM,
                        filter=ConversationFilter(
                            include=["public", "private"],
                            exclude_bot_users=True,
                            exclude_external_shared_channels=True,
                        ),
                    ),
                    hint="Tandem must be in a private channel to read its members.",
                )
            )
        blocks.append(
            InputBlock(
                block_id=_block(team, "people"),
                label=f"People on {team.label}, whatever else says",
                optional=True,
                element=UserMultiSelectElement(
                    action_id="value",
                    placeholder="Choose people",
                    initial_users=list(current.people.get(team, ())) or None,
                ),
            )
        )
    return View(
        type="modal",
        callback_id=SETUP_FORM,
        title=PlainTextObject(text="Set up teams"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=home_state,
        blocks=blocks,
    )


_NO_GROUPS = "No user groups to choose from here (they come with paid Slack plans): map channels instead."


def _group_input(team: Team, groups: Sequence[UserGroup], chosen: str | None) -> InputBlock:
    none = Option(value=_NO_GROUP, text="No user group")
    options = [none] + [
        Option(value=g.id, text=cut(f"@{g.handle} ({g.name})", _OPTION_TEXT_MAX))
        for g in sorted(groups, key=lambda g: g.handle.lower())
    ]
    if chosen and all(o.value != chosen for o in options):
        # Mapped before, but Slack no longer lists it (disabled or deleted): keep it choosable.
        options.insert(1, Option(value=chosen, text="A user group Slack no longer lists"))
    hint = None
    if len(options) > GROUP_OPTIONS_MAX:
        keep = {_NO_GROUP, chosen}
        kept = [o for o in options if o.value in keep]
        options = kept + [o for o in options if o.value not in keep][: GROUP_OPTIONS_MAX - len(kept)]
        hint = f"Showing {GROUP_OPTIONS_MAX - 1} of {len(groups)} user groups."
    return InputBlock(
        block_id=_block(team, "group"),
        label=f"Members of this user group are on {team.label}",
        optional=True,
        element=StaticSelectElement(
            action_id="value",
            options=options,
            initial_option=next((o for o in options if o.value == chosen), none),
        ),
        hint=hint,
    )


def read_setup_form(values: Mapping[str, Mapping[str, Mapping[str, Any]]], current: TeamSetup) -> TeamSetup:
    """The setup a submitted form holds (its `view.state.values`).

    A user group field the form did not show (Slack would not list groups) keeps `current`'s
    group, so a passing failure never unmaps one.
    """

    def value(team: Team, part: str) -> Mapping[str, Any]:
        return values.get(_block(team, part), {}).get("value", {})

    groups: dict[Team, str] = {}
    for team in MAPPED_TEAMS:
        if _block(team, "group") not in values:
            if team in current.groups:
                groups[team] = current.groups[team]
            continue
        chosen = (value(team, "group").get("selected_option") or {}).get("value")
        if chosen and chosen != _NO_GROUP:
            groups[team] = str(chosen)
    return TeamSetup(
        groups=groups,
        channels={
            team: tuple(dict.fromkeys(value(team, "channels").get("selected_conversations") or []))
            for team in MAPPED_TEAMS
        },
        people={
            team: tuple(dict.fromkeys(value(team, "people").get("selected_users") or [])) for team in Team
        },
    )


def setup_problems(setup: TeamSetup) -> dict[str, str]:
    """What is wrong with a submitted setup, keyed by block id as `response_action: errors` wants.

    Leaving someone out of every team's people takes them off the team an admin had set.
    """
    problems: dict[str, str] = {}
    sales, marketing = Team.SALES, Team.MARKETING
    if setup.groups.get(sales) and setup.groups.get(sales) == setup.groups.get(marketing):
        problems[_block(marketing, "group")] = (
            "This user group is chosen for Sales too. A group makes up one team."
        )
    if set(setup.channels.get(sales, ())) & set(setup.channels.get(marketing, ())):
        problems[_block(marketing, "channels")] = (
            "A channel here is chosen for Sales too. A channel makes up one team."
        )
    seen: dict[str, Team] = {}
    for team in Team:
        twice = [p for p in setup.people.get(team, ()) if p in seen]
        if twice:
            problems[_block(team, "people")] = (
                f"Someone here is also on {seen[twice[0]].label} in this form. Put each person on one team."
            )
        seen.update({p: team for p in setup.people.get(team, ()) if p not in seen})
    return problems


def not_an_admin_problem(view: Mapping[str, Any]) -> dict[str, str]:
    """The refusal a non-admin's submission gets, under the form's first field."""
    inputs = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input" and b.get("block_id")]
    return {inputs[0]: NOT_AN_ADMIN} if inputs else {}


NOT_AN_ADMIN = "Only Tandem's admins set up teams. Ask a workspace admin or owner."


@dataclass(frozen=True)
class SyncProblem:
    """A mapped group or channel whose members could not be read, and Slack's reason."""

    kind: TeamSourceKind
    slack_id: str
    error: str


_SYNC_ADVICE = {
    "channel_not_found": "Tandem can't see it. If it's private, invite @Tandem there, then save again.",
    "no_such_subteam": "that user group no longer exists. Choose another one.",
    "missing_scope": "Tandem lacks a permission for it. Ask whoever installed Tandem to reinstall it.",
    "plan_upgrade_required": "user groups need a paid Slack plan. Map channels instead.",
    "ratelimited": "Slack asked Tandem to slow down. It will try again tomorrow.",
}


def saved_notice(members: Sequence[Membership], problems: Sequence[SyncProblem]) -> str:
    """What an admin reads on App Home after saving the setup (mrkdwn we wrote)."""
    counts = Counter(m.team for m in members)
    summary = ", ".join(f"{team.label} {_people(counts[team])}" for team in Team)
    lines = [f":white_check_mark: Teams saved: {summary}."]
    for problem in problems:
        where = _source_name(problem.kind, problem.slack_id)
        advice = _SYNC_ADVICE.get(
            problem.error, f"Slack said {escape(problem.error)}. Try saving again later."
        )
        lines.append(f":warning: Couldn't read the members of {where}: {advice}")
    return "\n".join(lines)
