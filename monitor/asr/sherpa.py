"""sherpa-onnx with the WenetSpeech zipformer: a streaming pinyin recogniser and a keyword spotter.

The model's units are toned pinyin initials and finals. The recogniser hears everything
(questions, thanks, speech rate) as toned syllables; the keyword spotter, given the
lexicon's phrases as token sequences, catches courtesy and taboo phrases with its own
per-kind thresholds and boosts. Its hits travel with the utterance (`Utterance.spotted`).
The recogniser decodes greedily; a segment where a taboo or a required courtesy phrase is
near is read a second time biased toward the lexicon's forms of those kinds (hotwords:
modified beam search over a context graph, `recheck.py`), so that a taboo said is heard as
said, where the evidence bar of matching needs the recogniser's own syllables, and a
greeting keeps its 您. Biased everywhere (`hotwords_score`) it wrote taboos into ordinary
speech. Live, a taboo spotted or heard near, and not heard as said, is read again while the
segment goes on, and a finished segment's greedy reading is given first. A segment where a
phrase an exception may continue is heard (急什么, 急什么时候) is also read greedily half a
decoding step apart, so the syllable after the phrase, which rules the exception out, is
placed up to half a step sooner (`Utterance.ahead`).
"""
from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .. import hanzi, models
from ..lexicon import Lexicon, Phrase
from ..normalize import toneless
from ..records import PhraseHit, Utterance, Voiced, Word
from ..sources import SAMPLE_RATE
from .engine import Engine, Stream
from .recheck import Recheck, sounds

log = logging.getLogger("courtesy.asr.sherpa")

SYLLABLE_S = 0.4  # the longest a syllable lasts: a word's end when the next is far
# the audio one decoding step reads: the export's decode_chunk_len, 32 feature frames of
# 10 ms (its look-ahead is 13 more); a syllable said before what the steps have read is in
# the result
CHUNK_S = 0.32
# two readings place one syllable this close (a frame or two: recheck.AROUND_S)
SAME_S = 0.1
# a syllable said before a pause of the voice is placed up to this long into it (a quiet 呢
# or 了 is no voice to silero): 0.18 s at most over 362 pauses of natural speech
LATE_S = 0.25
INITIALS = frozenset("b p m f d t n l g k h j q x zh ch sh r z c s y w".split())
_FILES = {
    "encoder": "encoder-epoch-12-avg-2-chunk-16-left-64.int8.onnx",
    "decoder": "decoder-epoch-12-avg-2-chunk-16-left-64.onnx",
    "joiner": "joiner-epoch-12-avg-2-chunk-16-left-64.int8.onnx",
    "tokens": "tokens.txt",
}


@dataclass
class SherpaOptions:
    """How the sherpa-onnx model is run."""

    model: str = models.SHERPA_KWS  # installed model name
    num_threads: int = 1  # onnxruntime threads per decode; 1 lets streams share cores fairly
    spot_keywords: bool = True  # run the keyword spotter beside the recogniser
    spot_kinds: tuple[str, ...] = ("greeting", "farewell", "please", "apology", "waiting",
                                   "thanks_reply", "taboo", "question")
    accented_kinds: tuple[str, ...] = ("greeting", "farewell")  # spotted as accents say them too
    min_syllables: int = 2  # shorter phrases (您, 请) would fire on ordinary speech
    threshold: float = 0.25  # keyword trigger threshold (higher: fewer, surer hits)
    boost: float = 1.5  # keyword score boost (higher: easier to trigger)
    thresholds: dict[str, float] = field(  # per kind
        default_factory=lambda: {"taboo": 0.35, "question": 0.3})
    boosts: dict[str, float] = field(default_factory=dict)  # per kind
    tail_padding_s: float = 0.5  # silence fed after a segment so its last syllable decodes
    # contextual biasing: the recogniser's beam favours these kinds' forms by this score a
    # token (0: greedy search, unbiased); more paths cost more CPU for little gain here.
    # Off by default: at 2.0 it heard 4 more of 88 taboo lines, but wrote 3 taboos into
    # 31.6 min of ordinary natural speech where greedy search wrote none, and cost 8-30 % more
    # CPU (docs/benchmarks.md, "Hotwords")
    hotwords_score: float = 0.0
    # the required courtesy phrases too: greedy search half hears them (您 as 你), and the
    # second reading writes them only where greedy search heard them near (recheck.py)
    hotword_kinds: tuple[str, ...] = ("taboo", "greeting", "farewell")
    active_paths: int = 2
    # with greedy search, a segment where a form of `hotword_kinds` is near is read again
    # biased by this score a token over this many paths, and the biased reading kept only
    # where it confirms the form (recheck.py); 0: no second reading. Stronger than the bias
    # everywhere could be: 3.0 and 4 paths also hear 急什么 heard jí shì, and cost no
    # more than 2 paths (the encoder's share dominates)
    recheck_score: float = 3.0
    recheck_paths: int = 4
    # biased, a syllable begun this close to a segment's end is none: the voice detector
    # ends a segment only after 0.6 s without voice, and a biased beam fills that silence
    # with the first syllable of a hotword (你, 我, 不)
    trailing_s: float = 0.25
    characters: bool = True  # decode the pinyin into characters for reading (monitor.hanzi)


@dataclass(frozen=True)
class Keyword:
    """A lexicon form as the spotter's tokens."""

    phrase: Phrase
    form: str
    tokens: tuple[str, ...]

    @property
    def syllables(self) -> str:
        return " ".join(join_syllables(self.tokens))


def read_tokens(path: Path) -> frozenset[str]:
    return frozenset(line.split()[0] for line in path.read_text(encoding="utf-8").splitlines()
                     if line.strip())


def phrase_tokens(text: str, vocabulary: frozenset[str]) -> tuple[str, ...] | None:
    """Toned initials and finals of a phrase (as sherpa's text2token writes them), or None
    when the model has no token for some sound."""
    from pypinyin import Style, pinyin
    from pypinyin.contrib.tone_convert import to_finals_tone, to_initials

    tokens = []
    for (syllable,) in pinyin(text, style=Style.TONE):
        initial = to_initials(syllable, strict=False)
        final = to_finals_tone(syllable, strict=False)
        tokens += [t for t in (initial, final) if t]
    return tuple(tokens) if tokens and all(t in vocabulary for t in tokens) else None


def keywords(lexicon: Lexicon, vocabulary: frozenset[str], options: SherpaOptions) -> list[Keyword]:
    """Every form of the spotted kinds that the model can say, each token sequence once."""
    out, seen = [], set()
    for phrase in lexicon.phrases:
        if phrase.kind not in options.spot_kinds:
            continue
        for form in phrase.forms:
            tokens = phrase_tokens(form, vocabulary)
            if tokens is None:
                log.debug("no keyword for %s: a sound the model lacks", form)
                continue
            if len(join_syllables(tokens)) < options.min_syllables:
                continue
            said = [tokens] + (accented(tokens, vocabulary)
                               if phrase.kind in options.accented_kinds else [])
            for variant in said:
                if variant not in seen:
                    seen.add(variant)
                    out.append(Keyword(phrase, form, variant))
    return out


_ACCENT = (("n", "l"),)  # initials many speakers merge (南方 n/l 不分)
_FINAL_ACCENT = (("ing", "in"), ("eng", "en"))  # and finals


def accented(tokens: tuple[str, ...], vocabulary: frozenset[str]) -> list[tuple[str, ...]]:
    """The phrase as a speaker who merges n/l and -ing/-in, -eng/-en says it: with the
    initials merged, the finals merged, and both (only tokens the model has)."""
    def initials(ts):
        return tuple(dict(_ACCENT).get(t, t) for t in ts)

    def finals(ts):
        out = []
        for t in ts:
            for hard, soft in _FINAL_ACCENT:
                base = toneless(t)
                if base.endswith(hard):
                    t = t[: -len(hard)] + t[-len(hard):].replace("ng", "n", 1)
                    break
            out.append(t)
        return tuple(out)

    variants = [initials(tokens), finals(tokens), finals(initials(tokens))]
    return [v for v in dict.fromkeys(variants)
            if v != tokens and all(t in vocabulary for t in v)]


def keyword_lines(table: list[Keyword], options: SherpaOptions) -> str:
    lines = []
    for n, keyword in enumerate(table):
        kind = keyword.phrase.kind
        boost = options.boosts.get(kind, options.boost)
        threshold = options.thresholds.get(kind, options.threshold)
        lines.append(f"{' '.join(keyword.tokens)} :{boost} #{threshold} @{n}")
    return "\n".join(lines) + "\n"


def hotwords(lexicon: Lexicon, vocabulary: frozenset[str],
             options: SherpaOptions) -> list[Keyword]:
    """The forms a recogniser is biased toward: every form of `hotword_kinds` the model
    can say, as said (no accented variants: the bias must not make an accent's neighbour
    words sound like a taboo)."""
    if not options.hotword_kinds:
        return []
    return keywords(lexicon, vocabulary, replace(options, spot_kinds=options.hotword_kinds,
                                                 accented_kinds=()))


def ascii_names(path: Path) -> tuple[str, dict[str, str]]:
    """The token table with every token renamed `t<id>`, and the names back to the tokens.

    sherpa-onnx reads a hotword's tokens as cjkchar text and splits off a toned vowel it
    does not keep whole (`ǎo` becomes `ǎ o`, two other tokens the model also has), which
    silently biases toward the wrong sounds; ASCII names reach the context graph intact."""
    lines, names = [], {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        token, number = line.split()
        name = token if token.startswith(("<", "#")) else f"t{number}"
        names[name] = token
        lines.append(f"{name} {number}")
    return "\n".join(lines) + "\n", names


def hotword_lines(table: list[Keyword], names: dict[str, str]) -> str:
    by_token = {token: name for name, token in names.items()}
    return "\n".join(" ".join(by_token[t] for t in k.tokens) for k in table) + "\n"


def join_syllables(tokens) -> list[str]:
    """['n', 'ín', 'h', 'ǎo'] -> ['nín', 'hǎo']: an initial joins the final after it."""
    return [text for text, _ in _syllables(list(tokens), [0.0] * len(tokens))]


def _syllables(tokens: list[str], times: list[float]) -> list[tuple[str, float]]:
    out, initial, initial_at = [], "", 0.0
    for token, at in zip(tokens, times):
        if token in INITIALS and not initial:
            initial, initial_at = token, at
            continue
        if initial:
            out.append((initial + token, initial_at))
            initial = ""
        else:
            out.append((token, at))
    if initial:
        out.append((initial, initial_at))
    return out


class SherpaEngine(Engine):
    """One recogniser and one keyword spotter per process; streams are per segment."""

    name = "sherpa"

    def __init__(self, lexicon: Lexicon | None = None, options: SherpaOptions | None = None):
        import sherpa_onnx

        self.options = options or SherpaOptions()
        folder = models.locate(self.options.model)
        paths = {key: str(folder / rel) for key, rel in _FILES.items()}
        vocabulary = read_tokens(folder / "tokens.txt")
        o = self.options
        forms = hotwords(lexicon, vocabulary, o) if lexicon else []
        self.hotwords = forms if o.hotwords_score > 0 else []
        self.names: dict[str, str] = {}  # the biased recogniser's token names -> tokens
        self.recheck: Recheck | None = None  # greedy search's second, biased reading
        self.rereader = None
        if self.hotwords:
            self.recognizer, self.names = self._biased(paths, forms, o.hotwords_score,
                                                       o.active_paths)
        else:
            self.recognizer = sherpa_onnx.OnlineRecognizer.from_transducer(
                **paths, num_threads=o.num_threads, sample_rate=SAMPLE_RATE,
                decoding_method="greedy_search")
            if forms and o.recheck_score > 0:
                self.rereader, self.names = self._biased(paths, forms, o.recheck_score,
                                                         o.recheck_paths)
                self.recheck = Recheck(((k.phrase.text, k.syllables) for k in forms),
                                       {k.phrase.text for k in forms if k.phrase.kind == "taboo"})
        # the forms an exception may continue: a segment where one is heard is read twice
        self.continued: Recheck | None = None
        if lexicon is not None:
            kinds = tuple({p.kind for p in lexicon.phrases if p.exceptions})
            self.continued = Recheck(
                (k.phrase.text, k.syllables) for k in keywords(
                    lexicon, vocabulary, replace(o, spot_kinds=kinds, accented_kinds=()))
                if k.phrase.exceptions) if kinds else None
        self.decoder = hanzi.load(lexicon) if self.options.characters else None
        self.keywords: list[Keyword] = []
        self.spotter = None
        if lexicon is not None and self.options.spot_keywords:
            self.keywords = keywords(lexicon, vocabulary, self.options)
        if self.keywords:
            with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as handle:
                handle.write(keyword_lines(self.keywords, self.options))
                handle.flush()
                self.spotter = sherpa_onnx.KeywordSpotter(
                    **paths, num_threads=self.options.num_threads, sample_rate=SAMPLE_RATE,
                    keywords_file=handle.name)

    def _biased(self, paths: dict[str, str], forms: list[Keyword], score: float,
                active_paths: int):
        """A recogniser biased toward `forms`, and its token names -> the model's tokens."""
        import sherpa_onnx

        table, names = ascii_names(Path(paths["tokens"]))
        with tempfile.TemporaryDirectory() as scratch:
            biased = {"tokens": str(Path(scratch) / "tokens.txt"),
                      "hotwords_file": str(Path(scratch) / "hotwords.txt")}
            Path(biased["tokens"]).write_text(table, encoding="utf-8")
            Path(biased["hotwords_file"]).write_text(hotword_lines(forms, names),
                                                     encoding="utf-8")
            return sherpa_onnx.OnlineRecognizer.from_transducer(
                **{**paths, **biased}, num_threads=self.options.num_threads,
                sample_rate=SAMPLE_RATE, decoding_method="modified_beam_search",
                max_active_paths=active_paths, hotwords_score=score), names

    def heard(self, stream, recognizer=None) -> tuple[list[str], list[float]]:
        """A recogniser's tokens so far (the model's own names) and their times."""
        result = (recognizer or self.recognizer).get_result_all(stream)
        names = self.names
        return [names.get(t, t) for t in result.tokens], list(result.timestamps)

    def stream(self, role: str) -> Stream:
        return SherpaStream(self, role)

    def describe(self) -> dict:
        return {"engine": self.name, "model": self.options.model,
                "keywords": len(self.keywords), "hotwords": len(self.hotwords),
                "hotwords_score": self.options.hotwords_score,
                "hotword_kinds": list(self.options.hotword_kinds),
                "recheck_score": self.options.recheck_score if self.recheck else 0.0,
                "threshold": self.options.threshold,
                "thresholds": self.options.thresholds, "boost": self.options.boost,
                "boosts": self.options.boosts}


class SherpaStream(Stream):
    """Decodes each speech segment as it is spoken: pinyin with syllable times, and hits."""

    def __init__(self, engine: SherpaEngine, role: str):
        self.engine = engine
        self.role = role
        self._asr = None
        self._kws = None
        self._hits: list[PhraseHit] = []
        self._hit_syllables: list[str] = []  # what the spotter heard, as the line's pinyin
        self._origin = 0.0
        self._fed = 0  # samples of the segment's speech fed so far
        self._heard = ((), 0, ())  # tokens, hits and biased tokens at the last partial result
        self._said_so_far: tuple[str, int] | None = None  # the last one given: pinyin, hits
        self._said: list[np.ndarray] = []  # the segment's samples, kept for a second reading
        self._lattice: hanzi.Lattice | None = None  # the last result's characters, kept
        self._biased = None  # the second reading, begun while the segment goes on
        self._due = False  # a taboo spotted or near in the last partial result: begin it
        self._greedy_so_far: Utterance | None = None  # the last partial result, greedy
        self._greedy: tuple[Voiced, Utterance] | None = None  # a finished segment to read again
        self._read = 0  # decoding steps of the segment so far (`CHUNK_S` each)
        self._quiet: float | None = None  # where the voice detector says the voice paused
        self._paused: float | None = None  # the last such pause the steps have read past
        self._apart = None  # greedy search again, its steps half a step after the first's

    def feed(self, voiced: Voiced) -> list[Utterance]:
        heard, twice = self.first(voiced)
        return self.again() if twice else heard

    def first(self, voiced: Voiced) -> tuple[list[Utterance], bool]:
        if self._asr is None:
            self._begin(voiced.segment_start)
        self._accept(voiced.samples)
        self._quiet = voiced.paused_at
        if not voiced.final:
            return [], False
        self._accept(self._padding(), finished=True)
        utterance = self._result(voiced)
        self._asr = self._kws = self._apart = None
        if utterance and self.engine.recheck and self.engine.recheck.near(utterance):
            self._greedy = (voiced, utterance)  # shown while read again: the segment ended
            self._pause()
            return [self._reading(utterance)], True
        self._said, self._biased = [], None
        return ([utterance] if utterance else []), False

    def again(self) -> list[Utterance]:
        """The segment read again by the biased recogniser, and the reading that stands
        (recheck.py); characters are decoded for a biased reading only where it stands.
        A second reading begun while the segment went on only has its end left to read."""
        (voiced, greedy), self._greedy = self._greedy, None
        if self._biased is None:
            self._biased = self.engine.rereader.create_stream()
            self._biased.accept_waveform(SAMPLE_RATE, np.concatenate(self._said))
        self._biased.accept_waveform(SAMPLE_RATE, self._padding())
        self._biased.input_finished()
        biased = self._biased_reading(voiced)
        self._said, self._biased = [], None
        return [self._characters(self.engine.recheck.choose(greedy, biased), greedy)]

    def _padding(self) -> np.ndarray:
        return np.zeros(round(self.engine.options.tail_padding_s * SAMPLE_RATE), np.float32)

    def _biased_reading(self, voiced: Voiced | None = None) -> Utterance | None:
        """The second reading as far as it has been decoded, on the segment's clock. The
        segment so far (no `voiced`) is read as ending where a biased syllable is no longer
        trusted (`trailing_s`), so its last word does not reach over the greedy words after
        it (神经病 read early took 重 with it, and its red waited for one more syllable)."""
        rereader = self.engine.rereader
        while rereader.is_ready(self._biased):
            rereader.decode_stream(self._biased)
        trusted = self._origin + self._fed / SAMPLE_RATE - self.engine.options.trailing_s
        return self._result(voiced or Voiced(self.role, np.zeros(0, np.float32), trusted,
                                             final=True, segment_start=self._origin),
                            self.engine.heard(self._biased, rereader), biased=True,
                            characters=False)

    def _characters(self, chosen: Utterance, greedy: Utterance) -> Utterance:
        """A reading the second one changed, in characters decoded afresh."""
        decoder = self.engine.decoder
        if chosen is greedy or decoder is None:
            return chosen
        return replace(chosen, text=decoder.decode(chosen.pinyin.split()))

    def partial(self) -> Utterance | None:
        """The segment so far, judged through the same `_result` as the finished one, when
        what is heard changed: the biased beam may still revise its best path (its tokens
        are compared, not only their count), and spotter hits stay. Asked again at once
        after a taboo was spotted or near, it begins the second reading (`_read_early`)."""
        if self._asr is None:
            return None
        if self._due:
            return self._read_early()
        heard = (tuple(self.engine.heard(self._asr)[0]), len(self._hits),
                 tuple(self.engine.heard(self._biased, self.engine.rereader)[0])
                 if self._biased else (), self._pause(),
                 tuple(self.engine.heard(self._apart)[0]) if self._apart else ())
        if heard == self._heard:
            return None
        self._heard = heard
        reached = self._origin + self._fed / SAMPLE_RATE
        so_far = self._result(Voiced(self.role, np.zeros(0, np.float32), reached,
                                     segment_start=self._origin))
        if so_far and self.engine.recheck:
            self._greedy_so_far = so_far
            self._due = self._biased is None and self._unheard(so_far)
        return self._told(so_far and self._ahead(self._reading(so_far)))

    def _ahead(self, so_far: Utterance) -> Utterance:
        """The partial result with what greedy search read half a decoding step apart
        placed after its last whole syllable (`Utterance.ahead`), once a phrase an exception
        may continue is heard (a form's syllables). Each reading's step reads `CHUNK_S` and
        places a syllable only with its look-ahead, so the two together place one up to half
        a step sooner. What follows is kept only where the reading apart heard that last
        syllable too, within half a step of it (the two grids place a syllable that far
        apart at most), and not where it reads that syllable twice."""
        continued = self.engine.continued
        if self._apart is None:
            if continued is None or 0.0 not in continued.distances(sounds(so_far.pinyin.split())):
                return so_far
            self._apart = self.engine.recognizer.create_stream()
            self._apart.accept_waveform(SAMPLE_RATE, np.zeros(round(CHUNK_S / 2 * SAMPLE_RATE),
                                                              np.float32))
            self._apart.accept_waveform(SAMPLE_RATE, np.concatenate(self._said))
            while self.engine.recognizer.is_ready(self._apart):
                self.engine.recognizer.decode_stream(self._apart)
        whole = [w for w in so_far.words if w.text not in INITIALS]
        if not whole:
            return so_far
        last = whole[-1]
        tokens, times = self.engine.heard(self._apart)
        apart = [(text, self._origin + at - CHUNK_S / 2) for text, at in _syllables(tokens, times)]
        same = [n for n, (text, at) in enumerate(apart)
                if sounds([text]) == sounds([last.text]) and abs(at - last.start) <= CHUNK_S / 2]
        if not same:
            return so_far
        after = apart[min(same, key=lambda n: abs(apart[n][1] - last.start)) + 1:]
        words = tuple(Word(text, round(at, 3), round(at + SYLLABLE_S, 3)) for text, at in after
                      if at > last.start + SAME_S)  # nearer, it is that syllable read twice
        return replace(so_far, ahead=words) if words else so_far

    def _pause(self) -> float | None:
        """The last pause of the voice that the decoding steps have read `LATE_S` into: a
        syllable said before it is in the result by then, placed before that time, so none
        joins the words placed before it. It stays while the voice goes on after it."""
        quiet = self._quiet
        if quiet is not None and self._origin + self._read * CHUNK_S >= quiet + LATE_S:
            self._paused = round(quiet + LATE_S, 3)
        return self._paused

    def _reading(self, greedy: Utterance) -> Utterance:
        """Greedy search's reading with what the second reading confirmed (`_confirmed`) and
        the last pause read, where its words reach that pause as greedy search's do: a
        biased form whose last word spans greedy's next syllable drops it (神经病 taking
        学), and the words before the pause would lack it."""
        so_far, pause = self._confirmed(greedy), self._paused
        if pause is None:
            return so_far
        heard = [w.start for w in greedy.words if w.start < pause]
        kept = [w.start for w in so_far.words if w.start < pause]
        if heard and (not kept or kept[-1] < heard[-1] - SAME_S):
            return so_far
        return replace(so_far, paused_at=pause)

    def _told(self, so_far: Utterance | None) -> Utterance | None:
        """A partial result, unless it says what the last one did (the second reading
        moved on and confirmed nothing new, the voice paused where it had)."""
        said = ((so_far.pinyin, len(so_far.spotted), so_far.paused_at,
                 tuple(w.text for w in so_far.ahead)) if so_far else None)
        if said == self._said_so_far:
            return None
        self._said_so_far = said
        return replace(so_far, partial=True) if so_far else None

    def _confirmed(self, greedy: Utterance) -> Utterance:
        """Greedy search's reading with what the second reading begun while the segment
        went on confirmed so far (`_read_early`)."""
        if self._biased is None:
            return greedy
        return self._characters(self.engine.recheck.choose(greedy, self._biased_reading()),
                                greedy)

    def _unheard(self, greedy: Utterance) -> bool:
        """Is there a taboo greedy search did not hear as said that the spotter caught, or
        that greedy search heard near (`Recheck.distances`, the end-of-segment reading's own
        test)? Near alone is where the spotter missed (急什么 heard jí shén, 神经病 rén jǐng
        bìng: their reds waited for the segment's end)."""
        heard = sounds(greedy.pinyin.split())
        if any(hit.kind == "taboo" and not _holds(heard, sounds(said.split()))
               for hit, said in zip(self._hits, self._hit_syllables)):
            return True
        return any(far > 0 for far in self.engine.recheck.distances(heard, taboo=True))

    def _read_early(self) -> Utterance | None:
        """The second reading begun at once on a taboo spotted or near while the segment
        goes on (not at the segment's end, seconds later: its red waited for that,
        docs/benchmarks.md), after the greedy result was given (which the matcher may
        already hold as enough). It reads the segment from its start, as at the end, and
        then goes on with it: what it confirms stands in every later partial result, and
        at the segment's end only the rest is left to read."""
        self._due = False
        self._biased = self.engine.rereader.create_stream()
        self._biased.accept_waveform(SAMPLE_RATE, np.concatenate(self._said))
        return self._told(self._ahead(self._reading(self._greedy_so_far)))

    def _begin(self, origin: float) -> None:
        self._asr = self.engine.recognizer.create_stream()
        self._kws = self.engine.spotter.create_stream() if self.engine.spotter else None
        self._hits, self._hit_syllables = [], []
        self._origin = origin
        self._fed = 0
        self._heard, self._said_so_far = ((), 0, ()), None
        self._said = []
        self._lattice = None
        self._biased, self._due, self._greedy_so_far = None, False, None
        self._read, self._quiet, self._paused = 0, None, None
        self._apart = None

    def _accept(self, samples: np.ndarray, finished: bool = False) -> None:
        recognizer, spotter = self.engine.recognizer, self.engine.spotter
        self._asr.accept_waveform(SAMPLE_RATE, samples)
        if (self.engine.recheck or self.engine.continued) and not finished:
            self._said.append(samples)
        if finished:
            self._asr.input_finished()
        while recognizer.is_ready(self._asr):
            recognizer.decode_stream(self._asr)
            self._read += 1
        if self._biased is not None and not finished:  # the second reading keeps up
            self._biased.accept_waveform(SAMPLE_RATE, samples)
            while self.engine.rereader.is_ready(self._biased):
                self.engine.rereader.decode_stream(self._biased)
        if self._apart is not None and not finished:  # and the reading half a step apart
            self._apart.accept_waveform(SAMPLE_RATE, samples)
            while recognizer.is_ready(self._apart):
                recognizer.decode_stream(self._apart)
        if not finished:
            self._fed += len(samples)  # padding is not speech: hits in it end with the speech
        if self._kws is None:
            return
        self._kws.accept_waveform(SAMPLE_RATE, samples)
        if finished:
            self._kws.input_finished()
        while spotter.is_ready(self._kws):
            spotter.decode_stream(self._kws)
            found = spotter.get_result(self._kws)
            if found:
                keyword = self.engine.keywords[int(found)]
                self._hits.append(self._hit(keyword))
                self._hit_syllables.append(keyword.syllables)
                spotter.reset_stream(self._kws)

    def _hit(self, keyword: Keyword) -> PhraseHit:
        """A spotted keyword ends about where decoding has reached (the spotter gives no
        token times here); it started some 0.3 s per syllable before. What it heard is the
        lexicon form it was given, quoted in characters (its syllables are the form's)."""
        phrase = keyword.phrase
        end = self._origin + self._fed / SAMPLE_RATE
        start = max(self._origin, end - 0.3 * len(join_syllables(keyword.tokens)))
        return PhraseHit(kind=phrase.kind, phrase=phrase.text, matched=keyword.form,
                         utterance=-1, start=round(start, 3), end=round(end, 3), score=100.0,
                         category=phrase.category, severity=phrase.severity)

    def _result(self, voiced: Voiced, reading: tuple[list[str], list[float]] | None = None,
                biased: bool = False, characters: bool = True) -> Utterance | None:
        """The segment as heard (`reading`: another recogniser's tokens and times than the
        stream's own); a biased reading drops a syllable begun in the trailing silence."""
        options = self.engine.options
        biased = biased or options.hotwords_score > 0
        spoken = self._fed / SAMPLE_RATE - (options.trailing_s if biased else 0.0)
        tokens, times = reading or self.engine.heard(self._asr)
        syllables = [(text, at) for text, at in _syllables(tokens, times)
                     if at < spoken or not voiced.final]
        if not syllables and not self._hits:
            return None
        segment_end = voiced.start + len(voiced.samples) / SAMPLE_RATE
        words = []
        for n, (text, at) in enumerate(syllables):
            start = self._origin + at
            following = (self._origin + syllables[n + 1][1] if n + 1 < len(syllables)
                         else start + SYLLABLE_S)
            end = min(following, start + SYLLABLE_S, segment_end)  # not the pause after it
            words.append(Word(text, round(start, 3), round(end, 3)))
        times = [w.start for w in words] + [h.start for h in self._hits]
        ends = [w.end for w in words] + [h.end for h in self._hits]
        start = max(self._origin, min(times) - 0.1)
        end = min(segment_end, max(ends) + 0.1)
        heard = " ".join(w.text for w in words) or " ".join(self._hit_syllables)
        decoder = self.engine.decoder if characters else None
        if decoder:  # a partial result decodes only the syllables after the last one's
            self._lattice = decoder.lattice(heard.split(), after=self._lattice)
        return Utterance(start=round(start, 3), end=round(max(end, start), 3), role=self.role,
                         text=self._lattice.text if decoder else "",
                         pinyin=heard, words=tuple(words), heard_by=self.engine.name,
                         dbfs=voiced.dbfs, spotted=tuple(self._hits))


def _holds(heard: tuple[str, ...], form: tuple[str, ...]) -> bool:
    """Do the syllables heard hold the form's, in order and together?"""
    return any(heard[n:n + len(form)] == form for n in range(len(heard) - len(form) + 1))
