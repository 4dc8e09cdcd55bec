"""Semver parsing, precedence and ranges: table tests plus hypothesis properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentctl.contracts.semver import Range, Version, parse_version

# --------------------------------------------------------------------------- strategies

_numbers = st.integers(min_value=0, max_value=50)
_alnum_ident = st.from_regex(r"\A[0-9]*[A-Za-z-][0-9A-Za-z-]{0,5}\Z")
_numeric_ident = st.integers(min_value=0, max_value=30).map(str)
_prerelease = st.lists(st.one_of(_numeric_ident, _alnum_ident), max_size=3).map(tuple)
_build = st.lists(st.from_regex(r"\A[0-9A-Za-z-]{1,5}\Z"), max_size=2).map(tuple)
versions = st.builds(Version, _numbers, _numbers, _numbers, _prerelease, _build)
releases = st.builds(Version, _numbers, _numbers, _numbers)


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1.4.0", Version(1, 4, 0), id="release"),
        pytest.param("0.0.0", Version(0, 0, 0), id="zero"),
        pytest.param("2.0.0-rc.1", Version(2, 0, 0, ("rc", "1")), id="prerelease"),
        pytest.param("1.0.0+build.7", Version(1, 0, 0, (), ("build", "7")), id="build"),
        pytest.param(
            "1.0.0-alpha-1+sha.5114f85", Version(1, 0, 0, ("alpha-1",), ("sha", "5114f85")), id="both"
        ),
        pytest.param(" 3.2.1 ", Version(3, 2, 1), id="surrounding-space"),
    ],
)
def test_parse_version_valid(text: str, expected: Version) -> None:
    assert parse_version(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("1.2", id="missing-patch"),
        pytest.param("v1.2.3", id="leading-v"),
        pytest.param("01.2.3", id="leading-zero"),
        pytest.param("1.2.3-01", id="leading-zero-prerelease"),
        pytest.param("1.2.3-", id="empty-prerelease"),
        pytest.param("1.2.3+", id="empty-build"),
        pytest.param("1.2.3.4", id="four-parts"),
        pytest.param("latest", id="word"),
        pytest.param("", id="empty"),
    ],
)
def test_parse_version_invalid_names_expected_format(text: str) -> None:
    with pytest.raises(ValueError, match=r"MAJOR\.MINOR\.PATCH"):
        parse_version(text)


def test_parse_version_rejects_non_strings() -> None:
    with pytest.raises(ValueError, match="MAJOR.MINOR.PATCH"):
        parse_version(1.2)  # type: ignore[arg-type]


def test_leading_v_gets_a_hint() -> None:
    with pytest.raises(ValueError, match="drop the leading 'v'"):
        parse_version("v2.0.0")


def test_precedence_matches_semver_spec_example() -> None:
    # The example list from semver.org, section 11.
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.1.0",
        "2.0.0",
    ]
    parsed = [parse_version(v) for v in ordered]
    assert sorted(reversed(parsed)) == parsed
    assert all(a < b for a, b in zip(parsed, parsed[1:], strict=False))


def test_build_metadata_is_ignored_for_precedence() -> None:
    assert parse_version("1.0.0+a") == parse_version("1.0.0+b")
    assert hash(parse_version("1.0.0+a")) == hash(parse_version("1.0.0"))
    assert str(parse_version("1.0.0+a")) == "1.0.0+a"


def test_bumps() -> None:
    v = parse_version("1.4.2-rc.1")
    assert (str(v.bump_major()), str(v.bump_minor()), str(v.bump_patch())) == ("2.0.0", "1.5.0", "1.4.3")
    assert v.is_prerelease and not v.bump_patch().is_prerelease


def test_negative_numbers_are_rejected() -> None:
    with pytest.raises(ValueError):
        Version(1, -1, 0)


# --------------------------------------------------------------------------- ranges

RANGE_CASES = [
    # spec, version, expected
    ("^1.2.3", "1.2.3", True),
    ("^1.2.3", "1.9.9", True),
    ("^1.2.3", "1.2.2", False),
    ("^1.2.3", "2.0.0", False),
    ("^1.2.3", "2.0.0-rc.1", False),
    ("^1.2.3", "1.3.0-rc.1", False),
    ("^0.2.3", "0.2.9", True),
    ("^0.2.3", "0.3.0", False),
    ("^0.0.3", "0.0.3", True),
    ("^0.0.3", "0.0.4", False),
    ("^0.x", "0.9.0", True),
    ("^0.x", "1.0.0", False),
    ("^1.2.3-beta.1", "1.2.3-beta.2", True),
    ("^1.2.3-beta.1", "1.2.4-beta.1", False),
    ("~1.2.3", "1.2.9", True),
    ("~1.2.3", "1.3.0", False),
    ("~1.2", "1.2.0", True),
    ("~1", "1.9.0", True),
    ("~1", "2.0.0", False),
    ("1.x", "1.0.0", True),
    ("1.x", "1.99.3", True),
    ("1.x", "2.0.0", False),
    ("1.2.x", "1.2.7", True),
    ("1.2.x", "1.3.0", False),
    ("1.2.*", "1.2.0", True),
    ("1", "1.4.0", True),
    ("*", "0.0.1", True),
    ("*", "99.0.0", True),
    ("1.2.3", "1.2.3", True),
    ("1.2.3", "1.2.4", False),
    ("=1.2.3", "1.2.3+build", True),
    (">=1.2.0 <2.0.0", "1.2.0", True),
    (">=1.2.0 <2.0.0", "2.0.0", False),
    (">=1.2.0, <2.0.0", "1.9.9", True),
    (">= 1.2.0 < 2.0.0", "1.5.0", True),
    (">1.2.3", "1.2.3", False),
    (">1.2", "1.2.9", False),
    (">1.2", "1.3.0", True),
    ("<1.2", "1.1.9", True),
    ("<1.2", "1.2.0-rc.1", False),
    ("<=1.2", "1.2.9", True),
    ("<=1.2.3", "1.2.3", True),
    ("<=1.2.3", "1.2.4", False),
    ("1.2.3 || ^2.0.0", "1.2.3", True),
    ("1.2.3 || ^2.0.0", "2.4.0", True),
    ("1.2.3 || ^2.0.0", "1.2.4", False),
    (">=2.0.0-rc.1 <3.0.0", "2.0.0-rc.2", True),
]


@pytest.mark.parametrize(
    ("spec", "version", "expected"), RANGE_CASES, ids=[f"{s}~{v}" for s, v, _ in RANGE_CASES]
)
def test_range_contains(spec: str, version: str, expected: bool) -> None:
    assert Range.parse(spec).contains(parse_version(version)) is expected


def test_include_prerelease_compares_by_precedence_only() -> None:
    assert not Range.parse("^1.2.0").contains("1.3.0-rc.1")
    assert Range.parse("^1.2.0").contains("1.3.0-rc.1", include_prerelease=True)


def test_in_operator_accepts_strings_and_versions() -> None:
    r = Range.parse("^1.0.0")
    assert "1.1.0" in r and Version(1, 2, 0) in r and 3 not in r


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (">=1.2.0,<2.0.0", ">=1.2.0 <2.0.0"),
        (">= 1.2.0   <2.0.0", ">=1.2.0 <2.0.0"),
        ("1.2.3||^2.0.0", "1.2.3 || ^2.0.0"),
        ("~1.2", "~1.2"),
    ],
)
def test_range_str_is_normalised(spec: str, text: str) -> None:
    assert str(Range.parse(spec)) == text
    assert Range.parse(str(Range.parse(spec))) == Range.parse(spec)


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        pytest.param("", "empty", id="empty"),
        pytest.param("   ", "empty", id="blank"),
        pytest.param("1.2.3 ||", "empty alternative", id="dangling-or"),
        pytest.param(">=", "no version", id="operator-only"),
        pytest.param(">= <", "another operator", id="two-operators"),
        pytest.param("latest", "not a version", id="word"),
        pytest.param("1.x.3", "after a wildcard", id="number-after-wildcard"),
        pytest.param(">*", "matches no version", id="greater-than-any"),
        pytest.param("^^1.0.0", "not a version", id="double-caret"),
        pytest.param("1.2.3 - 2.0.0", "not a version", id="hyphen-range"),
    ],
)
def test_invalid_range_explains(spec: str, reason: str) -> None:
    with pytest.raises(ValueError, match="invalid version range") as info:
        Range.parse(spec)
    assert reason in str(info.value) and "expected e.g." in str(info.value)


# --------------------------------------------------------------------------- properties


@given(versions, versions)
def test_ordering_is_total_and_consistent(a: Version, b: Version) -> None:
    assert sum([a < b, a == b, a > b]) == 1
    assert (a <= b) == (a < b or a == b)
    if a == b:
        assert hash(a) == hash(b)


@given(versions, versions, versions)
def test_ordering_is_transitive(a: Version, b: Version, c: Version) -> None:
    x, y, z = sorted([a, b, c])
    assert x <= y <= z and x <= z


@given(versions)
def test_str_round_trips(v: Version) -> None:
    parsed = parse_version(str(v))
    assert parsed == v and str(parsed) == str(v)


@given(versions)
def test_prerelease_sorts_before_its_release(v: Version) -> None:
    release = Version(v.major, v.minor, v.patch)
    assert v <= release
    assert (v < release) == v.is_prerelease


@given(releases)
def test_caret_contains_itself_and_never_next_major(v: Version) -> None:
    caret = Range.parse(f"^{v}")
    assert caret.contains(v)
    assert not caret.contains(v.bump_major())
    assert not caret.contains(Version(v.major + 1, 0, 0, ("rc", "1")))


@given(releases)
def test_tilde_contains_patches_but_not_next_minor(v: Version) -> None:
    tilde = Range.parse(f"~{v}")
    assert tilde.contains(v) and tilde.contains(v.bump_patch())
    assert not tilde.contains(v.bump_minor())


@given(releases, releases)
def test_comparator_ranges_agree_with_ordering(v: Version, bound: Version) -> None:
    assert Range.parse(f">={bound}").contains(v) == (v >= bound)
    assert Range.parse(f"<{bound}").contains(v) == (v < bound)
    assert Range.parse(f"{bound}").contains(v) == (v == bound)


@given(releases, releases, releases)
def test_or_is_union(v: Version, a: Version, b: Version) -> None:
    union = Range.parse(f"^{a} || ~{b}")
    assert union.contains(v) == (Range.parse(f"^{a}").contains(v) or Range.parse(f"~{b}").contains(v))
