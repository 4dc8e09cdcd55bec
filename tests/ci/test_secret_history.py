"""Reading added lines out of `git log -p`: line numbers, several commits, header look-alikes, deletions."""

from __future__ import annotations

from agentctl.ci.secret_history import commit_additions, final_additions, parse_patch
from tests.helpers import RepoDir

PATCH = """\x00commit aaaa

diff --git a/notes.md b/notes.md
--- a/notes.md
+++ b/notes.md
@@ -2,0 +3,3 @@ title
+++ looks like a header
+diff --git a/x b/x
+@@ -1 +1 @@
@@ -9 +12 @@
-old
+new
\\ No newline at end of file
diff --git a/gone.md b/gone.md
deleted file mode 100644
--- a/gone.md
+++ /dev/null
@@ -1,2 +0,0 @@
-a
-b
\x00commit bbbb

diff --git "a/we\\tird.md" "b/we\\tird.md"
new file mode 100644
--- /dev/null
+++ "b/we\\tird.md"
@@ -0,0 +1 @@
+hello
"""


def test_parse_patch_numbers_added_lines_per_commit() -> None:
    assert list(parse_patch(PATCH)) == [
        ("aaaa", {"notes.md": [(3, "++ looks like a header"), (4, "diff --git a/x b/x"), (5, "@@ -1 +1 @@"),
                               (12, "new")]}),
        ("bbbb", {"we\tird.md": [(1, "hello")]})]


def test_commits_and_working_tree_are_read_from_git(example_repo: RepoDir) -> None:
    base = example_repo.git("rev-parse", "HEAD").strip()
    example_repo.gen({"scripts/a.sh": "echo 1\necho 2\n"}, commit="add a")
    example_repo.gen({"scripts/a.sh": "echo 1\n"}, commit="trim a")
    example_repo.gen({"agentctl.yaml": example_repo.read("agentctl.yaml") + "# more\n", "new.txt": "x\n"})
    commits = commit_additions(example_repo.path, base)
    assert [files for _, files in commits] == [{"scripts/a.sh": [(1, "echo 1"), (2, "echo 2")]}, {}]
    final = final_additions(example_repo.path, base)
    assert final["scripts/a.sh"] == [(1, "echo 1")]
    assert final["new.txt"] == [(1, "x")]
    assert final["agentctl.yaml"] == [(len(example_repo.read("agentctl.yaml").splitlines()), "# more")]
