"""Signed deployment records: git's SSH signatures on refs/agentctl/deployments, checked against agentctl.yaml.

A person with `signing_key:` (an SSH public key) under `people:` signs every action they take: the
record's commit carries an SSH signature made with their private key, which agentctl finds in
`AGENTCTL_SIGNING_KEY` or in git's own `user.signingkey` (with `gpg.format ssh`).

Each record is verified against an allowed-signers file built from the agentctl.yaml committed at the
config commit the record names (`config`, the HEAD its author acted under, accepted only when it is an
ancestor of this checkout's HEAD; otherwise HEAD's own agentctl.yaml). A record is
- `verified`: signed by the key of the person it names (a record by an automation: by any person's key);
- `unsigned`: no signature, and the person it names has no signing_key (an error only with
  `policy.require_signed`);
- `forged`: anything else — a bad signature, a key no person has, someone else's key, no signature for a
  person who signs, or an approval signed by the person who opened the request.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentctl.errors import GitError, PolicyRefused
from agentctl.fsutil import write_atomic
from agentctl.store.gitcmd import Git

if TYPE_CHECKING:
    from agentctl.model.artifacts import Config
    from agentctl.store.refstore import LogEntry

SIGNING_KEY_ENV = "AGENTCTL_SIGNING_KEY"
DOCS = "docs/deployments.md#signed-actions"
CONFIGURE_FIX = ("configure your key once: `git config --global gpg.format ssh` and "
                 "`git config --global user.signingkey ~/.ssh/id_ed25519` (or export "
                 f"{SIGNING_KEY_ENV}=~/.ssh/id_ed25519); see {DOCS}")
CACHE_VERSION = 2  # bump when the verdict rules change: cached verdicts of older rules are ignored
_HEX = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def signing_keys(config: Config) -> dict[str, str]:
    """person id → SSH public key line, for every person with a signing_key."""
    return {pid: str(spec["signing_key"]).strip() for pid, spec in config.people.items() if spec.get("signing_key")}


def require_signed(config: Config) -> bool:
    return bool(config.policy.get("require_signed"))


def signing_active(config: Config) -> bool:
    """Whether records are signed and checked at all (some person has a key, or the policy demands it)."""
    return require_signed(config) or bool(signing_keys(config))


def allowed_signers(config: Config) -> str:
    """ssh-keygen's allowed-signers text: one line per person with a key, the person id as principal."""
    return "".join(f'{pid} namespaces="git" {" ".join(key.split()[:2])}\n'
                   for pid, key in sorted(signing_keys(config).items()))


def local_signing_key(root: Path) -> str | None:
    """The private key (or public key held by ssh-agent) this user signs with, or None.

    `AGENTCTL_SIGNING_KEY` first, else git's `user.signingkey` when `gpg.format` is ssh.
    """
    explicit = os.environ.get(SIGNING_KEY_ENV, "").strip()
    if explicit:
        return os.path.expanduser(explicit)

    git = Git(root)
    if (git.ok("config", "--get", "gpg.format") or "").strip() != "ssh":
        return None
    key = (git.ok("config", "--get", "user.signingkey") or "").strip()
    if not key:
        return None
    return key if key.startswith("key::") else os.path.expanduser(key)


@dataclass(frozen=True)
class Verdict:
    commit: str
    status: str  # "verified" | "unsigned" | "forged"
    signer: str | None  # person whose key made the signature
    claimed: str | None  # person the record names
    detail: str

    def trusted(self, strict: bool) -> bool:
        """Whether the record may stand (strict = policy.require_signed: unsigned records may not)."""
        return self.status == "verified" or (self.status == "unsigned" and not strict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Verifier:
    """Verifies records of one repository, keeping per-config allowed-signers files and verdicts.

    `fallback` is the config used when a revision has no readable agentctl.yaml (a repo with none
    committed yet): normally the committed authority of the command.
    """

    def __init__(self, root: Path, fallback: Config, git_dir: Path | None = None) -> None:
        self.root = Path(root)
        self.git = Git(self.root)
        self.fallback = fallback
        self._git_dir = git_dir
        self._head: str | None = None
        self._ancestors: dict[str, bool] = {}
        self._configs: dict[str, Config] = {}
        self.verdicts: dict[str, Verdict] = {}

    # -- which agentctl.yaml speaks for a record -------------------------------------------------
    @property
    def head(self) -> str | None:
        if self._head is None:
            self._head = self.git.head() or ""
        return self._head or None

    def config_rev(self, record: Mapping[str, Any]) -> str:
        rev = str(record.get("config") or "")
        if not _HEX.match(rev) or self.head is None:
            return "HEAD"
        if rev not in self._ancestors:
            proc = self.git.run("merge-base", "--is-ancestor", rev, "HEAD", check=False)
            self._ancestors[rev] = proc.returncode == 0
        return rev if self._ancestors[rev] else "HEAD"

    def config(self, rev: str) -> Config:
        if rev not in self._configs:
            from agentctl.deploy.context import committed_config

            try:
                found = committed_config(self.root, rev)
            except Exception:  # a broken agentctl.yaml at that revision: the command's own authority speaks
                found = None
            self._configs[rev] = found or self.fallback
        return self._configs[rev]

    # -- verifying --------------------------------------------------------------------------------
    def verify(self, entries: Iterable[LogEntry]) -> list[Verdict]:
        """One verdict per entry (in order); signatures are checked by git, grouped per config revision."""
        from agentctl.deploy.state import parse_message

        entries = list(entries)
        todo: dict[str, list[tuple[LogEntry, dict[str, Any]]]] = {}
        for entry in entries:
            if entry.commit not in self.verdicts:
                record = parse_message(entry.message)[1]
                rev = self.config_rev(record)
                cached = self._cached(entry.commit, rev)
                if cached is not None:
                    self.verdicts[entry.commit] = cached
                else:
                    todo.setdefault(rev, []).append((entry, record))
        for rev, group in todo.items():
            config = self.config(rev)
            signatures = self._signatures(config, [e.commit for e, _ in group])
            for entry, record in group:
                code, principal = signatures.get(entry.commit, ("N", ""))
                self.verdicts[entry.commit] = judge(entry.commit, record, code, principal, config, rev, entry.email)
                self._remember(self.verdicts[entry.commit], rev)
        return [self.verdicts[e.commit] for e in entries]

    # -- a verdict on (commit, config commit) never changes: both are immutable objects -----------
    @property
    def _cache_dir(self) -> Path:
        if self._git_dir is None:
            self._git_dir = Path(self.git.text("rev-parse", "--absolute-git-dir").strip())
        return self._git_dir / "agentctl" / f"signatures-v{CACHE_VERSION}"

    def _cached(self, commit: str, rev: str) -> Verdict | None:
        if rev == "HEAD":
            return None  # HEAD's agentctl.yaml moves: judged afresh each time
        try:
            data = json.loads((self._cache_dir / f"{commit}-{rev}.json").read_text("utf-8"))
            return Verdict(**data)
        except (OSError, ValueError, TypeError):
            return None

    def _remember(self, verdict: Verdict, rev: str) -> None:
        if rev == "HEAD":
            return

        with contextlib.suppress(OSError):  # a cache: losing it costs time, never correctness
            self._cache_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(self._cache_dir / f"{verdict.commit}-{rev}.json", json.dumps(verdict.to_dict()))

    def _signatures(self, config: Config, commits: list[str]) -> dict[str, tuple[str, str]]:
        if shutil.which("ssh-keygen") is None:
            raise GitError("cannot verify signed deployment records: ssh-keygen is not installed",
                           "install OpenSSH's ssh-keygen (package openssh-client) and run the command again")
        with tempfile.TemporaryDirectory(prefix="agentctl-signers-") as tmp:
            signers = Path(tmp) / "allowed_signers"
            signers.write_text(allowed_signers(config), "utf-8")
            proc = self.git.run("-c", f"gpg.ssh.allowedSignersFile={signers}", "log", "--no-walk=unsorted",
                                     "--stdin", "--format=%H%x00%G?%x00%GS",
                                     input_bytes=("\n".join(commits) + "\n").encode(),
                                     action="verify signed deployment records")
        out: dict[str, tuple[str, str]] = {}
        for line in proc.stdout.decode("utf-8", "replace").splitlines():
            parts = line.split("\x00")
            if len(parts) == 3:
                out[parts[0]] = (parts[1], parts[2])
        return out


def judge(commit: str, record: Mapping[str, Any], code: str, principal: str, config: Config, rev: str,
          author_email: str = "") -> Verdict:
    """The verdict on one record from git's signature code (%G?) and principal (%GS).

    The person a record names is its `person`, else the person whose email the commit's author has
    (a hand-made commit that leaves `person` out but carries ines's address still names ines).
    """
    keys = signing_keys(config)
    claimed = record.get("person") if isinstance(record.get("person"), str) else None
    if claimed is None and author_email:
        claimed = next((pid for pid, spec in config.people.items()
                        if author_email.lower() in {str(spec.get("email", "")).lower(),
                                                    *(str(e).lower() for e in spec.get("git_emails") or [])}), None)
    where = f"agentctl.yaml at {rev[:10]}"
    if code == "G" and principal in keys:
        if claimed and principal != claimed:
            return Verdict(commit, "forged", principal, claimed, f"names {claimed} but is signed by {principal}'s key")
        requester = (record.get("requested_by") or {}).get("person") if isinstance(record.get("requested_by"), dict) else None
        if record.get("action") in ("disable", "rollback") and record.get("request") and requester == principal:
            return Verdict(commit, "forged", principal, claimed, f"approves a request {principal} opened")
        return Verdict(commit, "verified", principal, claimed, f"signed by {principal}")
    if code == "N":
        if claimed and claimed in keys:
            return Verdict(commit, "forged", None, claimed,
                           f"not signed, but {claimed} signs every action (signing_key in {where})")
        return Verdict(commit, "unsigned", None, claimed, "not signed")
    if code == "B":
        return Verdict(commit, "forged", None, claimed, "bad signature: the record was changed after it was signed")
    return Verdict(commit, "forged", None, claimed, f"signed with a key no person has in {where}")


def untrusted(verdicts: Iterable[Verdict], strict: bool) -> list[Verdict]:
    return [v for v in verdicts if not v.trusted(strict)]


def describe_untrusted(bad: list[Verdict]) -> str:
    first = bad[0]
    more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
    return f"record {first.commit[:10]} on refs/agentctl/deployments is {first.status}: {first.detail}{more}"


RESET_FIX = ("see every record with `agentctl log AGENT --verify`; a person with the engineering role moves the ref "
             "back to the last verified record (`git push --force origin <commit>:refs/agentctl/deployments`) "
             "and repeats the lost actions")


def refuse_untrusted(verdicts: Iterable[Verdict], strict: bool, what: str) -> None:
    """PolicyRefused (exit 3) when any record may not stand: nothing is built on a forged state."""
    bad = untrusted(verdicts, strict)
    if bad:
        raise PolicyRefused(f"{what} refused: {describe_untrusted(bad)}", RESET_FIX)


def require_trusted_state(root: Path, config: Config, env: str, agents: Iterable[str], what: str) -> None:
    """Refuse (exit 3) to serve or export a state resting on a forged record (or, under
    `policy.require_signed`, an unsigned one). `config` is the checkout's; the committed one decides."""
    from agentctl.deploy.context import committed_authority
    from agentctl.deploy.state import state_path, store

    authority = committed_authority(root, config)
    if not signing_active(authority):
        return
    deployments = store(root)
    entries = {e.commit: e for agent in agents for e in deployments.log(path=state_path(env, agent), sync=False)}
    verifier = Verifier(root, authority, deployments.git_dir)
    refuse_untrusted(verifier.verify(entries.values()), require_signed(authority), what)
