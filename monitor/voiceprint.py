"""A neural voice embedding: whose voice a stretch of one pickup is, by a pretrained encoder.

At 12 dB SNR the classical voice profile (`speakers.Voice`), enrolled in quiet, scores the
staff's speech, the customer's and the hall's noise alike, so before another voice is found
it cannot tell them apart (docs/benchmarks.md, "A neural voice embedding"). The GE2E voice
encoder (Wan et al. 2018) was trained on speech in the wild (LibriSpeech, VoxCeleb): a 256-
number embedding of 1.6 s of speech whose cosine to the staff member's enrolled one told
staff from customer lines on the pickup with 3 % equal error at 12 dB SNR (the profile: 26 %).

The weights are those of the `resemblyzer` wheel (Apache-2.0), installed without its
dependencies (`make setup`): its torch would bring about 2 GB of libraries, and the network
is small (3 LSTM layers of 256, a linear layer), so it runs here in numpy. The wheel's
`pretrained.pt` is a legacy torch pickle; `_read` takes only what the network needs (dicts
and float tensors, every other class refused) and the file is checked by its sha256.
"""
from __future__ import annotations

import collections
import hashlib
import importlib.util
import pickle
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import ModelError
from .sources import SAMPLE_RATE

PACKAGE = "resemblyzer==0.1.4"  # installed --no-deps for its weights (Makefile's VOICEPRINT)
SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"  # 0.1.4's
N_FFT, HOP, BANDS = 400, 160, 40  # 25 ms windows every 10 ms, 40 mel bands (as trained)
PARTIAL = 160  # frames (1.6 s) per partial utterance, as the encoder was trained
PARTIAL_SAMPLES = PARTIAL * HOP
TARGET_DBFS = -30.0  # speech is raised to this level, never lowered (as trained)
SPEECH_DB = 15.0  # 10 ms hops this far under the stretch's loud ones are left out
_HIDDEN = 256


def weights_path() -> Path | None:
    """resemblyzer's pretrained.pt where the package is installed (found without
    importing it: its __init__ imports torch), or None."""
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"
    return path if path.exists() else None


class _Storage:
    def __init__(self, dtype: str, key: str):
        self.dtype, self.key = dtype, key


class _Tensor:
    def __init__(self, storage: _Storage, offset: int, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, size, stride


_DTYPES = {"FloatStorage": "<f4", "DoubleStorage": "<f8", "LongStorage": "<i8",
           "IntStorage": "<i4"}


class _Unpickler(pickle.Unpickler):
    """torch's legacy object pickle without torch: tensors become `_Tensor` records of their
    storage and layout; any class but these (and OrderedDict) is refused."""

    def __init__(self, file):
        super().__init__(file)
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return lambda storage, offset, size, stride, *_: _Tensor(storage, offset, size,
                                                                     stride)
        if module == "torch" and name in _DTYPES:
            return name
        raise pickle.UnpicklingError(f"unexpected {module}.{name}")

    def persistent_load(self, pid):
        kind, dtype, key = pid[:3]
        if kind != "storage":
            raise pickle.UnpicklingError(f"unexpected persistent id {kind}")
        return self.storages.setdefault(key, _Storage(dtype, key))


def _read(path: Path) -> dict[str, np.ndarray]:
    """The model's tensors from a legacy torch file: four pickles (magic number, protocol,
    system info, the object with storages by key), the storage keys, then each storage as
    its element count (int64) and raw little-endian data."""
    with open(path, "rb") as f:
        if pickle.load(f) != 0x1950a86a20f9469cfc6c or pickle.load(f) != 1001:
            raise ModelError(f"{path}: not a torch file of the legacy format")
        if not pickle.load(f).get("little_endian"):
            raise ModelError(f"{path}: saved big-endian")
        unpickler = _Unpickler(f)
        state = unpickler.load()["model_state"]
        data = {}
        for key in pickle.load(f):
            dtype = np.dtype(_DTYPES[unpickler.storages[key].dtype])
            count = int(np.frombuffer(f.read(8), "<i8")[0])
            data[key] = np.frombuffer(f.read(count * dtype.itemsize), dtype)
    out = {}
    for name, tensor in state.items():
        flat = data[tensor.storage.key][tensor.offset:]
        out[name] = np.lib.stride_tricks.as_strided(
            flat, tuple(tensor.size), [s * flat.itemsize for s in tensor.stride]).astype(
            np.float32)
    return out


class Encoder:
    """The GE2E network: 3 LSTM layers over 40 mel bands, a linear layer, ReLU, unit length."""

    def __init__(self, state: dict[str, np.ndarray]):
        # the input, forget and output gates' sigmoid as tanh of half (one tanh per step)
        half = np.r_[np.full(2 * _HIDDEN, 0.5), np.ones(_HIDDEN), np.full(_HIDDEN, 0.5)]
        self._half = half.astype(np.float32)
        self._layers = [(state[f"lstm.weight_ih_l{n}"].T * self._half,
                         state[f"lstm.weight_hh_l{n}"].T * self._half,
                         (state[f"lstm.bias_ih_l{n}"] + state[f"lstm.bias_hh_l{n}"])
                         * self._half) for n in range(3)]
        self._linear = state["linear.weight"].T.copy(), state["linear.bias"]

    def __call__(self, mels: np.ndarray) -> np.ndarray:
        """Embeddings (batch, 256) of mel spectrograms (batch, frames, 40)."""
        x = mels.astype(np.float32)
        batch, steps, _ = x.shape
        h = np.zeros((batch, _HIDDEN), np.float32)
        with _one_thread():
            for w_in, w_h, bias in self._layers:
                given = (x.reshape(batch * steps, -1) @ w_in + bias).reshape(batch, steps, -1)
                h = np.zeros((batch, _HIDDEN), np.float32)
                c = np.zeros((batch, _HIDDEN), np.float32)
                x = np.empty((batch, steps, _HIDDEN), np.float32)
                gates = np.empty((batch, 4 * _HIDDEN), np.float32)
                for t in range(steps):  # gates in torch's order: input, forget, cell, output
                    np.matmul(h, w_h, out=gates)
                    gates += given[:, t]
                    np.tanh(gates, out=gates)
                    sig = gates * 0.5 + 0.5
                    c = sig[:, _HIDDEN:2 * _HIDDEN] * c + \
                        sig[:, :_HIDDEN] * gates[:, 2 * _HIDDEN:3 * _HIDDEN]
                    h = sig[:, 3 * _HIDDEN:] * np.tanh(c)
                    x[:, t] = h
            out = np.maximum(h @ self._linear[0] + self._linear[1], 0.0)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def _one_thread():
    """BLAS on one thread while the encoder runs: its matrices are small, and a pool of
    threads spinning for each of its 480 steps cost 3 times the CPU (measured)."""
    from threadpoolctl import threadpool_limits
    return threadpool_limits(1, "blas")


@lru_cache(maxsize=1)
def encoder() -> Encoder | None:
    """The encoder from the installed wheel's weights, or None when resemblyzer is not
    installed (the voice profile alone decides then); a file that is not the one checked
    is a ModelError."""
    path = weights_path()
    if path is None:
        return None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SHA256:
        raise ModelError(f"{path}：校验失败（sha256 {digest[:12]}…，应为 {SHA256[:12]}…），"
                         f"请重新安装 {PACKAGE}")
    return Encoder(_read(path))


def _mel_bank() -> np.ndarray:
    """librosa's default mel filters (Slaney's scale and area norm) for 16 kHz, 400 points."""
    def to_hz(mel):
        return np.where(mel >= 15, 1000 * np.exp(np.log(6.4) / 27 * (mel - 15)), mel * 200 / 3)
    top = 15 + np.log(SAMPLE_RATE / 2 / 1000) / (np.log(6.4) / 27)
    edges = to_hz(np.linspace(0, top, BANDS + 2))
    bins = np.fft.rfftfreq(N_FFT, 1 / SAMPLE_RATE)
    rising = (bins[None, :] - edges[:-2, None]) / np.diff(edges)[:-1, None]
    falling = (edges[2:, None] - bins[None, :]) / np.diff(edges)[1:, None]
    bank = np.maximum(0, np.minimum(rising, falling))
    return (bank * (2 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


_BANK = _mel_bank()
_HANN = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)


def mel(samples: np.ndarray) -> np.ndarray:
    """Power mel spectrogram (frames, 40), frames centred every 10 ms (not log: as trained)."""
    padded = np.pad(samples.astype(np.float32), N_FFT // 2, mode="reflect")
    count = 1 + (len(padded) - N_FFT) // HOP
    index = np.arange(N_FFT)[None, :] + HOP * np.arange(count)[:, None]
    return (np.abs(np.fft.rfft(padded[index] * _HANN, axis=1)) ** 2 @ _BANK.T).astype(
        np.float32)


def raised(samples: np.ndarray) -> np.ndarray:
    """Speech raised to TARGET_DBFS when quieter (never lowered), as the encoder was fed."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0
    if rms <= 0:
        return samples
    gain = 10 ** ((TARGET_DBFS - 20 * np.log10(rms)) / 20)
    return samples * np.float32(gain) if gain > 1 else samples


def speech(samples: np.ndarray) -> np.ndarray:
    """The stretch without its pauses and the noise in them: the 10 ms hops within
    SPEECH_DB of its loud ones (its 90th percentile). A run of the speaker tracker holds
    the pauses around its words, and the hall's noise in them, raised with the speech,
    drew a staff run's embedding away from the staff's (measured: docs/benchmarks.md)."""
    count = len(samples) // HOP
    if count < 10:
        return samples
    hops = samples[:count * HOP].reshape(count, HOP)
    level = 10 * np.log10(np.maximum(np.mean(np.square(hops, dtype=np.float64), axis=1),
                                     1e-12))
    return hops[level > np.percentile(level, 90) - SPEECH_DB].reshape(-1)


def partials(samples: np.ndarray, most: int | None = None) -> np.ndarray:
    """The mel partials (n, 160, 40) of a stretch's speech: back to back from its start
    (the last one ending at its end), at most `most` of them spread over it; shorter than
    1.6 s, one partial padded with silence (as resemblyzer pads)."""
    spectrum = mel(raised(speech(samples)))
    if len(spectrum) < PARTIAL:
        return np.pad(spectrum, ((0, PARTIAL - len(spectrum)), (0, 0)))[None]
    count = -(-len(spectrum) // PARTIAL)
    if most:
        count = min(count, most)
    starts = np.linspace(0, len(spectrum) - PARTIAL, count).round().astype(int)
    return np.stack([spectrum[s:s + PARTIAL] for s in starts])


def embed_end(samples: np.ndarray, most: int = 2) -> tuple[np.ndarray, float] | None:
    """The embedding of what a stretch just said: its speech's last `most` partials (1.6 s
    each, back to back to its end; one, padded, when it holds less), averaged, and the
    seconds of speech in them; None without the encoder (or audio)."""
    model = encoder()
    if model is None or len(samples) < N_FFT:
        return None
    spectrum = mel(raised(speech(samples)))
    count = max(1, min(most, len(spectrum) // PARTIAL))
    said = min(len(spectrum), count * PARTIAL)
    last = np.pad(spectrum[len(spectrum) - said:], ((0, count * PARTIAL - said), (0, 0)))
    mean = model(last.reshape(count, PARTIAL, BANDS)).mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12), said * HOP / SAMPLE_RATE


def embed(pieces: list[np.ndarray], most: int | None = None) -> np.ndarray | None:
    """One unit-length embedding per piece of audio (rows), the network run once over all
    their partials; None without the encoder."""
    model = encoder()
    if model is None or not pieces:
        return None
    parts = [partials(p, most) for p in pieces]
    every = model(np.concatenate(parts))
    out, at = [], 0
    for p in parts:
        mean = every[at:at + len(p)].mean(axis=0)
        out.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
        at += len(p)
    return np.array(out, np.float32)
