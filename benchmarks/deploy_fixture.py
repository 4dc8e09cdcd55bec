"""A throwaway config repo with install-reminder v1 stable and v2 as a 10% canary in staging."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def make_canary_repo(directory: Path) -> Path:
    from agentctl.ops.init import init_repo
    from agentctl.ops.release import release_bundle
    from agentctl.ops.rollout import deploy
    from agentctl.store.results import save_result

    os.environ.setdefault("AGENTCTL_ACTOR", "Ines Duarte <ines@roadwise.example>")
    root = Path(init_repo(directory).root)
    notes = ["first production release of the install reminder agent",
             "second release: the closing line now repeats the opt-out wording"]
    for note in notes:
        if note is notes[1]:
            prompt = root / "prompts/install-reminder/prompt.yaml"
            prompt.write_text(prompt.read_text().replace("version: 1", "version: 2", 1)
                              .replace("changes: >-", f"changes: >-\n  {note};", 1))
            subprocess.run(["git", "commit", "-qam", "prompt v2"], cwd=root, check=True)
        bundle = release_bundle(root, "install-reminder", note)
        for suite in ("unit", "boundary"):
            save_result(root, "install-reminder", bundle.version, suite, {"status": "passed"})
    deploy(root, "install-reminder@v1", "staging")
    deploy(root, "install-reminder@v2", "staging", canary=10)
    return root
