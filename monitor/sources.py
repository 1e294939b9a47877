"""Audio sources: recordings and live devices, as 16 kHz mono chunks per counter side.

A counter intercom records staff and customer on separate channels; a channel map says
which is which (default: channel 0 staff, channel 1 customer). Everything downstream sees
`AudioChunk`s with one time base: seconds from the start of the source.
"""
from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .errors import AudioError, ConfigError, InputError
from .records import ROLES, AudioChunk

SAMPLE_RATE = 16000
AUDIO_SUFFIXES = (".wav", ".flac")
OTHER_AUDIO = (".mp3", ".ogg", ".opus", ".m4a", ".aac", ".wma", ".amr")  # refused by name
DEFAULT_CHANNELS = ("staff", "customer")
SKIP = "-"  # a channel map entry for a channel nobody listens to
MIXED = "mixed"  # one pickup microphone holding both voices (speakers.py tells them apart)
ALL = -1  # a channel index: every channel averaged

log = logging.getLogger("courtesy.sources")


def parse_channels(value: str | None) -> tuple[str, ...]:
    """`staff,customer` -> ('staff', 'customer'); `-` skips a channel; `mixed` alone is one
    channel (a stereo source's channels averaged) holding both voices."""
    if not value:
        return DEFAULT_CHANNELS
    roles = tuple(part.strip() for part in value.split(","))
    if MIXED in roles and roles != (MIXED,):
        raise ConfigError(f"channel map {value!r}: mixed stands alone (one channel holding "
                          f"both voices)")
    for role in roles:
        if role not in ROLES + (SKIP, MIXED):
            raise ConfigError(f"channel map {value!r}: {role!r} is not staff, customer, "
                              f"mixed or -")
    if not any(role != SKIP for role in roles):
        raise ConfigError(f"channel map {value!r} listens to no channel")
    return roles


def channel_roles(label, channels: int, roles: tuple[str, ...]) -> list[tuple[int, str]]:
    """Which channel index feeds which role; a mono source gets one role."""
    heard = [r for r in roles if r != SKIP]
    if heard == [MIXED]:
        return [(ALL, MIXED)]
    if channels == 1 and len(heard) > 1:
        log.warning("%s is mono: staff and customer cannot be told apart, so all speech is "
                    "treated as staff speech (give --channels staff or --channels customer "
                    "to say whose voice it is)", label)
        return [(0, "staff")]
    if channels == 1:
        return [(0, heard[0])]
    if len(roles) > channels:
        raise ConfigError(f"{label} has {channels} channels but the channel map names "
                          f"{len(roles)}")
    return [(index, role) for index, role in enumerate(roles) if role != SKIP]


@dataclass
class FileOptions:
    """How a recording is read."""

    chunk_s: float = 0.1  # seconds of audio per chunk handed on
    # seconds decoded at a time, handed on in chunks: soundfile seeks after every read,
    # and a FLAC decoder seeking decodes its frame again (0.2 ms a read)
    read_s: float = 2.0
    quality: str = "HQ"  # soxr resampling quality: QQ LQ MQ HQ VHQ


def read_file(path, roles: tuple[str, ...] = DEFAULT_CHANNELS,
              options: FileOptions | None = None) -> Iterator[AudioChunk]:
    """Stream a WAV or FLAC recording at any rate as 16 kHz chunks, one per role per block.

    A bad file (not audio, empty, truncated, unsupported) raises one InputError naming it.
    """
    import soundfile as sf
    import soxr

    options = options or FileOptions()
    path = Path(path)
    if path.suffix.lower() not in AUDIO_SUFFIXES:
        raise InputError(path, f"不支持的音频格式 {path.suffix or '（无扩展名）'!r}，请用 WAV 或 FLAC "
                               f"（例如 sox IN -r 16000 OUT.flac）")
    try:
        handle = sf.SoundFile(path)
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise InputError(path, f"不是可读取的音频文件（{_reason(exc)}）") from None
    with handle:
        if handle.frames == 0:
            raise InputError(path, "文件中没有音频")
        missing = _wav_missing_bytes(path) if handle.format == "WAV" else 0
        if missing:
            raise InputError(path, f"文件不完整：缺少 {missing} 字节音频数据"
                                   f"（复制或录音中断？）")
        mapping = channel_roles(path, handle.channels, roles)
        rate = handle.samplerate
        resampler = (soxr.ResampleStream(rate, SAMPLE_RATE, handle.channels, dtype="float32",
                                          quality=options.quality)
                     if rate != SAMPLE_RATE else None)
        block = max(1, round(options.chunk_s * rate))
        position = 0
        read = 0
        try:
            for frames in handle.blocks(block * max(1, round(options.read_s / options.chunk_s)),
                                        dtype="float32", always_2d=True):
                read += len(frames)
                for at in range(0, len(frames), block):
                    piece = frames[at:at + block]
                    out = resampler.resample_chunk(piece) if resampler else piece
                    yield from _split(out, mapping, position)
                    position += len(out)
            if resampler:
                yield from _split(resampler.resample_chunk(
                    np.zeros((0, handle.channels), np.float32), last=True), mapping, position)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise InputError(path, f"第 {read / rate:.1f} 秒之后的音频无法解码"
                                   f"（{_reason(exc)}）") from None
        if read < handle.frames:
            raise InputError(path, f"文件不完整：文件头标明 {handle.frames / rate:.1f} 秒，"
                                   f"只读出 {read / rate:.1f} 秒")


def _wav_missing_bytes(path: Path) -> int:
    """libsndfile quietly reads a cut-off WAV as a shorter one; its header still knows."""
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    at = head.find(b"data")
    if at < 0:
        return 0
    declared = int.from_bytes(head[at + 4:at + 8], "little")
    available = path.stat().st_size - (at + 8)
    return declared - available if 0 < declared < 0xFFFFFFFF and declared > available else 0


def _reason(exc: Exception) -> str:
    return str(exc).split(": ", 1)[-1] if ": " in str(exc) else str(exc)


def _split(frames: np.ndarray, mapping, position: int) -> Iterator[AudioChunk]:
    if len(frames) == 0:
        return
    start = position / SAMPLE_RATE
    for index, role in mapping:
        samples = frames.mean(axis=1) if index == ALL else frames[:, index]
        yield AudioChunk(role, np.ascontiguousarray(samples, np.float32), start)


def file_duration(path) -> float:
    import soundfile as sf

    try:
        return sf.info(str(path)).duration
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise InputError(path, f"不是可读取的音频文件（{_reason(exc)}）") from None


def names_a_file(device) -> bool:
    """A device given as a path (an audio file to replay, or a mistake): never a microphone
    to retry forever. PortAudio's device names carry no path separator."""
    if not isinstance(device, (str, Path)):
        return False
    text = str(device)
    return "/" in text or "\\" in text or Path(text).suffix.lower() in AUDIO_SUFFIXES + \
        OTHER_AUDIO or Path(text).is_file()


class Level:
    """An input's recent level and when it was last above a floor (a live microphone always
    hears some room noise; a dead one gives digital silence), for the heartbeat."""

    def __init__(self, floor_dbfs: float = -70.0, clock: Callable[[], float] = time.monotonic):
        self.floor_dbfs = floor_dbfs
        self.clock = clock
        self.dbfs: float | None = None
        self.loud_at = clock()  # monotonic time the input was last above the floor

    def hear(self, chunks: list[AudioChunk]) -> None:
        if not chunks:
            return
        power = max(float(np.mean(np.square(c.samples))) if len(c.samples) else 0.0
                    for c in chunks)
        self.dbfs = max(-120.0, 10 * np.log10(power)) if power > 0 else -120.0
        if self.dbfs > self.floor_dbfs:
            self.loud_at = self.clock()


def portaudio():
    """sounddevice, or an AudioError saying how to install PortAudio."""
    try:
        import sounddevice
    except OSError as exc:  # PortAudio library missing
        raise AudioError(f"无法使用音频设备：{exc}"
                         f"（请安装 PortAudio：apt-get install libportaudio2）") from None
    return sounddevice


def devices() -> list[dict]:
    """Input devices PortAudio can see: index, name, channels, default rate."""
    sd = portaudio()
    return [{"index": i, "name": d["name"], "channels": d["max_input_channels"],
             "rate": d["default_samplerate"]}
            for i, d in enumerate(sd.query_devices()) if d["max_input_channels"] > 0]


@dataclass
class LiveOptions:
    """How a live device is read."""

    chunk_s: float = 0.1  # PortAudio block size in seconds
    queue_s: float = 30.0  # audio buffered for a slow consumer before blocks are dropped
    stall_s: float = 3.0  # no audio for this long from an open stream: the device is lost
    backoff_s: float = 1.0  # first wait before reopening a lost device
    max_backoff_s: float = 30.0  # the wait doubles up to this
    realtime: bool = False  # a recording given as a device: played at the pace it was spoken


class Source(Protocol):
    """What the monitor reads a window's audio from: a live device or a recording replayed
    through the same path. Losses are counted, never silent."""

    finished: bool  # only a replay ends
    overflows: int  # input overflows reported by the device
    dropped_s: float  # audio dropped because the consumer was slow
    reopens: int
    lost: bool  # a device gone and being reopened
    level: Level  # its recent level, and when it last heard anything

    def open(self) -> None: ...

    def read(self, timeout: float = 0.0) -> list[AudioChunk]: ...

    def close(self) -> None: ...


class LiveSource:
    """One input device read through PortAudio, reopened with backoff when it is lost.

    PortAudio's callback only copies blocks into a bounded queue; a block that does not fit
    is counted in `dropped_s`, and input overflows reported by PortAudio in `overflows`, so
    audio is never lost silently. `read()` never blocks for longer than its timeout.
    """

    def __init__(self, device: str | int | None, roles: tuple[str, ...] = DEFAULT_CHANNELS,
                 options: LiveOptions | None = None,
                 on_event: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.device = int(device) if isinstance(device, str) and device.isdigit() else device
        self.roles = roles
        self.options = options or LiveOptions()
        self.on_event = on_event or (lambda message: None)
        self.clock = clock
        self.channels = len(roles)
        self.mapping: list[tuple[int, str]] = []
        self.finished = False
        self.overflows = 0
        self.dropped_s = 0.0
        self.dropped = 0  # blocks dropped (dropped_s in blocks, for the heartbeat's count)
        self.reopens = 0
        self.level = Level(clock=clock)
        self._queue: queue.Queue = queue.Queue(
            maxsize=max(1, round(self.options.queue_s / self.options.chunk_s)))
        self._stream = None
        self._resampler = None
        self._origin = 0.0  # clock() at the first open: time zero of this source
        self._position = 0  # 16 kHz samples handed on since time zero
        self._last_audio = 0.0
        self._retry_at = 0.0
        self._backoff = self.options.backoff_s

    def open(self) -> None:
        """Open the device now; a device that cannot be opened raises AudioError."""
        self._origin = self.clock()
        self._open()

    def _open(self) -> None:
        sd = portaudio()
        try:
            info = sd.query_devices(self.device, "input")
            channels = min(self.channels, int(info["max_input_channels"])) or 1
            rate = SAMPLE_RATE
            try:
                sd.check_input_settings(self.device, channels=channels, samplerate=rate)
            except (sd.PortAudioError, ValueError):  # no 16 kHz: resample its own rate
                rate = int(info["default_samplerate"])
            stream = sd.InputStream(
                device=self.device, channels=channels, samplerate=rate, dtype="float32",
                blocksize=round(self.options.chunk_s * rate), callback=self._callback)
            stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioError(f"音频设备 {self.device!r}：{exc}") from None
        self.mapping = channel_roles(f"device {self.device!r}", channels, self.roles)
        self._resampler = None
        if rate != SAMPLE_RATE:
            import soxr

            self._resampler = soxr.ResampleStream(rate, SAMPLE_RATE, channels, dtype="float32")
        self._stream = stream
        self._last_audio = self.clock()

    def _callback(self, indata, frames, when, status) -> None:
        if status.input_overflow:
            self.overflows += 1
        try:
            self._queue.put_nowait(indata.copy())
        except queue.Full:
            self.dropped += 1
            self.dropped_s += frames / (self._stream.samplerate if self._stream else SAMPLE_RATE)

    def read(self, timeout: float = 0.1) -> list[AudioChunk]:
        """The audio that has arrived (possibly none); reopens a lost device when it is time."""
        now = self.clock()
        if self._stream is None:
            if now < self._retry_at:
                return []
            try:
                self._open()
            except AudioError as exc:
                self._retry_at = now + self._backoff
                self.on_event(f"{exc}; retrying in {self._backoff:.0f} s")
                self._backoff = min(self._backoff * 2, self.options.max_backoff_s)
                return []
            self.reopens += 1
            self._backoff = self.options.backoff_s
            self._position = round((self.clock() - self._origin) * SAMPLE_RATE)
            self.on_event(f"音频设备 {self.device!r} 已重新打开")
        chunks = []
        try:
            block = self._queue.get(timeout=timeout)
            while True:
                chunks += self._chunks(block)
                block = self._queue.get_nowait()
        except queue.Empty:
            pass
        if chunks:
            self._last_audio = now
            self.level.hear(chunks)
        elif not self._stream.active or now - self._last_audio > self.options.stall_s:
            self._drop_stream(f"音频设备 {self.device!r} 已断开"
                              f"（{now - self._last_audio:.1f} 秒没有音频）")
        return chunks

    def _chunks(self, block: np.ndarray) -> list[AudioChunk]:
        out = self._resampler.resample_chunk(block) if self._resampler else block
        chunks = list(_split(out, self.mapping, self._position))
        self._position += len(out)
        return chunks

    def _drop_stream(self, message: str) -> None:
        self.on_event(message)
        self._close_stream()
        self._retry_at = self.clock() + self._backoff

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
                stream.close()
            except portaudio().PortAudioError as exc:  # a vanished device: it is gone anyway
                log.debug("closing %r: %s", self.device, exc)

    @property
    def lost(self) -> bool:
        """The device is gone (unplugged, its server down) and is being reopened."""
        return self._stream is None and not self.finished

    @property
    def elapsed(self) -> float:
        """Seconds of source time handed on so far."""
        return self._position / SAMPLE_RATE

    def close(self) -> None:
        self._close_stream()


class FileReplay:
    """A recording fed block by block through the live path: as fast as it is processed, or
    with `realtime` at the pace it was spoken (so the board follows it as if live)."""

    def __init__(self, path: Path, roles: tuple[str, ...], realtime: bool = False,
                 clock: Callable[[], float] = time.monotonic):
        """A missing or unreadable recording is one InputError now, not a device to retry."""
        if not path.is_file():
            raise InputError(path, "录音文件不存在（作为设备给出的 WAV/FLAC 文件会被回放）")
        file_duration(path)
        self.overflows = 0
        self.dropped_s = 0.0
        self.reopens = 0
        self.lost = False  # a file being replayed cannot be unplugged
        self.level = Level()
        self._chunks = read_file(path, roles)
        self._next: AudioChunk | None = None
        self.finished = False
        self.realtime, self._clock = realtime, clock
        self._began = 0.0

    def open(self) -> None:
        self._next = next(self._chunks, None)
        self.finished = self._next is None
        self._began = self._clock()

    def read(self, timeout: float = 0.0) -> list[AudioChunk]:
        """The chunks of the next block (all roles at one start time); in real time, none
        before that block was spoken (waiting at most `timeout`)."""
        if self._next is None:
            self.finished = True
            return []
        if self.realtime:
            due = self._began + self._next.start - self._clock()
            if due > timeout:
                time.sleep(max(timeout, 0.0))
                return []
            time.sleep(max(due, 0.0))
        block = [self._next]
        for chunk in self._chunks:
            if chunk.start != block[0].start:
                self._next = chunk
                self.level.hear(block)
                return block
            block.append(chunk)
        self._next = None
        self.level.hear(block)
        return block

    def close(self) -> None:
        self._chunks.close()
