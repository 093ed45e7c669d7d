"""Walking the folders a user opens: order, hidden files, links, names that are not logs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop.logs.expand import _walk, expand_paths

LINE = (
    '{"ts":"2026-05-01T10:00:00Z","model":"gpt-4.1-mini","input_tokens":10,'
    '"output_tokens":2,"cache_read_tokens":0}\n'
)


def os_walk_reference(folder: Path) -> list[tuple[Path, Path]]:
    """What the walk must give: os.walk's order, every path resolved one by one."""
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                path = Path(root) / name
                out.append((path, path.resolve()))
    return out


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "linked.jsonl").write_text(LINE)
    (outside / "deep" / "under-linked-folder.jsonl").write_text(LINE)
    top = tmp_path / "logs"
    for folder in ("b", "a/z", "a/y", ".hidden"):
        (top / folder).mkdir(parents=True)
    for name in ("b/2.jsonl", "b/1.jsonl", "a/z/x.jsonl", "a/y/w.jsonl", "a/top.jsonl",
                 "root.jsonl", ".secret.jsonl", ".hidden/h.jsonl", "notes.txt"):  # fmt: skip
        (top / name).write_text(LINE)
    (top / "a" / "link.jsonl").symlink_to(outside / "linked.jsonl")
    (top / "a" / "dangling.jsonl").symlink_to(outside / "missing.jsonl")
    (top / "folder-link").symlink_to(outside / "deep", target_is_directory=True)
    return top


def test_walk_matches_os_walk_with_every_path_resolved(tree: Path) -> None:
    found = _walk(tree)
    assert found == os_walk_reference(tree)
    names = [p.relative_to(tree).as_posix() for p, _ in found]
    assert names == [
        "notes.txt", "root.jsonl",  # a folder's files before its subfolders
        "a/dangling.jsonl", "a/link.jsonl", "a/top.jsonl", "a/y/w.jsonl", "a/z/x.jsonl",
        "b/1.jsonl", "b/2.jsonl",
    ]  # fmt: skip
    resolved = dict(found)
    assert resolved[tree / "a" / "link.jsonl"] == (tree.parent / "outside/linked.jsonl").resolve()


def test_walk_resolves_a_folder_reached_through_a_link(tree: Path, tmp_path: Path) -> None:
    alias = tmp_path / "alias"
    alias.symlink_to(tree, target_is_directory=True)
    found = _walk(alias)
    assert [p for p, _ in found] == [p for p, _ in os_walk_reference(alias)]
    assert [r for _, r in found] == [r for _, r in os_walk_reference(tree)]


def test_expand_reads_each_file_once_and_skips_other_names(tree: Path) -> None:
    # The linked file and the file it points to are one file.
    expansion = expand_paths([tree, tree.parent / "outside" / "linked.jsonl"])
    paths = [f.path for f in expansion.files]
    assert len(paths) == len(set(paths))
    assert (tree.parent / "outside" / "linked.jsonl").resolve() in paths
    assert {f.format_id for f in expansion.files} == {"spendtrail"}
    skipped = {p.name: why for p, why in expansion.skipped}
    assert skipped["notes.txt"] == "not a log file name"
    assert "dangling.jsonl" in skipped  # cannot be read: listed, not an error
    assert expansion.errors == []
