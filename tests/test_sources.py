"""Recordings as 16 kHz chunks per role: any rate and channel count, channel maps, bad files."""
from __future__ import annotations

import logging

import numpy as np
import pytest
import soundfile as sf

from audio_support import RATE, tone
from monitor import sources
from monitor.errors import ConfigError, InputError


def _collect(path, roles=sources.DEFAULT_CHANNELS):
    by_role: dict[str, list] = {}
    for chunk in sources.read_file(path, roles):
        by_role.setdefault(chunk.role, []).append(chunk)
    return by_role


def _peak_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.argmax(spectrum) * RATE / len(samples))


def test_stereo_44k1_is_resampled_and_split_by_role(tmp_path):
    path = tmp_path / "counter.wav"
    left, right = tone(2.0, freq=300, rate=44100), tone(2.0, freq=1000, rate=44100)
    sf.write(path, np.stack([left, right], axis=1), 44100)
    chunks = _collect(path)
    assert set(chunks) == {"staff", "customer"}
    staff = np.concatenate([c.samples for c in chunks["staff"]])
    customer = np.concatenate([c.samples for c in chunks["customer"]])
    assert abs(len(staff) - 2 * RATE) <= 2 and len(staff) == len(customer)
    assert staff.dtype == np.float32
    assert abs(_peak_hz(staff) - 300) < 2 and abs(_peak_hz(customer) - 1000) < 2
    starts = [c.start for c in chunks["staff"]]
    lengths = np.cumsum([0] + [len(c.samples) for c in chunks["staff"]])[:-1]
    assert starts == [n / RATE for n in lengths]  # one time base: samples at 16 kHz


def test_flac_with_channel_map_and_skipped_channel(tmp_path):
    path = tmp_path / "three.flac"
    sf.write(path, np.stack([tone(1, freq=200), tone(1, freq=500), tone(1, freq=900)], 1), RATE)
    chunks = _collect(path, sources.parse_channels("-,customer,staff"))
    customer = np.concatenate([c.samples for c in chunks["customer"]])
    staff = np.concatenate([c.samples for c in chunks["staff"]])
    assert abs(_peak_hz(customer) - 500) < 2 and abs(_peak_hz(staff) - 900) < 2


@pytest.mark.parametrize("rate", [RATE, 44100])
def test_a_recording_decoded_seconds_at_a_time_gives_the_same_chunks(tmp_path, rate):
    """Read in 0.1 s chunks as before, with few reads of the file: soundfile seeks after
    every read, and a FLAC decoder seeking decodes a frame again."""
    path = tmp_path / "pickup.flac"
    noise = np.random.default_rng(7).uniform(-0.5, 0.5, (round(5.37 * rate), 2))
    sf.write(path, noise.astype(np.float32), rate)
    one_read = list(sources.read_file(path, ("mixed",), sources.FileOptions(read_s=0.1)))
    seeks = []
    seek = sf.SoundFile.seek

    def counted(handle, *args):
        seeks.append(args)
        return seek(handle, *args)

    sf.SoundFile.seek = counted
    try:
        chunks = list(sources.read_file(path, ("mixed",)))
    finally:
        sf.SoundFile.seek = seek
    assert [(c.start, len(c.samples)) for c in chunks] == [
        (c.start, len(c.samples)) for c in one_read]
    assert all(np.array_equal(a.samples, b.samples) for a, b in zip(chunks, one_read))
    assert len(seeks) <= 10  # a read of every 0.1 s seeks twice: 108 times


def test_mono_takes_one_role_or_warns(tmp_path, caplog):
    path = tmp_path / "mono.wav"
    sf.write(path, tone(0.5), RATE)
    assert set(_collect(path, ("customer",))) == {"customer"}
    with caplog.at_level(logging.WARNING, logger="courtesy"):
        assert set(_collect(path)) == {"staff"}
    assert "mono" in caplog.text and "treated as staff speech" in caplog.text


def test_channel_maps():
    assert sources.parse_channels("customer,staff") == ("customer", "staff")
    assert sources.parse_channels(None) == ("staff", "customer")
    with pytest.raises(ConfigError, match="'boss' is not staff, customer, mixed or -"):
        sources.parse_channels("staff,boss")
    with pytest.raises(ConfigError, match="listens to no channel"):
        sources.parse_channels("-,-")
    with pytest.raises(ConfigError, match="has 2 channels but the channel map names 3"):
        sources.channel_roles("x.wav", 2, ("staff", "customer", "staff"))


def _truncated_wav(tmp_path):
    path = tmp_path / "truncated.wav"
    sf.write(path, tone(2.0), RATE, subtype="PCM_16")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _truncated_flac(tmp_path):
    path = tmp_path / "truncated.flac"
    sf.write(path, np.stack([tone(3.0), tone(3.0, freq=800)], 1), RATE)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _header_only(tmp_path):
    path = tmp_path / "empty.wav"
    sf.write(path, np.zeros(0, np.float32), RATE)
    return path


def _zero_bytes(tmp_path):
    path = tmp_path / "zero.flac"
    path.write_bytes(b"")
    return path


def _text(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("这不是音频\n")
    return path


@pytest.mark.parametrize("make, message", [
    (_truncated_wav, "文件不完整：缺少 [0-9]+ 字节音频数据"),
    (_truncated_flac, "文件不完整|无法解码|不是可读取的音频文件"),
    (_header_only, "文件中没有音频"),
    (_zero_bytes, "不是可读取的音频文件"),
    (_text, "不是可读取的音频文件"),
    (lambda tmp_path: tmp_path / "missing.wav", "不是可读取的音频文件"),
    (lambda tmp_path: tmp_path / "talk.mp3", "不支持的音频格式 '.mp3'，请用 WAV 或 FLAC"),
])
def test_bad_files_raise_one_error_naming_the_file(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(InputError, match=message) as caught:
        list(sources.read_file(path))
    assert caught.value.path == str(path)
