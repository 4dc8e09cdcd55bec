"""Validation checks for releases and deployments: a release commit whose tag is missing (a killed release)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from agentctl.model import layout
from agentctl.model.artifacts import Workspace
from agentctl.model.bundle import tag_name
from agentctl.model.crossref import check
from agentctl.model.diagnostics import Diagnostic
from agentctl.store.gitcmd import Git

RELEASE_PREFIX = "Release "
SCAN_LIMIT = 500  # release commits looked at, newest first (a killed release is recent)


@dataclass(frozen=True)
class UntaggedRelease:
    agent: str
    version: int
    commit: str

    @property
    def tag(self) -> str:
        return tag_name(self.agent, self.version)

    @property
    def path(self) -> str:
        return layout.bundle_file(self.agent, self.version)

    @property
    def message(self) -> str:
        return (f"release commit {self.commit[:10]} (\"Release {self.tag}\") has no tag {self.tag}: the release "
                "was interrupted between its commit and its tag")

    @property
    def fix(self) -> str:
        return (f"run `agentctl release {self.agent} -m \"<note>\"` to finish it (it tags that commit and "
                "releases nothing new)")


def untagged_releases(root: Path, agents: Iterable[str]) -> list[UntaggedRelease]:
    """"Release AGENT@vN" commits on HEAD's history whose tag AGENT@vN does not exist, for these agents."""

    wanted = set(agents)
    if not wanted:
        return []
    git = Git(root)
    log = git.run("log", f"-n{SCAN_LIMIT}", "--format=%H%x00%s", "HEAD", "--", layout.BUNDLES_DIR, check=False)
    if log.returncode != 0:
        return []  # not a git repository, or no commit yet: nothing was released
    tags = set(git.run("tag", "-l", check=False).stdout.decode("utf-8", "replace").split())
    found: dict[tuple[str, int], UntaggedRelease] = {}
    for line in log.stdout.decode("utf-8", "replace").splitlines():
        commit, _, subject = line.partition("\x00")
        agent, _, version = subject.removeprefix(RELEASE_PREFIX).strip().rpartition("@v")
        if not subject.startswith(RELEASE_PREFIX) or agent not in wanted or not version.isdigit():
            continue
        release = UntaggedRelease(agent, int(version), commit)
        if release.tag not in tags and (agent, release.version) not in found:
            found[(agent, release.version)] = release
    return sorted(found.values(), key=lambda r: (r.agent, r.version))


@check
def releases_are_tagged(ws: Workspace) -> Iterator[Diagnostic]:
    for release in untagged_releases(ws.root, ws.agents):
        yield Diagnostic(release.path, 1, 1, release.message, release.fix, severity="warning")


@check
def signing_keys_are_personal(ws: Workspace) -> Iterator[Diagnostic]:
    """One key, one person: a key listed for two people would let one of them approve the other's requests."""
    owners: dict[str, str] = {}
    for person, spec in ws.config.people.items():
        key = " ".join(str(spec.get("signing_key") or "").split()[:2])
        if not key:
            continue
        if key in owners:
            yield ws.config.doc.diagnostic(
                ["people", person, "signing_key"],
                f"{person} has the same signing_key as {owners[key]}: records signed with it could be either's",
                "each person signs with their own key: paste the .pub line of a key only this person holds")
        else:
            owners[key] = person
