"""symnn.io.write_atomic: ordinary permissions, no leftovers of killed writes, directories refused."""

import os
import signal
import stat
import subprocess
import sys

import pytest

from symnn.io import temporary_name, write_atomic

posix = pytest.mark.skipif(os.name != "posix", reason="file modes and the umask are POSIX")


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@posix
@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_a_written_file_has_the_mode_the_umask_gives_a_new_file(tmp_path, umask):
    old = os.umask(umask)
    try:
        new = write_atomic(tmp_path / "new.md", "text")
        replaced = tmp_path / "old.md"
        replaced.write_text("old", encoding="utf-8")
        os.chmod(replaced, 0o600)
        write_atomic(replaced, b"bytes", force=True)
        with open(tmp_path / "oracle.md", "w") as f:  # what open(..., "w") gives, the oracle
            f.write("x")
    finally:
        os.umask(old)
    assert mode(new) == mode(tmp_path / "oracle.md") == 0o666 & ~umask
    assert mode(replaced) == 0o666 & ~umask  # a replaced file gets a new file's mode, not its old one
    assert replaced.read_bytes() == b"bytes"


def test_a_killed_write_leaves_nothing_behind_on_the_next_write(tmp_path):
    target = tmp_path / "doc.md"
    # what a write killed between creating its temporary file and renaming it leaves: symnn's pattern
    leftover = temporary_name(target)
    leftover.write_text("half a docu", encoding="utf-8")
    old_style = tmp_path / ".doc.md.k2j_9xq0.tmp"  # tempfile.mkstemp's names, from before this version
    old_style.write_text("half", encoding="utf-8")
    unrelated = [tmp_path / ".doc.md.notmine.tmp", tmp_path / ".other.md.abcdefgh.tmp", tmp_path / "doc.md.tmp"]
    for path in unrelated:
        path.write_text("keep", encoding="utf-8")
    write_atomic(target, "whole")
    assert target.read_text(encoding="utf-8") == "whole"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["doc.md", *(p.name for p in unrelated)])


@pytest.mark.skipif(os.name != "posix", reason="a real kill of a writing process")
def test_a_process_killed_while_writing_leaves_nothing_on_the_next_run(tmp_path):
    target = tmp_path / "big.bin"
    # deterministic: a child opens its temporary file the way write_atomic does, then is killed before renaming
    code = (
        "import sys, time; from pathlib import Path; from symnn import io\n"
        "fd, tmp = io._open_temporary(Path(sys.argv[1]))\n"
        "print(tmp, flush=True); time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, text=True)
    tmp = child.stdout.readline().strip()
    assert os.path.exists(tmp)
    write_atomic(target, "during")  # a write in progress (the child holds it) is spared
    assert os.path.exists(tmp)
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert os.path.exists(tmp)  # the kill left it
    write_atomic(target, "after", force=True)
    assert sorted(os.listdir(tmp_path)) == ["big.bin"]
    assert target.read_text(encoding="utf-8") == "after"


def test_an_interrupted_write_removes_its_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "doc.md"

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "text")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("force", [False, True])
def test_a_directory_is_refused_and_nothing_is_written(tmp_path, force):
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match=rf"^cannot write {folder}: it is a directory$"):
        write_atomic(folder, "text", force=force)
    assert list(folder.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_existing_file_needs_force(tmp_path):
    target = tmp_path / "doc.md"
    target.write_text("keep", encoding="utf-8")
    with pytest.raises(FileExistsError, match="exists; pass force=True"):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "keep"


@posix
def test_every_file_the_commands_write_has_the_umask_mode(tmp_path, capsys):
    # what `make docs` met: documents, figures and checkpoints all came out 0600
    from symnn.cli import main

    old = os.umask(0o022)
    try:
        assert main(["derive", "--layers", "1,1", "-o", str(tmp_path / "d.md")]) == 0
        assert main(["derive", "--layers", "1,1", "-o", str(tmp_path / "d.tex")]) == 0
        argv = ["train", "--dataset", "xor", "--layers", "2,2,1", "--epochs", "2", "--quiet"]
        assert main([*argv, "--save", str(tmp_path / "m.npz")]) == 0
    finally:
        os.umask(old)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["d-network.svg", "d.md", "d.tex", "m.npz"]
    assert {name: mode(tmp_path / name) for name in written} == dict.fromkeys(written, 0o644)
