"""The model store: install from a folder, an archive or a URL; verification; clear errors."""
from __future__ import annotations

import hashlib
import shutil
import zipfile

import pytest
from click.testing import CliRunner

from audio_support import SHERPA_SHARED, need_shared
from monitor import models
from monitor.cli import cli
from monitor.errors import ModelError

SHERPA = models.SHERPA_KWS
VOSK = models.VOSK_CN


def test_install_from_folder_verifies_and_lists(tmp_path):
    need_shared(SHERPA_SHARED)
    path = models.install(SHERPA, SHERPA_SHARED, root=tmp_path)
    assert path == tmp_path / SHERPA
    assert models.locate(SHERPA, tmp_path) == path
    listed = models.installed(tmp_path)
    assert [(m.name, m.path, m.problems) for m in listed] == [(SHERPA, path, ())]
    (path / "tokens.txt").unlink()  # copies of read-only sources stay removable
    models.install(SHERPA, SHERPA_SHARED, root=tmp_path)
    assert (path / "tokens.txt").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no scratch left"


@pytest.mark.slow
def test_install_from_tar_bz2_and_file_url(tmp_path):
    archive = need_shared(SHERPA_SHARED.with_name(SHERPA + ".tar.bz2"))
    assert models.install(SHERPA, archive, root=tmp_path / "a").is_dir()
    seen = []
    path = models.install(SHERPA, archive.as_uri(), root=tmp_path / "b",
                          progress=lambda done, total: seen.append(done))
    assert models.locate(SHERPA, tmp_path / "b") == path
    assert seen and seen[-1] == archive.stat().st_size


def test_tampered_copy_is_refused_and_nothing_is_installed(tmp_path):
    source = tmp_path / "copy"
    shutil.copytree(need_shared(SHERPA_SHARED), source)
    (source / "tokens.txt").chmod(0o644)
    (source / "tokens.txt").write_text("<blk> 0\n")
    with pytest.raises(ModelError, match="tokens.txt has the wrong sha256"):
        models.install(SHERPA, source, root=tmp_path / "models")
    assert not (tmp_path / "models" / SHERPA).exists()


def test_failed_reinstall_keeps_the_working_model(tmp_path):
    models.install(SHERPA, need_shared(SHERPA_SHARED), root=tmp_path)
    with pytest.raises(ModelError):
        models.install(SHERPA, tmp_path / "nowhere", root=tmp_path)
    assert models.locate(SHERPA, tmp_path)


def test_missing_and_broken_models_name_the_install_command(tmp_path):
    with pytest.raises(ModelError, match=f"not installed.*courtesy model install {VOSK}"):
        models.locate(VOSK, tmp_path)
    (tmp_path / VOSK / "am").mkdir(parents=True)
    (tmp_path / VOSK / "am" / "final.mdl").write_bytes(b"x")
    with pytest.raises(ModelError, match=f"broken.*graph/Gr.fst missing.*install {VOSK}"):
        models.locate(VOSK, tmp_path)


def _fake_vosk_zip(path):
    with zipfile.ZipFile(path, "w") as packed:
        for rel in models.KNOWN[VOSK].files:
            packed.writestr(f"{VOSK}/{rel}", b"not a model")
    return path


def test_vosk_archive_is_verified_before_unpacking(tmp_path):
    archive = _fake_vosk_zip(tmp_path / f"{VOSK}.zip")
    with pytest.raises(ModelError, match="bytes, expected 43898754"):
        models.install(VOSK, archive, root=tmp_path / "models")
    with pytest.raises(ModelError, match="bytes, expected 43898754"):
        models.install(VOSK, archive.as_uri(), root=tmp_path / "models")
    assert not (tmp_path / "models" / VOSK).exists()


def test_vosk_files_are_verified_when_the_archive_checksum_does_not_apply(tmp_path):
    """A folder copy has no archive: each file is checked against its known sha256."""
    folder = tmp_path / VOSK
    for rel in models.KNOWN[VOSK].files:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(b"not a model")
    with pytest.raises(ModelError, match="am/final.mdl has the wrong sha256"):
        models.install(VOSK, folder, root=tmp_path / "models")


def test_install_accepts_a_zip_that_matches(tmp_path, monkeypatch):
    """The zip path end to end, with a registry entry whose checksums fit a small archive."""
    archive = _fake_vosk_zip(tmp_path / "small.zip")
    data = archive.read_bytes()
    small = models.ModelSpec(
        name="small", engine="vosk", url="", archive_size=len(data),
        archive_sha256=hashlib.sha256(data).hexdigest(),
        files={rel: hashlib.sha256(b"not a model").hexdigest() for rel in models.KNOWN[VOSK].files})
    monkeypatch.setitem(models.KNOWN, "small", small)
    path = models.install("small", archive, root=tmp_path / "models")
    assert (path / "graph" / "HCLr.fst").read_bytes() == b"not a model"


def test_unsafe_and_corrupt_archives(tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as packed:
        packed.writestr("../outside.txt", "x")
    with pytest.raises(ModelError, match="unsafe path"):
        models.install(SHERPA, evil, root=tmp_path / "m")
    broken = tmp_path / "broken.tar.bz2"
    broken.write_bytes(b"BZh91AY&SY garbage")
    with pytest.raises(ModelError, match="cannot unpack"):
        models.install(SHERPA, broken, root=tmp_path / "m")
    with pytest.raises(ModelError, match="unknown model 'nope'"):
        models.install("nope", broken, root=tmp_path / "m")


def test_unreachable_url_says_how_to_install_offline(tmp_path):
    with pytest.raises(ModelError, match=f"cannot download.*courtesy model install {VOSK} --from"):
        models.install(VOSK, "http://127.0.0.1:9/vosk.zip", root=tmp_path)


def test_cli_model_install_and_list(tmp_path, monkeypatch):
    monkeypatch.setenv("COURTESY_MODELS", str(tmp_path))
    runner = CliRunner()
    result = runner.invoke(cli, ["model", "list"])
    assert result.exit_code == 0
    assert f"未安装（courtesy model install {SHERPA}）" in result.output
    bad = _fake_vosk_zip(tmp_path / "bad.zip")
    result = runner.invoke(cli, ["model", "install", VOSK, "--from", str(bad)])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith(f"错误：{bad}: ")
    need_shared(SHERPA_SHARED)
    result = runner.invoke(cli, ["model", "install", SHERPA, "--from", str(SHERPA_SHARED)])
    assert result.exit_code == 0, result.output
    assert "已安装，位于 " + str(tmp_path / SHERPA) in runner.invoke(cli, ["model", "list"]).output
