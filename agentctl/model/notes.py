"""What-changed notes must say something: refuse generic ones like "update" or "fix"."""

from __future__ import annotations

import re

_GENERIC = {"update", "updated", "updates", "fix", "fixed", "fixes", "change", "changed", "changes", "wip", "tweak",
            "tweaks", "minor", "misc", "cleanup", "edit", "edits", "prompt", "stuff", "bump", "version", "new", "the",
            "a", "some", "small", "various", "improvements", "improve", "improved", "tbd", "todo", "-", "."}


def check_note_substance(note: str) -> str | None:
    """None when `note` describes a change; else the refusal message with a hint."""
    words = re.findall(r"[\w'→>-]+", (note or "").lower())
    if len(words) < 3 or all(w in _GENERIC for w in words):
        return (f"the what-changed note {note.strip()!r} is too generic — say what changed and why, e.g. "
                "\"added handling for drivers who report storage issues; timeout 5s → 8s\"")
    return None
