"""Cross-file checks for the operating cadence: runbooks are owned and exist; rubrics are valid and owned."""

from __future__ import annotations

from collections.abc import Iterator

from agentctl.model.artifacts import Workspace
from agentctl.model.crossref import check
from agentctl.model.diagnostics import Diagnostic


@check
def runbooks_exist_and_are_owned(ws: Workspace) -> Iterator[Diagnostic]:
    from agentctl.runbooks.book import RUNBOOKS_DIR, load_all, runbook_name

    books, problems = load_all(ws.root)
    yield from problems
    people = ws.config.people
    for book in books.values():
        if people and book.owner not in people:
            text = (ws.root / book.path).read_text("utf-8").splitlines()
            line = next((i for i, t in enumerate(text, 1) if t.startswith("owner:")), 2)
            yield Diagnostic(book.path, line, 8, f"runbook owner '{book.owner}' is not a person in agentctl.yaml",
                             f"use one of: {', '.join(sorted(people))}")
    parsed_or_broken = set(books) | {runbook_name(d.file) for d in problems}
    doc = ws.config.doc
    for metric, spec in ws.config.metrics.items():
        ref = spec.get("runbook")
        if ref and runbook_name(ref) not in parsed_or_broken:
            yield doc.diagnostic(["metrics", metric, "runbook"],
                                 f"metric '{metric}' names runbook '{ref}', which does not exist",
                                 f"write {RUNBOOKS_DIR}/{runbook_name(ref)}.md or use one of: "
                                 f"{', '.join(sorted(books)) or 'none yet'}")


@check
def rubrics_are_valid(ws: Workspace) -> Iterator[Diagnostic]:
    from agentctl.review.rubric import rubric_paths, validate_rubric_file

    for agent, path in rubric_paths(ws.root).items():
        yield from validate_rubric_file(path, agent, set(ws.agents), ws.config.people)
