"""The model store: speech models installed into `models/NAME/`, verified by sha256.

Models are never fetched behind the user's back: `courtesy model install NAME` downloads,
copies or unpacks one, checks it against the checksums below and moves it into place in
one rename, so a failed install never leaves half a model where an engine would load it.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ModelError

PROJECT = Path(__file__).resolve().parent.parent
SHARED_MODELS = PROJECT.parent / "shared" / "models"  # ../shared/models beside a checkout
_ARCHIVES = (".zip", ".tar.bz2", ".tar.gz", ".tgz")
_BLOCK = 1 << 20

Progress = Callable[[int, int], None]  # (bytes done, bytes total or 0 when unknown)


@dataclass(frozen=True)
class ModelSpec:
    """A model the monitor knows how to install and verify."""

    name: str
    engine: str  # sherpa | vosk
    url: str  # upstream archive
    files: dict[str, str]  # path inside the model folder -> sha256; what the engine loads
    archive_size: int = 0  # bytes, 0 when not known
    archive_sha256: str = ""  # "" when not known (then the files alone are verified)
    licence: str = ""


SHERPA_KWS = "sherpa-onnx-kws-zipformer-wenetspeech-3.3M-2024-01-01-mobile"
VOSK_CN = "vosk-model-small-cn-0.22"

KNOWN: dict[str, ModelSpec] = {spec.name: spec for spec in (
    ModelSpec(
        name=SHERPA_KWS, engine="sherpa",
        url="https://github.com/k2-fsa/sherpa-onnx/releases/download/kws-models/"
            f"{SHERPA_KWS}.tar.bz2",
        files={
            "encoder-epoch-12-avg-2-chunk-16-left-64.int8.onnx":
                "4ded45b30961270f2a9a64bede4569b324c36d4f3a772c1b35bb70a244150675",
            "decoder-epoch-12-avg-2-chunk-16-left-64.onnx":
                "fb581d6734511676e246e0dff2fea01b31b0913176cb3ca64576dbab0a177774",
            "joiner-epoch-12-avg-2-chunk-16-left-64.int8.onnx":
                "f79760052b87239e325f0567c752ad3130b30d92effb847d4307743c20c59a24",
            "tokens.txt": "72316508d9119696145abc6f1f8cdc46287535c34e5ce7e595f845cb1499cf2e",
        },
        licence="Apache-2.0"),
    ModelSpec(
        name=VOSK_CN, engine="vosk",
        url=f"https://alphacephei.com/vosk/models/{VOSK_CN}.zip",
        files={
            "am/final.mdl": "91eda2c04c4f599361cb92b0e5298ccdf6b3c7a1fa52bfcefcd2c4e07aa1c131",
            "graph/Gr.fst": "46d41a9b1723abccdcb354d731a5b58d87c060100d88ada1a3e31220f52b0434",
            "graph/HCLr.fst": "798af0d9ba6f2d727747f58e1e7b2305f8618bc8ea7f6c51beecd8a2c965b965",
            "ivector/final.ie": "c39d46fbff04efb7baa9660ae7a728b0e2f35a4a1250b56ed3a599e26956df86",
        },
        archive_size=43_898_754,
        archive_sha256="3af8b0e7e0f835ae9d414ce5df580237a3cfb08d586c9fbbb0f7ff29ad5b14ba",
        licence="Apache-2.0"),
)}


@dataclass(frozen=True)
class Installed:
    """A model folder found in the store."""

    name: str
    path: Path
    engine: str
    problems: tuple[str, ...] = field(default_factory=tuple)  # missing files; empty when usable


def models_dir() -> Path:
    """`$COURTESY_MODELS`, else the `models/` folder of the checkout."""
    env = os.environ.get("COURTESY_MODELS")
    return Path(env) if env else PROJECT / "models"


def spec(name: str) -> ModelSpec:
    try:
        return KNOWN[name]
    except KeyError:
        raise ModelError(f"unknown model {name!r} (known: {', '.join(KNOWN)})") from None


def install_hint(name: str) -> str:
    return f"courtesy model install {name}"


def locate(name: str, root: Path | None = None) -> Path:
    """The folder of an installed, complete model, or a ModelError saying how to install it."""
    found = _inspect(spec(name), (root or models_dir()) / name)
    if found is None:
        raise ModelError(f"model {name} is not installed in {root or models_dir()}; "
                         f"run: {install_hint(name)}")
    if found.problems:
        raise ModelError(f"model {name} in {found.path} is broken ({'; '.join(found.problems)}); "
                         f"reinstall it: {install_hint(name)}")
    return found.path


def is_installed(name: str, root: Path | None = None) -> bool:
    found = _inspect(spec(name), (root or models_dir()) / name)
    return found is not None and not found.problems


def installed(root: Path | None = None) -> list[Installed]:
    """Every known model present in the store, complete or not."""
    root = root or models_dir()
    return [found for s in KNOWN.values() if (found := _inspect(s, root / s.name)) is not None]


def _inspect(model: ModelSpec, path: Path) -> Installed | None:
    if not path.is_dir():
        return None
    problems = tuple(f"{rel} missing" for rel in model.files if not (path / rel).is_file())
    return Installed(model.name, path, model.engine, problems)


def default_source(name: str) -> str:
    """A copy beside the checkout (`../shared/models`) when there is one, else upstream."""
    model = spec(name)
    for candidate in (SHARED_MODELS / name, SHARED_MODELS / f"{name}.tar.bz2",
                      SHARED_MODELS / f"{name}.zip"):
        if candidate.exists():
            return str(candidate)
    return model.url


def install(name: str, source: str | Path | None = None, root: Path | None = None,
            progress: Progress | None = None) -> Path:
    """Install a known model from a URL, a local archive or a local folder; verify; move in."""
    model = spec(name)
    root = root or models_dir()
    source = str(source) if source is not None else default_source(name)
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{name}-", dir=root) as scratch:
        scratch = Path(scratch)
        unpacked = scratch / "unpacked"
        if _is_url(source):
            archive = scratch / _archive_name(source)
            _download(source, archive, model, progress)
            _unpack(archive, unpacked)
        else:
            local = Path(source).expanduser()
            if local.is_dir():
                shutil.copytree(local, unpacked)
            elif local.is_file():
                if model.archive_sha256:
                    _check_archive(local, model, _sha256(local))
                _unpack(local, unpacked)
            else:
                raise ModelError(f"{local}: no such file or folder to install {name} from")
        top = _model_root(unpacked, model, source)
        _verify(top, model, source)
        _make_writable(top)
        _move_into_place(top, root / name)
    return root / name


def _is_url(source: str) -> bool:
    return source.split(":", 1)[0].lower() in ("http", "https", "file", "ftp")


def _archive_name(url: str) -> str:
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    return tail if tail.endswith(_ARCHIVES) else tail + ".zip"


def _download(url: str, target: Path, model: ModelSpec, progress: Progress | None) -> None:
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=30) as response, target.open("wb") as out:
            total = int(response.headers.get("Content-Length") or model.archive_size or 0)
            done = 0
            while block := response.read(_BLOCK):
                out.write(block)
                digest.update(block)
                done += len(block)
                if progress:
                    progress(done, total)
    except OSError as exc:  # URLError, timeouts and a full disk alike
        raise ModelError(f"cannot download {url}: {getattr(exc, 'reason', exc)}; "
                         f"download it elsewhere and run: "
                         f"courtesy model install {model.name} --from FILE") from None
    _check_archive(target, model, digest.hexdigest(), url)


def _check_archive(path: Path, model: ModelSpec, sha256: str, label: str | None = None) -> None:
    label = label or str(path)
    size = path.stat().st_size
    if model.archive_size and size != model.archive_size:
        raise ModelError(f"{label}: {size} bytes, expected {model.archive_size} "
                         f"(incomplete or a different file)")
    if model.archive_sha256 and sha256 != model.archive_sha256:
        raise ModelError(f"{label}: sha256 {sha256} does not match the known "
                         f"{model.archive_sha256} of {model.name}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _unpack(archive: Path, target: Path) -> None:
    target.mkdir()
    name = archive.name.lower()
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(archive) as packed:
                for member in packed.namelist():
                    if Path(member).is_absolute() or ".." in Path(member).parts:
                        raise ModelError(f"{archive}: unsafe path {member!r} in archive")
                packed.extractall(target)
        elif name.endswith((".tar.bz2", ".tar.gz", ".tgz")):
            with tarfile.open(archive) as packed:
                packed.extractall(target, filter="data")
        else:
            raise ModelError(f"{archive}: not a model archive (expected "
                             f"{', '.join(_ARCHIVES)}) or a folder")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise ModelError(f"{archive}: cannot unpack: {exc}") from None


def _model_root(unpacked: Path, model: ModelSpec, source: str) -> Path:
    """Archives hold the model at their top or in one folder; find the one with the files."""
    first = next(iter(model.files))
    candidates = [unpacked] + [p for p in unpacked.iterdir() if p.is_dir()]
    for candidate in candidates:
        if (candidate / first).is_file():
            return candidate
    raise ModelError(f"{source}: does not hold {model.name} ({first} not found)")


def _verify(top: Path, model: ModelSpec, source: str) -> None:
    problems = []
    for rel, expected in model.files.items():
        path = top / rel
        if not path.is_file():
            problems.append(f"{rel} missing")
        elif _sha256(path) != expected:
            problems.append(f"{rel} has the wrong sha256")
    if problems:
        raise ModelError(f"{source}: not a good copy of {model.name}: {'; '.join(problems)}")


def _make_writable(top: Path) -> None:
    """Copies of read-only sources (../shared) stay removable by a later reinstall."""
    for path in [top, *top.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)


def _move_into_place(top: Path, final: Path) -> None:
    """Rename the verified folder in; an older copy goes only after the new one is there."""
    old = final.with_name(f".{final.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    top.rename(final)
    if old.exists():
        shutil.rmtree(old)
