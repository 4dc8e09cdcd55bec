"""Semantic versions (semver 2.0.0) and version ranges for tool contracts.

Stdlib only: contract checks run in pre-commit hooks and CI gates where import time matters.

Ranges follow the npm/Cargo conventions people already know: ``^1.2.3``, ``~1.2.3``, ``1.x``,
``>=1.2.0 <2.0.0`` (space or comma separated), exact ``1.2.3`` and ``||`` alternatives.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = ["Range", "Version", "parse_version"]

_NUM = r"0|[1-9]\d*"
_IDENT = r"(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
_PRE = rf"{_IDENT}(?:\.{_IDENT})*"
_BUILD = r"[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*"
_VERSION_RE = re.compile(
    rf"^(?P<major>{_NUM})\.(?P<minor>{_NUM})\.(?P<patch>{_NUM})"
    rf"(?:-(?P<pre>{_PRE}))?(?:\+(?P<build>{_BUILD}))?$"
)
_FORMAT = "MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], e.g. 1.4.0 or 2.0.0-rc.1"


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(text.split(".")) if text else ()


@functools.total_ordering
@dataclass(frozen=True, eq=False)
class Version:
    """A semver 2.0.0 version.

    Equality, hashing and ordering follow semver *precedence*: build metadata is kept for
    ``str()`` but ignored when comparing, so ``1.0.0+a == 1.0.0+b`` and the order stays total.
    """

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if min(self.major, self.minor, self.patch) < 0:
            raise ValueError(
                f"version numbers must be non-negative, got {self.major}.{self.minor}.{self.patch}"
            )

    @property
    def _key(self) -> tuple[int, int, int, tuple[int | tuple[tuple[int, int, str], ...], ...]]:
        # A release sorts after all of its prereleases; numeric identifiers sort before
        # alphanumeric ones and compare as integers (semver 2.0.0, section 11).
        if not self.prerelease:
            return (self.major, self.minor, self.patch, (1,))
        idents = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, (0, idents))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key == other._key

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key < other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    def __repr__(self) -> str:
        return f"Version('{self}')"

    @property
    def is_prerelease(self) -> bool:
        """True for versions such as ``2.0.0-rc.1``."""
        return bool(self.prerelease)

    def bump_major(self) -> Version:
        """The next major release: ``1.4.2`` -> ``2.0.0``."""
        return Version(self.major + 1, 0, 0)

    def bump_minor(self) -> Version:
        """The next minor release: ``1.4.2`` -> ``1.5.0``."""
        return Version(self.major, self.minor + 1, 0)

    def bump_patch(self) -> Version:
        """The next patch release: ``1.4.2`` -> ``1.4.3``."""
        return Version(self.major, self.minor, self.patch + 1)


def parse_version(text: str) -> Version:
    """Parse ``MAJOR.MINOR.PATCH[-pre][+build]``; raise ``ValueError`` naming the expected format."""
    if not isinstance(text, str):
        raise ValueError(f"version must be a string in the form {_FORMAT}; got {text!r}")
    match = _VERSION_RE.match(text.strip())
    if match is None:
        hint = " (drop the leading 'v')" if text.strip()[:1] in ("v", "V") else ""
        raise ValueError(f"invalid version {text!r}{hint}: expected {_FORMAT}")
    return Version(
        int(match["major"]),
        int(match["minor"]),
        int(match["patch"]),
        _split(match["pre"]),
        _split(match["build"]),
    )


# --------------------------------------------------------------------------- ranges

_WILD = r"[xX*]"
_PART = rf"(?:{_NUM}|{_WILD})"
_PARTIAL_RE = re.compile(
    rf"^(?P<major>{_PART})(?:\.(?P<minor>{_PART})(?:\.(?P<patch>{_PART})"
    rf"(?:-(?P<pre>{_PRE}))?(?:\+(?P<build>{_BUILD}))?)?)?$"
)
_TOKEN_RE = re.compile(r"^(?P<op>\^|~|>=|<=|>|<|=)?(?P<version>.+)$")
_OPS = ("^", "~", ">=", "<=", ">", "<", "=")
_RANGE_HELP = "expected e.g. '^1.2.3', '~1.2', '1.x', '>=1.2.0 <2.0.0' or '1.2.3 || ^2.0.0'"


@dataclass(frozen=True)
class _Partial:
    """A version with optional wildcard parts: ``1``, ``1.x``, ``1.2.*``, ``1.2.3-rc.1``."""

    major: int | None
    minor: int | None
    patch: int | None
    prerelease: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Comparator:
    op: str  # one of ">=", ">", "<=", "<", "=="
    version: Version
    # True when the user wrote a prerelease here; synthetic "-0" upper bounds are not explicit.
    explicit_prerelease: bool = False

    def test(self, version: Version) -> bool:
        v = self.version
        return {
            ">=": version >= v,
            ">": version > v,
            "<=": version <= v,
            "<": version < v,
            "==": version == v,
        }[self.op]


def _parse_partial(text: str) -> _Partial:
    match = _PARTIAL_RE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a version or wildcard")
    parts = [match["major"], match["minor"], match["patch"]]
    values: list[int | None] = []
    for part in parts:
        wild = part is None or part in ("x", "X", "*")
        if not wild and values and values[-1] is None:
            # "1.x.3" is ambiguous: once a part is a wildcard, the rest must be too.
            raise ValueError(f"{text!r} has a number after a wildcard")
        values.append(None if wild else int(part))
    pre = _split(match["pre"])
    return _Partial(values[0], values[1], values[2], pre)


def _floor(p: _Partial) -> Version:
    return Version(p.major or 0, p.minor or 0, p.patch or 0, p.prerelease)


def _below(major: int, minor: int, patch: int) -> _Comparator:
    # "<X.Y.Z-0" excludes X.Y.Z and every prerelease of it: ^1.2.3 must not match 2.0.0-rc.1.
    return _Comparator("<", Version(major, minor, patch, ("0",)))


def _caret_ceiling(p: _Partial) -> tuple[int, int, int]:
    major, minor, patch = p.major or 0, p.minor, p.patch
    if major > 0 or minor is None:
        return (major + 1, 0, 0)
    if minor > 0 or patch is None:
        return (0, minor + 1, 0)
    return (0, 0, patch + 1)


def _partial_ceiling(p: _Partial) -> tuple[int, int, int]:
    """Exclusive upper bound of a partial version: ``1`` -> 2.0.0, ``1.2`` -> 1.3.0."""
    assert p.major is not None
    if p.minor is None:
        return (p.major + 1, 0, 0)
    return (p.major, p.minor + 1, 0)


def _desugar(op: str, p: _Partial) -> list[_Comparator]:
    """Turn one user-facing comparator into primitive ones; an empty list matches everything."""
    explicit = bool(p.prerelease)
    if p.major is None:
        if op in ("", "=", ">=", "<=", "^", "~"):
            return []
        raise ValueError(f"'{op}*' matches no version")
    full = p.patch is not None
    low = _Comparator(">=", _floor(p), explicit)
    if op in ("", "="):
        return [_Comparator("==", _floor(p), explicit)] if full else [low, _below(*_partial_ceiling(p))]
    if op == "^":
        return [low, _below(*_caret_ceiling(p))]
    if op == "~":
        ceiling = (p.major + 1, 0, 0) if p.minor is None else (p.major, p.minor + 1, 0)
        return [low, _below(*ceiling)]
    if op == ">=":
        return [low]
    if op == ">":
        return (
            [_Comparator(">", _floor(p), explicit)]
            if full
            else [_Comparator(">=", Version(*_partial_ceiling(p)))]
        )
    if op == "<":
        return [_Comparator("<", _floor(p), explicit)] if full else [_below(p.major, p.minor or 0, 0)]
    # op == "<="
    return [_Comparator("<=", _floor(p), explicit)] if full else [_below(*_partial_ceiling(p))]


def _tokens(alternative: str) -> list[str]:
    """Split one ``||`` alternative into comparator tokens, gluing ``>= 1.2.0`` back together."""
    tokens: list[str] = []
    pending = ""
    for raw in alternative.replace(",", " ").split():
        if raw in _OPS:
            if pending:
                raise ValueError(f"operator {pending!r} followed by another operator {raw!r}")
            pending = raw
            continue
        tokens.append(pending + raw)
        pending = ""
    if pending:
        raise ValueError(f"operator {pending!r} has no version after it")
    if not tokens:
        raise ValueError("empty alternative")
    return tokens


def _compile(token: str) -> list[_Comparator]:
    match = _TOKEN_RE.match(token)
    assert match is not None  # ".+" always matches a non-empty token
    return _desugar(match["op"] or "", _parse_partial(match["version"]))


@dataclass(frozen=True)
class Range:
    """A set of versions, e.g. ``^1.2.3`` or ``>=1.2.0 <2.0.0 || 3.x``.

    Prereleases only match when a comparator of the same alternative names a prerelease of the
    same MAJOR.MINOR.PATCH (npm's rule), so ``^1.2.0`` never picks up ``1.3.0-rc.1`` by accident.
    Pass ``include_prerelease=True`` to :meth:`contains` to compare by precedence alone.
    """

    alternatives: tuple[tuple[str, ...], ...]
    _compiled: tuple[tuple[_Comparator, ...], ...]

    @classmethod
    def parse(cls, spec: str) -> Range:
        """Parse a range spec; raise ``ValueError`` with the offending part and accepted forms."""
        if not isinstance(spec, str) or not spec.strip():
            raise ValueError(f"invalid version range {spec!r}: it is empty; {_RANGE_HELP}")
        alternatives, compiled = [], []
        for alternative in spec.split("||"):
            try:
                tokens = _tokens(alternative)
                comparators = [c for token in tokens for c in _compile(token)]
            except ValueError as exc:
                raise ValueError(f"invalid version range {spec!r}: {exc}; {_RANGE_HELP}") from None
            alternatives.append(tuple(tokens))
            compiled.append(tuple(comparators))
        return cls(tuple(alternatives), tuple(compiled))

    def contains(self, version: Version | str, *, include_prerelease: bool = False) -> bool:
        """True when ``version`` satisfies at least one alternative of the range."""
        if isinstance(version, str):
            version = parse_version(version)
        return any(self._matches(c, version, include_prerelease) for c in self._compiled)

    @staticmethod
    def _matches(comparators: tuple[_Comparator, ...], version: Version, include_prerelease: bool) -> bool:
        if not all(c.test(version) for c in comparators):
            return False
        if not version.prerelease or include_prerelease:
            return True
        same_release = (version.major, version.minor, version.patch)
        return any(
            c.explicit_prerelease and (c.version.major, c.version.minor, c.version.patch) == same_release
            for c in comparators
        )

    def __contains__(self, version: object) -> bool:
        return isinstance(version, (Version, str)) and self.contains(version)

    def __str__(self) -> str:
        return " || ".join(" ".join(tokens) for tokens in self.alternatives)
