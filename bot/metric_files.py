"""Metric definitions from a YAML file and daily values from a CSV file, each read in full so that a
person sees every problem in one go (by line), never the first one only."""

from __future__ import annotations

import contextlib
import csv
import difflib
import io
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.metrics import (
    IMPORT_BYTES_MAX,
    IMPORT_ROWS_MAX,
    METRICS_MAX,
    InvalidDefinitions,
    LineProblem,
    MetricDraft,
    MetricQuery,
    MetricTeam,
    Rollup,
    Target,
    Unit,
    problems_with,
)

FIELDS = (
    "name",
    "label",
    "unit",
    "currency",
    "team",
    "rollup",
    "higher_is_better",
    "targets",
    "query",
    "description",
)
QUERY_FIELDS = ("sql", "url")
DEFAULT_TARGETS = ("month", "quarter")  # every month's and quarter's, unless a period is named
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
DAY = re.compile(r"^\d{4}-\d\d?-\d\d?$")
# Counts and money add up day by day; a rate (win rate, conversion) is averaged over the period.
DEFAULT_ROLLUP = {Unit.COUNT: Rollup.SUM, Unit.CURRENCY: Rollup.SUM, Unit.PERCENT: Rollup.AVERAGE}
CSV_COLUMNS = ("date", "metric", "value")

# Commas only between thousands ("1,200"): "1,5" could be a European 1.5, so it is refused.
_AMOUNT = re.compile(
    r"^([-+]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+))\s*(k|m|mm|b|bn)?\s*%?$", re.IGNORECASE
)
_SCALE = {"": 1, "k": 10**3, "m": 10**6, "mm": 10**6, "b": 10**9, "bn": 10**9}
_E = TypeVar("_E", bound=StrEnum)
_MERGE = "tag:yaml.org,2002:merge"


# Definitions (YAML)


@dataclass
class _Problems:
    found: list[tuple[int, str]] = field(default_factory=list)

    def add(self, line: int, message: str) -> None:
        self.found.append((line, message))

    def sorted(self) -> list[str]:
        return [message for _line, message in sorted(self.found, key=lambda found: found[0])]


def parse_definitions(text: str) -> list[MetricDraft]:
    """The metrics a YAML file defines, in its order; InvalidDefinitions lists every problem found."""
    problems = _Problems()
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        raise InvalidDefinitions([_yaml_error(error)]) from None
    except yaml.YAMLError as error:
        raise InvalidDefinitions([f"the file isn't valid YAML: {error}"]) from None
    items = _metric_items(root, problems)
    drafts: list[MetricDraft] = []
    first_line: dict[str, int] = {}
    for index, item in enumerate(items, start=1):
        draft = _Item(item, index, problems).draft()
        if draft is None:
            continue
        line = _line(item)
        if draft.name.lower() in first_line:
            problems.add(
                line,
                f"{draft.name} (line {line}): defined twice (first on line {first_line[draft.name.lower()]})",
            )
        first_line.setdefault(draft.name.lower(), line)
        drafts.append(draft)
    if len(items) > METRICS_MAX:
        problems.add(
            _line(root) if root is not None else 1,
            f"the file defines {len(items)} metrics; a workspace has at most {METRICS_MAX}",
        )
    if problems.found:
        raise InvalidDefinitions(problems.sorted())
    return drafts


def _yaml_error(error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    what = error.problem or error.context or "not valid YAML"
    context = f" ({error.context})" if error.context and error.problem else ""
    return f"{where}{what}{context}"


def _metric_items(root: Node | None, problems: _Problems) -> list[Node]:
    shape = "must start with `metrics:` followed by a list of metrics (see examples/metrics.yml)"
    if root is None:
        problems.add(1, f"the file is empty: it {shape}")
        return []
    if not isinstance(root, MappingNode):
        problems.add(_line(root), f"line {_line(root)}: the file {shape}")
        return []
    found: Node | None = None
    for key, line, value in _pairs(root, lambda at, message: problems.add(at, f"line {at}: {message}")):
        if key == "metrics":
            found = value
        else:
            problems.add(line, f"line {line}: unknown key `{key}`{_hint(key, ['metrics'])}")
    if found is None:
        problems.add(_line(root), f"line {_line(root)}: the file {shape}")
        return []
    if isinstance(found, ScalarNode) and _scalar(found) is None:
        problems.add(_line(found), f"line {_line(found)}: `metrics:` lists no metric")
        return []
    if not isinstance(found, SequenceNode):
        problems.add(
            _line(found), f"line {_line(found)}: `metrics:` must be a list, each item starting `- name:`"
        )
        return []
    if not found.value:
        problems.add(_line(found), f"line {_line(found)}: `metrics:` lists no metric")
    return list(found.value)


class _Item:
    """One item of `metrics:`, read field by field; problems are prefixed with the metric's name."""

    def __init__(self, node: Node, index: int, problems: _Problems) -> None:
        self.node = node
        self.problems = problems
        self.who = f"metric #{index}"
        self.lines: dict[str, int] = {}  # a field (as problems_with names it) → its line
        self.flagged: set[str] = set()  # fields with a problem already said

    def say(self, line: int, message: str, *fields: str) -> None:
        self.problems.add(line, f"{self.who} (line {line}): {message}")
        self.flagged.update(fields)

    def draft(self) -> MetricDraft | None:
        if not isinstance(self.node, MappingNode):
            self.say(
                _line(self.node),
                f"each metric is a set of fields (name: leads, unit: count, …), not {_kind(self.node)}",
            )
            return None
        name = self._peek_name(self.node)
        if name:
            self.who = name
        given: dict[str, Node] = {}
        for key, line, value in _pairs(self.node, self.say):
            if key in FIELDS:
                given[key] = value
                self.lines[key] = _line(value)
            else:
                hint = " (targets go under `targets:` as `month:` and `quarter:`)" if "target" in key else ""
                self.say(line, f"unknown field `{key}`{hint or _hint(key, FIELDS)}")
        name = self.text(given, "name", required=True)
        currency = self.text(given, "currency")
        unit = self.choice(given, "unit", Unit, Unit.CURRENCY if currency else Unit.COUNT)
        team = self.choice(given, "team", MetricTeam, MetricTeam.SHARED)
        rollup = self.choice(given, "rollup", Rollup, DEFAULT_ROLLUP[unit])
        higher = self.flag(given, "higher_is_better", default=True)
        label = self.text(given, "label") or _label_for(name or "")
        description = self.text(given, "description") or ""
        monthly, quarterly, targets = self.targets(given.get("targets"))
        query = self.query(given.get("query"))
        draft = MetricDraft(
            name=name or "",
            label=label,
            unit=unit,
            team=team,
            rollup=rollup,
            currency=currency.upper() if currency else None,
            higher_is_better=higher,
            monthly_target=monthly,
            quarterly_target=quarterly,
            targets=targets,
            query=query,
            description=description,
        )
        self.check(draft)
        return draft

    @staticmethod
    def _peek_name(node: MappingNode) -> str | None:
        """The item's name, if it has a usable one, so every problem with it can say which metric."""
        for key_node, value in node.value:
            if _scalar(key_node) == "name" and isinstance(value, ScalarNode):
                name = _scalar(value)
                if isinstance(name, str) and name.strip():
                    return name.strip()
        return None

    def check(self, draft: MetricDraft) -> None:
        """The service's own rules (names, currencies, lengths, target ranges), by line."""
        for problem_field, message in problems_with(draft).items():
            if self._already_said(problem_field):
                continue
            line = (
                self.lines.get(problem_field)
                or self.lines.get(problem_field.split("_")[0])
                or _line(self.node)
            )
            self.say(line, message)

    def _already_said(self, problem_field: str) -> bool:
        if problem_field in self.flagged:
            return True
        if "unit" in self.flagged and problem_field in {"currency", "rollup"}:
            return True
        if "name" in self.flagged and problem_field == "label" and "label" not in self.lines:
            return True  # the label comes from the name
        if "targets" in self.flagged and ("target" in problem_field):
            return True
        return "query" in self.flagged and problem_field.startswith("query")

    def text(self, given: Mapping[str, Node], key: str, *, required: bool = False) -> str | None:
        node = given.get(key)
        value = None if node is None else _scalar(node)
        if node is None or value is None:
            if required:
                self.say(_line(node or self.node), f"`{key}` is missing", key)
            return None
        if not isinstance(value, str) or not isinstance(node, ScalarNode):
            self.say(_line(node), f"`{key}` must be text, not {_kind(node)}", key)
            return None
        return value.strip()

    def choice(self, given: Mapping[str, Node], key: str, kind: type[_E], default: _E) -> _E:
        node = given.get(key)
        value = None if node is None else _scalar(node)
        if node is None or value is None:
            return default
        choices = [member.value for member in kind]
        if isinstance(value, str) and value.strip().lower() in choices:
            return kind(value.strip().lower())
        self.say(_line(node), f"`{key}` must be {_either(choices)}, not {_shown(value, node)}", key)
        return default

    def flag(self, given: Mapping[str, Node], key: str, *, default: bool) -> bool:
        node = given.get(key)
        value = None if node is None else _scalar(node)
        if node is None or value is None:
            return default
        if isinstance(value, bool):
            return value
        self.say(_line(node), f"`{key}` must be true or false, not {_shown(value, node)}", key)
        return default

    def targets(self, node: Node | None) -> tuple[float | None, float | None, tuple[Target, ...]]:
        if node is None or (isinstance(node, ScalarNode) and _scalar(node) is None):
            return None, None, ()
        if not isinstance(node, MappingNode):
            self.say(
                _line(node),
                "`targets` must be a set of targets such as `month: 1200`, `quarter: 3600`, `2026-11: 1300`",
                "targets",
            )
            return None, None, ()
        defaults: dict[str, float | None] = {}
        periods: dict[str, float] = {}
        seen_at: dict[str, int] = {}
        for key_node, value_node in _key_nodes(node):
            # The key's text as written: YAML reads 2026-11-01 as a date and 202611 as a number.
            written = str(key_node.value).strip() if isinstance(key_node, ScalarNode) else ""
            line = _line(key_node)
            period = _period(written)
            if period is None:
                self.say(line, f"targets: {_not_a_period(written, key_node)}", "targets")
                continue
            if period in seen_at:
                self.say(
                    line, f"targets: `{written}` is given twice (first on line {seen_at[period]})", "targets"
                )
                continue
            seen_at[period] = line
            amount = self.amount(value_node, f"targets: `{written}`")
            if period in DEFAULT_TARGETS:
                defaults[period] = amount
                self.lines[f"{period}ly_target"] = line
            elif amount is not None:
                periods[period] = amount
        self.lines.setdefault("targets", _line(node))
        ordered = tuple(Target(period, value) for period, value in sorted(periods.items()))
        return defaults.get("month"), defaults.get("quarter"), ordered

    def amount(self, node: Node, what: str) -> float | None:
        value = _scalar(node)
        if value is None:
            return None  # `month:` left empty: no target
        try:
            return _amount(value) if isinstance(node, ScalarNode) else _amount(None)
        except ValueError:
            self.say(
                _line(node),
                f"{what} must be a number such as 1200, 2.5M or 35%, not {_shown(value, node)}",
                "targets",
            )
            return None

    def query(self, node: Node | None) -> MetricQuery | None:
        if node is None or (isinstance(node, ScalarNode) and _scalar(node) is None):
            return None
        self.lines["query"] = _line(node)
        if not isinstance(node, MappingNode):
            self.say(
                _line(node), "`query` must have an `sql:` and a `url:` (a SQLAlchemy database URL)", "query"
            )
            return None
        parts: dict[str, str] = {}
        for key, line, value in _pairs(node, self.say):
            if key not in QUERY_FIELDS:
                self.say(line, f"query: unknown field `{key}`{_hint(key, QUERY_FIELDS)}", "query")
                continue
            written = _scalar(value)
            if written is None or (isinstance(written, str) and not written.strip()):
                self.say(_line(value), f"query: `{key}` is empty", "query")
                continue
            if not isinstance(written, str) or not isinstance(value, ScalarNode):
                self.say(_line(value), f"query: `{key}` must be text, not {_kind(value)}", "query")
                continue
            parts[key] = written.strip()
        # A `tandem:` URL is answered by Tandem itself (bot/field_time.py): it needs no SQL.
        needed = ("url",) if parts.get("url", "").startswith("tandem:") else QUERY_FIELDS
        missing = [key for key in needed if key not in parts]
        if missing and "query" not in self.flagged:
            self.say(
                _line(node),
                f"query: `{'` and `'.join(missing)}` {'is' if len(missing) == 1 else 'are'} missing",
                "query",
            )
        if missing:
            return None
        return MetricQuery(sql=parts.get("sql", ""), url=parts["url"])


def _pairs(node: MappingNode, say: Callable[[int, str], None]) -> list[tuple[str, int, Node]]:
    """A mapping's (key, its line, value) with text keys; other keys and repeated keys are problems."""
    pairs: list[tuple[str, int, Node]] = []
    seen: dict[str, int] = {}
    for key_node, value in _key_nodes(node):
        key = _scalar(key_node)
        line = _line(key_node)
        if not isinstance(key, str):
            say(line, f"`{key_node.value}` isn't a field name")
            continue
        key = key.strip()
        if key in seen:
            say(line, f"`{key}` is given twice (first on line {seen[key]})")
            continue
        seen[key] = line
        pairs.append((key, line, value))
    return pairs


def _key_nodes(node: MappingNode) -> list[tuple[Node, Node]]:
    """A mapping's pairs as written, after the fields a merge key (`<<: *defaults`) brings in and
    the mapping does not set itself (a later merged mapping's field wins, as YAML loaders have it)."""
    own = [(key, value) for key, value in node.value if key.tag != _MERGE]
    if len(own) == len(node.value):
        return own
    flat = MappingNode(node.tag, list(node.value), node.start_mark, node.end_mark)
    with contextlib.suppress(yaml.YAMLError):
        yaml.SafeLoader("").flatten_mapping(flat)  # merged pairs first, then the mapping's own
    own_keys = {str(key.value) for key, _value in own}
    own_ids = {id(key) for key, _value in own}
    merged: dict[str, tuple[Node, Node]] = {}
    for key, value in flat.value:
        if id(key) not in own_ids and str(key.value) not in own_keys:
            merged[str(key.value)] = (key, value)
    return [*merged.values(), *own]


def _scalar(node: Node) -> object:
    """A scalar's value as YAML reads it (None for `~` or nothing); a list or mapping is itself."""
    if not isinstance(node, ScalarNode):
        return node
    try:
        return yaml.SafeLoader("").construct_object(node)
    except (yaml.YAMLError, ValueError):
        return node.value  # a tag Tandem doesn't read, or an impossible date such as 2026-13-45


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _kind(node: Node | None) -> str:
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a set of fields"
    value = None if node is None else _scalar(node)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"'{value}'"


def _shown(value: object, node: Node) -> str:
    return f"'{value}'" if isinstance(value, str) else _kind(node)


def _either(choices: list[str]) -> str:
    return ", ".join(choices[:-1]) + f" or {choices[-1]}"


def _hint(key: str, known: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean `{close[0]}`?)"
    return f" (known: {', '.join(known)})"


def _label_for(name: str) -> str:
    """`win-rate` → "Win rate": what the label defaults to."""
    return name.replace("-", " ").replace("_", " ").strip().capitalize()


def _period(written: str) -> str | None:
    """`month`, `quarter`, "2026-11" or "2026-Q4" (a lower-case q too), else None."""
    if written.lower() in DEFAULT_TARGETS:
        return written.lower()
    if MONTH.match(written):
        return written
    quarter = QUARTER.match(written)
    if quarter:
        return f"{quarter.group(1)}-Q{quarter.group(2)}"
    return None


def _not_a_period(written: str, node: Node) -> str:
    if DAY.match(written):
        return f"`{written}` is a day; name a month (such as 2026-11) or a quarter (such as 2026-Q4)"
    close = difflib.get_close_matches(written.lower(), DEFAULT_TARGETS, n=1, cutoff=0.6)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    return f"`{written or _kind(node)}` isn't month, quarter or a period such as 2026-11 or 2026-Q4{hint}"


def _amount(value: object) -> float:
    """A target as written: 1200, 1_200, "1,200", "2.5M", "300k", "$1.2M", "35%". ValueError if not."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        cleaned = value.strip().lstrip("$€£¥").replace("_", "").strip()
        match = _AMOUNT.match(cleaned)
        if match:
            # Scaled in decimal: 1.2 × 10⁶ in binary floats is 1199999.9999999998.
            scaled = Decimal(match.group(1).replace(",", "")) * _SCALE[(match.group(2) or "").lower()]
            number = float(scaled)
        else:
            number = float(cleaned)  # 1e6 and the like; ValueError for anything else
    else:
        raise ValueError(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


# Values (CSV)


def read_values_csv(text: str) -> tuple[list[tuple[int, str, str, str]], list[LineProblem], str | None]:
    """A CSV's rows as (line, date, metric, value) texts, rows it cannot split as problems by line, and
    a problem that makes the whole file unusable (no header, too big), when there is one."""
    if len(text) > IMPORT_BYTES_MAX or len(text.encode("utf-8")) > IMPORT_BYTES_MAX:
        return [], [], f"the file is over {IMPORT_BYTES_MAX // 1_000_000} MB: split it into smaller files"
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    rows: list[tuple[int, str, str, str]] = []
    problems: list[LineProblem] = []
    header: list[str] | None = None
    columns: tuple[int, int, int] = (0, 1, 2)
    read_through = 0
    try:
        for cells in reader:
            line, read_through = read_through + 1, reader.line_num
            fields = [cell.strip() for cell in cells]
            if not any(fields):
                continue
            if header is None:
                header = [cell.lower() for cell in fields]
                problem = _header_problem(header, line)
                if problem is not None:
                    return [], [], problem
                columns = (header.index("date"), header.index("metric"), header.index("value"))
                continue
            if len(rows) + len(problems) >= IMPORT_ROWS_MAX:
                return [], [], f"the file has over {IMPORT_ROWS_MAX:,} rows: split it into smaller files"
            row_problem = _row_problem(fields, header)
            if row_problem is not None:
                problems.append(LineProblem(line, row_problem))
                continue
            date_text, metric_text, value_text = (fields[column] for column in columns)
            empty = [
                name
                for name, cell in zip(CSV_COLUMNS, (date_text, metric_text, value_text), strict=True)
                if not cell
            ]
            if empty:
                problems.append(LineProblem(line, f"no {' and no '.join(empty)}"))
                continue
            rows.append((line, date_text, metric_text, value_text))
    except csv.Error as error:
        return [], [], f"line {reader.line_num}: the file can't be read as CSV ({error})"
    if header is None:
        return [], [], "the file is empty: it needs a header line `date,metric,value`, then one value a line"
    return rows, problems, None


def _header_problem(header: list[str], line: int) -> str | None:
    if all(column in header for column in CSV_COLUMNS):
        repeated = sorted({column for column in header if column and header.count(column) > 1})
        if repeated:
            return f"line {line}: the column `{repeated[0]}` is named twice"
        return None
    joined = ",".join(header)
    if len(header) == 1 and (";" in joined or "\t" in joined):
        used = "semicolons" if ";" in joined else "tabs"
        return f"line {line}: columns must be separated by commas (this file uses {used})"
    return (
        f"line {line}: the first line must name the columns date, metric and value "
        f"(in any order), not `{joined[:80]}`"
    )


def _row_problem(fields: list[str], header: list[str]) -> str | None:
    if len(fields) == len(header):
        return None
    if len(fields) > len(header) and not any(fields[len(header) :]):
        return None  # trailing commas, as spreadsheets write them
    expected = f"expected {len(header)} fields ({', '.join(header)}), found {len(fields)}"
    if len(fields) > len(header):
        return f'{expected}: put quotes around a value with commas, as in "1,234"'
    return expected
