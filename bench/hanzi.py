"""Pinyin-to-character decoding: how well and how fast, per method.

Decoder alone: each reference text's own toned pinyin (pypinyin `Style.TONE`, one
syllable per character) is decoded and compared with the text (character error rate,
Levenshtein, punctuation removed), on the real Mandarin recordings' references and on
text nobody tuned on (the audio samples' transcripts and bench/corpus.py's counter
speech); the costs were tuned on pieces of ../shared/norms, shown apart. Whole path:
sherpa transcribes each real-zh recording, each utterance's pinyin is decoded, the
characters are concatenated and compared with the reference. Speed: the recogniser's and
the decoder's CPU per second of speech on the same utterances.

    COURTESY_MODELS=/work/main/models PYTHONPATH=$PWD python bench/hanzi.py [--fresh]

Recogniser output is cached in bench/out/hanzi/ (git-ignored); --fresh transcribes again.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from rapidfuzz.distance import Levenshtein

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor import hanzi  # noqa: E402
from monitor.normalize import clean_chars  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REAL_ZH = Path("/work/shared/data/real-zh")
NORMS = Path("/work/shared/norms")
CACHE = ROOT / "bench" / "out" / "hanzi" / "real_zh_sherpa.json"


def real_zh_references() -> dict[str, str]:
    rows = {}
    for line in (REAL_ZH / "transcripts.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, reference = line.split("\t")[:2]
        rows[name] = reference
    return rows


def tuning_texts() -> list[str]:
    """What the decoder's costs were tuned on: pieces of the service norms (../shared)."""
    import re

    pieces = [piece for path in sorted(NORMS.glob("*.txt"))
              for piece in re.split(r"[^\u4e00-\u9fff]+", path.read_text(encoding="utf-8"))
              if len(piece) >= 6]
    return pieces[::7][:250]


def held_out_texts() -> list[str]:
    """Counter speech the decoder was not tuned on: audio samples and bench corpus."""
    sys.path.insert(0, str(ROOT / "bench"))
    import corpus

    texts = [json.loads(line)["text"] for path in sorted((ROOT / "audio").glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for name in dir(corpus):
        value = getattr(corpus, name)
        if name.isupper() and isinstance(value, dict):
            texts += [t for lines in value.values() for t in lines]
        elif name.isupper() and isinstance(value, list):
            texts += [t if isinstance(t, str) else t[0] for t in value]
    return [t for t in texts if isinstance(t, str)]


def toned_syllables(text: str) -> list[str]:
    """The reference's own toned pinyin, one syllable per character (digits kept)."""
    from pypinyin import Style, pinyin

    chars = clean_chars(text)
    out = [r[0] for r in pinyin(chars, style=Style.TONE, errors=lambda s: list(s))]
    return out if len(out) == len(chars) else [r[0] for c in chars
                                                for r in pinyin(c, style=Style.TONE,
                                                                errors=lambda s: list(s))]


def cer(pairs: list[tuple[str, str]]) -> float:
    """Character error rate over (reference, hypothesis) pairs, punctuation removed."""
    edits = sum(Levenshtein.distance(clean_chars(r), clean_chars(h)) for r, h in pairs)
    return edits / max(1, sum(len(clean_chars(r)) for r, _ in pairs))


def transcribe_real_zh(fresh: bool) -> list[dict]:
    """sherpa's utterances per recording, with the recogniser's CPU time (cached)."""
    if CACHE.exists() and not fresh:
        return json.loads(CACHE.read_text(encoding="utf-8"))
    import soundfile

    from monitor import asr, audio

    engine = asr.create("sherpa", None)
    out = []
    for name in real_zh_references():
        wav = REAL_ZH / name
        info = soundfile.info(str(wav))
        started = time.process_time()
        utterances = audio.transcribe_file(wav, engine, ("staff",))
        out.append({"file": name, "duration": info.frames / info.samplerate,
                    "cpu": time.process_time() - started,
                    "utterances": [{"start": u.start, "end": u.end, "pinyin": u.pinyin}
                                   for u in utterances]})
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


@dataclass
class Method:
    name: str
    build_s: float
    decode: Callable[[list[str]], str]  # toned syllables -> characters


def methods() -> list[Method]:
    out = []
    for name, options in (("hanzi toned", hanzi.HanziOptions()),
                          ("hanzi no bigram", hanzi.HanziOptions(bigram_weight=0)),
                          ("hanzi toneless", hanzi.HanziOptions(use_tones=False))):
        for cached in (hanzi.load, hanzi._base_index, hanzi._bigram, hanzi._jieba_freqs,
                       hanzi._char_logp):
            cached.cache_clear()  # each build from scratch (the lexicon is read once)
        started = time.process_time()
        decoder = hanzi.load(options=options)
        out.append(Method(name, time.process_time() - started, decoder.decode))
    return out + pinyin2hanzi_methods()


def pinyin2hanzi_methods() -> list[Method]:
    """Pinyin2Hanzi (toneless DAG over its phrase table, and its character HMM); a
    syllable it cannot place keeps its length as UNKNOWN so the CER stays comparable."""
    from Pinyin2Hanzi import DefaultDagParams, DefaultHmmParams, dag, viterbi

    from monitor.normalize import toneless

    started = time.process_time()
    dag_params = DefaultDagParams()
    dag_s = time.process_time() - started
    started = time.process_time()
    hmm_params = DefaultHmmParams()
    hmm_s = time.process_time() - started

    def run(search, params):
        def decode(syllables):
            plain = [toneless(s) for s in syllables]
            out, piece = [], []

            def flush():
                if piece:
                    try:
                        found = search(params, piece, path_num=1)
                        text = "".join(found[0].path) if found else ""
                    except Exception:  # its HMM raises on a syllable it lacks
                        text = ""
                    out.append(text if len(text) == len(piece) else hanzi.UNKNOWN * len(piece))
                    piece.clear()

            for s in plain:
                if s.isascii() and s.isalpha() and len(s) > 1 or s in ("a", "e", "o"):
                    piece.append(s)
                else:
                    flush()
                    out.append(s if len(s) == 1 and s.isalnum() else hanzi.UNKNOWN)
            flush()
            return "".join(out)
        return decode

    return [Method("Pinyin2Hanzi DAG", dag_s, run(dag, dag_params)),
            Method("Pinyin2Hanzi HMM", hmm_s, run(viterbi, hmm_params))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh", action="store_true", help="transcribe real-zh again")
    args = parser.parse_args()
    references = real_zh_references()
    held_out = held_out_texts()
    heard = transcribe_real_zh(args.fresh)
    speech_s = sum(u["end"] - u["start"] for rec in heard for u in rec["utterances"])
    asr_cpu = sum(rec["cpu"] for rec in heard)
    utterances = [u["pinyin"].split() for rec in heard for u in rec["utterances"]]
    print(f"real-zh: {len(references)} references, {sum(map(len, references.values()))} chars;"
          f" held out: {len(held_out)} texts, {sum(len(clean_chars(t)) for t in held_out)} chars")
    print(f"recogniser: {asr_cpu:.2f} s CPU for {speech_s:.1f} s of speech = "
          f"{1000 * asr_cpu / speech_s:.1f} ms CPU per s of speech")
    tuning = tuning_texts() if NORMS.is_dir() else []
    print(f"{'method':18} {'CER real-zh':>11} {'CER held-out':>12} {'CER whole':>9} "
          f"{'CER tuning':>10} {'build s CPU':>11} {'ms CPU/s speech':>15} {'% of ASR':>8}")
    for method in methods():
        tuned = cer([(t, method.decode(toned_syllables(t))) for t in tuning])
        alone = cer([(ref, method.decode(toned_syllables(ref))) for ref in references.values()])
        out = cer([(t, method.decode(toned_syllables(t))) for t in held_out])
        whole = cer([(references[rec["file"]],
                      "".join(method.decode(u["pinyin"].split()) for u in rec["utterances"]))
                     for rec in heard])
        for syllables in utterances[:3]:  # warm caches before timing
            method.decode(syllables)
        started = time.process_time()
        rounds = 5
        for _ in range(rounds):
            for syllables in utterances:
                method.decode(syllables)
        per_s = (time.process_time() - started) / rounds / speech_s
        print(f"{method.name:18} {alone:11.3f} {out:12.3f} {whole:9.3f} {tuned:10.3f} "
              f"{method.build_s:11.2f} {1000 * per_s:15.2f} "
              f"{100 * per_s / (asr_cpu / speech_s):7.1f}%")


if __name__ == "__main__":
    main()
