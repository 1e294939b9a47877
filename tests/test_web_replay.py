"""The web replay page and training collections: who may see what, anonymisation of text
and audio (a real FLAC cut to WAV), escaping, the better phrasing, editing collections."""
import io
from datetime import datetime, timedelta

import numpy as np
import pytest
import soundfile as sf

from monitor import config
from monitor.accounts import add_user
from monitor.records import Recording
from monitor.storage import Store
from monitor.web import WebOptions, create_app

from .conftest import utt
from .test_web import PASSWORD, csrf, login

T0 = datetime(2026, 11, 22, 9, 30).astimezone()
RATE = 16000
EVIL = '<script>alert("x")</script>'
LINES = [
    utt(0.0, 1.0, "staff", "您好，我是王芳，请问办理什么业务"),
    utt(1.2, 2.0, "customer", "我的手机号是13812345678"),
    utt(2.1, 2.6, "staff", "你烦不烦"),
    utt(2.8, 3.4, "customer", "好的谢谢" + EVIL),
    utt(3.5, 4.1, "staff", "不客气，请慢走，再见"),
]
HALL = '[staff.S07]\nname = "王芳"\n[windows.W01]\nname = "户籍1号窗口"\n'


def write_recording(path, channels=2, lead_s=2.0, seconds=10.0):
    """Staff at 440 Hz on channel 0, the customer at 880 Hz on channel 1 (as recorded)."""
    t = np.arange(int(seconds * RATE)) / RATE
    tones = [0.3 * np.sin(2 * np.pi * f * t) for f in (440, 880)[:channels]]
    sf.write(path, np.stack(tones, axis=1), RATE, subtype="PCM_16", format="FLAC")
    return Recording(str(path), "W01", T0 - timedelta(seconds=lead_s),
                     T0 + timedelta(seconds=seconds - lead_s), True, "flagged visit")


@pytest.fixture
def store(db_path, scorer):
    store = Store(db_path)
    add_user(store, "zhang", "supervisor", PASSWORD)
    add_user(store, "li", "viewer", PASSWORD)
    store.save(scorer.score(LINES, window="W01", staff="S07", started_at=T0))
    return store


@pytest.fixture
def visit_id(store):
    return store.db.execute("select id from visits").fetchone()[0]


def make_client(db_path, tmp_path, hall_text=HALL):
    path = tmp_path / "hall.toml"
    path.write_text(hall_text, encoding="utf-8")
    app = create_app(db_path, WebOptions(), config.load(path))
    return app.test_client()


@pytest.fixture
def client(store, db_path, tmp_path):
    return make_client(db_path, tmp_path)


def wav(response):
    assert response.status_code in (200, 206), response.text
    assert response.mimetype == "audio/wav"
    samples, rate = sf.read(io.BytesIO(response.data), always_2d=True)
    return samples, rate


def test_replay_pages_need_a_login(client, visit_id):
    page = client.get(f"/replay/{visit_id}")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert client.get(f"/replay/{visit_id}/audio").status_code == 401
    assert client.get("/training").status_code == 302


def test_unknown_visit_is_404(client):
    login(client)
    assert client.get("/replay/nope").status_code == 404
    assert client.get("/replay/nope/audio").status_code == 404


def test_supervisor_sees_the_visit_with_numbers_masked_and_text_escaped(client, visit_id):
    login(client)
    page = client.get(f"/replay/{visit_id}")
    html = page.text
    assert page.status_code == 200
    assert "王芳" in html and "户籍1号窗口" in html
    assert "138****5678" in html and "13812345678" not in html
    assert EVIL not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert 'data-role="customer"' in html and 'data-t="1.2"' in html
    # the taboo: its label, the norm it breaks and what to say instead, from the lexicon
    assert "服务忌语" in html and "对不起" in html and "请稍等" in html
    assert "没有保存录音" in html and 'id="play"' in html  # no recording: a timer player


def test_better_phrasing_comes_from_the_lexicon():
    from monitor import lexicon
    from monitor.web.replay import better_phrasing

    lex = lexicon.load()
    greeting = better_phrasing(lex, "greeting")
    assert greeting and all(p in {x.text for x in lex.of_kind("greeting")} for p in greeting)
    taboo = better_phrasing(lex, "taboo")
    kinds = {p.kind for p in lex.phrases if p.text in taboo}
    assert kinds == {"apology", "please", "waiting"}
    assert better_phrasing(lex, "volume") == []


def test_viewers_see_training_visits_only_and_always_anonymised(client, store, visit_id):
    login(client, "li")
    hidden, missing = client.get(f"/replay/{visit_id}"), client.get("/replay/no-such-visit")
    assert hidden.status_code == missing.status_code == 404  # a viewer cannot enumerate visits
    assert hidden.text.replace(visit_id, "ID") == missing.text.replace("no-such-visit", "ID")
    assert client.get(f"/replay/{visit_id}/audio").status_code == 404
    store.add_training(visit_id, "taboo")
    page = client.get(f"/replay/{visit_id}")  # no ?training=1: a viewer gets it anyway
    assert page.status_code == 200
    html = page.text
    assert "王芳" not in html and "S07" not in html and "（姓名）" in html
    assert "138" not in html and "（顾客讲话）" in html and "alert" not in html
    assert "加入培训集" not in html  # viewers cannot edit collections


def test_training_list_and_page_hide_names_and_numbers(client, store, visit_id):
    store.add_training(visit_id, "good-greeting", note="王芳的问候，客户电话13812345678")
    login(client)
    listing = client.get("/training")
    assert listing.status_code == 200
    assert "good-greeting" in listing.text and f"/replay/{visit_id}?training=1" in listing.text
    assert "户籍1号窗口" in listing.text and "（姓名）的问候" in listing.text
    for secret in ("王芳", "S07", "13812345678"):
        assert secret not in listing.text
    page = client.get(f"/replay/{visit_id}?training=1")
    for secret in ("王芳", "S07", "13812345678", "138****5678", "5678"):
        assert secret not in page.text
    assert "· 培训" in page.text


def test_hall_may_show_staff_names_and_drop_the_customer(store, db_path, tmp_path, visit_id):
    client = make_client(db_path, tmp_path,
                         HALL + '[training]\nstaff_names = true\ncustomer = "drop"\n')
    login(client)
    html = client.get(f"/replay/{visit_id}?training=1").text
    assert "王芳" in html and 'data-role="customer"' not in html and "（顾客讲话）" not in html


def test_audio_is_the_visits_stretch_with_the_customer_kept(client, store, visit_id, tmp_path):
    store.save_recording(write_recording(tmp_path / "W01-093000.flac"))
    login(client)
    samples, rate = wav(client.get(f"/replay/{visit_id}/audio"))
    assert rate == RATE and samples.shape[1] == 2
    # the visit (0 to 4.1 s) padded by a second each side, out of a file starting 2 s early
    assert abs(len(samples) / RATE - 6.1) < 0.01
    assert np.abs(samples).max(axis=0).min() > 0.25
    page = client.get(f"/replay/{visit_id}").text
    assert f'src="/replay/{visit_id}/audio"' in page and 'data-offset="-1.0"' in page


def test_training_audio_mutes_or_drops_the_customer(store, db_path, tmp_path, visit_id):
    store.save_recording(write_recording(tmp_path / "W01-093000.flac"))
    store.add_training(visit_id, "taboo")
    muted = make_client(db_path, tmp_path)
    login(muted, "li")
    samples, _ = wav(muted.get(f"/replay/{visit_id}/audio"))
    assert samples.shape[1] == 2
    assert np.abs(samples[:, 0]).max() > 0.25 and np.abs(samples[:, 1]).max() == 0.0
    dropped = make_client(db_path, tmp_path, HALL + '[training]\ncustomer = "drop"\n')
    login(dropped)
    samples, _ = wav(dropped.get(f"/replay/{visit_id}/audio?training=1"))
    assert samples.shape[1] == 1 and np.abs(samples[:, 0]).max() > 0.25
    spectrum = np.abs(np.fft.rfft(samples[:RATE, 0]))
    assert abs(np.argmax(spectrum) - 440) <= 1  # the staff's channel, not the customer's


def test_audio_serves_ranges_so_the_player_can_seek(client, store, visit_id, tmp_path):
    store.save_recording(write_recording(tmp_path / "W01-093000.flac"))
    login(client)
    whole = client.get(f"/replay/{visit_id}/audio")
    part = client.get(f"/replay/{visit_id}/audio", headers={"Range": "bytes=1000-1999"})
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert part.status_code == 206 and part.data == whole.data[1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(whole.data)}"


def test_one_channel_recording_is_not_played_for_training(client, store, visit_id, tmp_path):
    store.save_recording(write_recording(tmp_path / "W01-093000.flac", channels=1))
    login(client)
    assert client.get(f"/replay/{visit_id}/audio").status_code == 200
    assert client.get(f"/replay/{visit_id}/audio?training=1").status_code == 404
    assert "单声道" in client.get(f"/replay/{visit_id}?training=1").text


def test_a_recording_of_another_time_or_window_is_not_used(client, store, visit_id, tmp_path):
    late = write_recording(tmp_path / "late.flac")
    store.save_recording(Recording(late.path, "W01", T0 + timedelta(minutes=5),
                                   T0 + timedelta(minutes=6), True, "all"))
    other = write_recording(tmp_path / "other.flac")
    store.save_recording(Recording(other.path, "W02", other.started_at, other.ended_at,
                                   True, "all"))
    dropped = write_recording(tmp_path / "dropped.flac")
    store.save_recording(Recording(dropped.path, "W01", dropped.started_at, dropped.ended_at,
                                   False, "no flagged visit"))
    login(client)
    assert client.get(f"/replay/{visit_id}/audio").status_code == 404


def test_supervisor_edits_collections_from_the_replay_page(client, store, visit_id):
    def post(token, **form):
        return client.post(f"/replay/{visit_id}/training", data={"csrf": token, **form})

    token = login(client, "li")
    assert post(token, tag="taboo").status_code == 403
    token = login(client)
    assert post("", tag="taboo").status_code == 403
    assert post(token, tag="").status_code == 400
    added = post(token, tag="taboo", note="忌语示例", training="1")
    assert added.status_code == 302
    assert added.headers["Location"].endswith(f"/replay/{visit_id}?training=1")
    assert store.visit_tags(visit_id) == ["taboo"]
    assert "移出" in client.get(f"/replay/{visit_id}").text
    assert post(token, tag="taboo", action="remove").status_code == 302
    assert store.visit_tags(visit_id) == []
    assert client.post("/replay/nope/training", data={"csrf": token, "tag": "x"}).status_code == 404
    assert csrf(client) == token


HEARD = [  # the staff side as a recogniser heard it: characters decoded from its pinyin
    utt(0.0, 1.0, "staff", "您好请坐", pinyin="nín hǎo qǐng zuò", heard_by="sherpa"),
    utt(1.2, 2.0, "customer", "我办社保卡", pinyin="wǒ bàn shè bǎo kǎ", heard_by="sherpa"),
    utt(2.1, 2.6, "staff", "我是王芳", pinyin="wǒ shì wáng fāng", heard_by="sherpa"),
    utt(3.5, 4.1, "staff", "请慢走再见"),  # typed: no mark
]


@pytest.fixture
def heard_id(store, scorer):
    session = scorer.score(HEARD, window="W01", staff="S07", started_at=T0 + timedelta(hours=1))
    store.save(session)
    return session.visits[0].id


def test_machine_heard_lines_are_marked_with_their_pinyin(client, heard_id):
    login(client)
    html = client.get(f"/replay/{heard_id}").text
    assert html.count('<abbr class="machine" title="由语音自动识别，可能有误；拼音：') == 3
    assert 'title="由语音自动识别，可能有误；拼音：nín hǎo qǐng zuò"' in html
    assert '<span class="pinyin" lang="zh-Latn-pinyin">nín hǎo qǐng zuò</span>' in html
    assert 'id="show-pinyin"' in html and "显示拼音" in html
    typed = html[html.index("请慢走再见"):].split("</li>")[0]
    assert "machine" not in typed and "pinyin" not in typed
    training = client.get(f"/replay/{heard_id}?training=1").text  # customer muted, names hidden
    assert "wǒ bàn shè bǎo kǎ" not in training and "（顾客讲话）" in training
    assert "王芳" not in training and "wáng fāng" not in training
    assert "nín hǎo qǐng zuò" in training


def test_typed_visits_show_no_mark_or_toggle(client, visit_id):
    login(client)
    html = client.get(f"/replay/{visit_id}").text
    assert "machine" not in html and "show-pinyin" not in html
