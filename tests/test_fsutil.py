from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.fsutil import write_atomic


def test_writes_text_and_bytes_creating_folders(tmp_path: Path) -> None:
    assert write_atomic(tmp_path / "a" / "b.txt", "hé\n").read_text("utf-8") == "hé\n"
    assert write_atomic(tmp_path / "c.bin", b"\x00\x01").read_bytes() == b"\x00\x01"


def test_failure_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path, monkeypatch) -> None:
    target = write_atomic(tmp_path / "state.json", "old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("agentctl.fsutil.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
