"""Compatibility check between two versions of a tool contract.

``diff_contracts(old, new)`` answers the question a CI gate needs: is ``new`` safe to roll out
to agents built against ``old``, and does its version number say so honestly? It exists because
a backend that quietly starts requiring a field (and keeps answering 200) fails silently for
weeks; the diff makes that change loud before it ships.

Pure functions over already-parsed contract dicts: no I/O, stdlib only.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from agentctl.contracts._contractdiff import canon, diff_backend, diff_function, diff_success, section
from agentctl.contracts._rules import RULES, Change, Level, make_change
from agentctl.contracts._schemadiff import diff_schemas
from agentctl.contracts.semver import Version, parse_version

__all__ = ["RULES", "Change", "CompatReport", "Level", "diff_contracts", "diff_schemas"]

# Metadata that may change without a new release: the release note and the owner.
_METADATA_KEYS = frozenset({"version", "changes", "owner"})

# Rules that add capability without breaking anyone; semver wants at least a minor bump for them.
_ADDITIVE_RULES = frozenset(
    {
        f"{side}-{suffix}"
        for side in ("request", "function")
        for suffix in ("property-added-optional", "enum-value-added", "type-widened")
    }
    | {"response-property-added"}
)


@dataclass
class CompatReport:
    """Everything that changed between two contract versions.

    Changes are in the order they were found: function, request, response, backend, success, version.
    """

    old_version: str
    new_version: str
    changes: list[Change] = field(default_factory=list)

    @property
    def breaking(self) -> bool:
        """True when any change is at level ERR."""
        return any(change.level is Level.ERR for change in self.changes)

    def by_level(self, level: Level) -> list[Change]:
        """The changes at one level, in report order."""
        return [change for change in self.changes if change.level is level]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, stable enough for CI annotations and ``--json`` output."""
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "breaking": self.breaking,
            "summary": {level.value: len(self.by_level(level)) for level in Level},
            "changes": [change.to_dict() for change in self.changes],
        }


def diff_contracts(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    overrides: Mapping[str, str] | None = None,
    today: datetime.date | None = None,
) -> CompatReport:
    """Compare two parsed tool contracts and judge the new version number.

    ``overrides`` maps rule ids to "ERR", "WARN", "INFO" or "off" (a repo's ``contracts.rules``);
    they apply before the semver rule is judged, so a relaxed rule no longer demands a major bump.
    ``today`` decides whether deprecated properties have reached their ``x-sunset`` date.
    Raises ``ValueError`` for unknown rule ids or levels in ``overrides``.
    """
    levels = _parse_overrides(overrides)
    today = today or datetime.date.today()
    changes = _apply(levels, _diff_content(old, new, today))
    changes += _apply(levels, _semver_changes(old, new, changes))
    return CompatReport(str(old.get("version")), str(new.get("version")), changes)


def _diff_content(old: Mapping[str, Any], new: Mapping[str, Any], today: datetime.date) -> list[Change]:
    changes = diff_function(old, new, today)
    for side in ("request", "response"):
        changes += diff_schemas(
            section(old, side).get("schema"),
            section(new, side).get("schema"),
            side,
            f"{side}.schema",
            today=today,
            old_document=old,
            new_document=new,
        )
    changes = [_point_to_verify(c, str(new.get("name") or "TOOL")) for c in changes]
    return changes + diff_backend(old, new) + diff_success(old, new)


def _point_to_verify(change: Change, tool: str) -> Change:
    """A request field made optional is the provider's promise, not ours: say how to check it."""
    if change.rule != "request-property-became-optional":
        return change
    name = change.path.rsplit(".", 1)[-1]
    message = (f"{change.message}, if the provider really accepts requests without it; if it still needs it, "
               f"those requests fail (maybe with HTTP 200 and nothing done): confirm with "
               f"`agentctl contracts verify {tool}` against its sandbox (probe 'optional omitted: {name}')")
    return dataclasses.replace(change, message=message)


# --------------------------------------------------------------------------- overrides


def _parse_overrides(overrides: Mapping[str, object] | None) -> dict[str, Level | None]:
    """Validate per-repo levels; None means the rule is switched off."""
    if not overrides:
        return {}
    unknown = sorted(str(rule) for rule in overrides if rule not in RULES)
    if unknown:
        raise ValueError(
            f"unknown contract rule id(s): {', '.join(unknown)}; known ids: {', '.join(sorted(RULES))}"
        )
    parsed: dict[str, Level | None] = {}
    for rule, value in overrides.items():
        # YAML 1.1 loaders read an unquoted `off` as False; accept it rather than surprise people.
        text = "off" if value is False else str(value.value if isinstance(value, Level) else value).strip()
        if text.lower() == "off":
            parsed[rule] = None
        elif text.upper() in Level.__members__:
            parsed[rule] = Level[text.upper()]
        else:
            raise ValueError(f"contract rule {rule!r}: level {value!r} is not one of ERR, WARN, INFO, off")
    return parsed


def _apply(levels: Mapping[str, Level | None], changes: list[Change]) -> list[Change]:
    out = []
    for change in changes:
        level = levels.get(change.rule, change.level)
        if level is not None:
            out.append(dataclasses.replace(change, level=level))
    return out


# --------------------------------------------------------------------------- semver


def _content_changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    def strip(contract: Mapping[str, Any]) -> str:
        return canon({k: v for k, v in contract.items() if k not in _METADATA_KEYS})

    return strip(old) != strip(new)


def _is_breaking_release(old: Version, new: Version) -> bool:
    # Below 1.0.0 the minor number is the breaking one (as ^0.3.0 excludes 0.4.0 in ranges).
    if old.major == 0 and new.major == 0:
        return new.minor > old.minor
    return new.major > old.major


def _needed_version(old: Version) -> Version:
    return old.bump_minor() if old.major == 0 else old.bump_major()


def _semver_changes(old: Mapping[str, Any], new: Mapping[str, Any], changes: list[Change]) -> list[Change]:
    """Judge the version bump against the (already overridden) content changes."""
    try:
        old_v, new_v = parse_version(str(old.get("version"))), parse_version(str(new.get("version")))
    except ValueError as exc:
        return [_version_change("version-invalid", str(exc))]
    out = []
    if new_v < old_v:
        out.append(_version_change("version-not-increased", f"version went down: {old_v} → {new_v}"))
    elif new_v == old_v and _content_changed(old, new):
        message = (
            f"the contract changed but the version is still {new_v}; "
            f"release it as {new_v.bump_patch()} or higher"
        )
        out.append(_version_change("version-not-increased", message))
    breaking = list(dict.fromkeys(c.rule for c in changes if c.level is Level.ERR))
    if breaking and not _is_breaking_release(old_v, new_v):
        message = (
            f"{old_v} → {new_v} has breaking changes ({', '.join(breaking)}); "
            f"release it as {_needed_version(old_v)}"
        )
        out.append(_version_change("breaking-change-without-major-bump", message))
    additions = list(dict.fromkeys(c.rule for c in changes if c.rule in _ADDITIVE_RULES))
    if not breaking and additions and _is_patch_bump(old_v, new_v):
        message = (
            f"{old_v} → {new_v} adds capability ({', '.join(additions)}) in a patch release; "
            f"semver suggests {old_v.bump_minor()}"
        )
        out.append(_version_change("additions-in-patch-release", message))
    return out


def _version_change(rule: str, message: str) -> Change:
    return make_change(rule, "version", message, "contract")


def _is_patch_bump(old: Version, new: Version) -> bool:
    return new > old and (new.major, new.minor) == (old.major, old.minor)
