"""The alert light: states, red hold and acknowledgement, stored causes, drivers."""
import json
import sys
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from monitor import transcript
from monitor.alerts import (CommandDriver, Dispatcher, LightMachine, LightOptions, Lights,
                            WebhookDriver, UsbDriver, driver_from_config)
from monitor.errors import ConfigError
from monitor.live import LiveSession, play
from monitor.records import Finding, LightEvent, LiveUpdate, Visit
from monitor.storage import Store

from .conftest import ROOT

T0 = datetime(2026, 11, 20, 9, 0).astimezone()


def update(state, *findings, at=0.0, visit="v1"):
    v = Visit(visit, "W1", None, 0, at, findings=list(findings))
    return LiveUpdate("W1", at, T0 + timedelta(seconds=at), state, v)


def finding(severity, rule="taboo", start=1.0):
    return Finding(rule, start, start + 1, "你烦不烦", severity)


def states(events):
    return [e.state for e in events]


def test_green_yellow_and_off():
    machine = LightMachine()
    assert states(machine.update(update("open"))) == ["green"]
    assert machine.update(update("update")) == []
    [event] = machine.update(update("update", finding("minor", "please"), at=5))
    assert (event.state, event.previous, event.rule) == ("yellow", "green", "please")
    assert states(machine.update(update("update", at=6))) == ["green"]  # the warning resolved
    assert states(machine.update(update("closed", at=7))) == ["off"]


def test_red_holds_until_time_and_acknowledgement():
    acked = set()
    machine = LightMachine(LightOptions(red_hold_s=30), acknowledged=lambda i: i in acked,
                           record=lambda e: LightEvent(**{**e.__dict__, "id": 1}))
    machine.update(update("open"))
    [red] = machine.update(update("update", finding("critical"), at=10))
    assert (red.state, red.rule, red.quote, red.severity) == ("red", "taboo", "你烦不烦", "critical")
    assert machine.update(update("closed", finding("critical"), at=15)) == []
    assert machine.tick(T0 + timedelta(seconds=50)) == []  # hold over, not acknowledged
    acked.add(1)
    assert states(machine.tick(T0 + timedelta(seconds=51))) == ["off"]


def test_acknowledged_red_of_a_running_visit_becomes_yellow():
    machine = LightMachine(LightOptions(red_hold_s=0, ack_required=False))
    machine.update(update("open"))
    machine.update(update("update", finding("critical"), at=10))
    assert states(machine.tick(T0 + timedelta(seconds=11))) == ["yellow"]
    assert machine.update(update("update", finding("critical"), at=12)) == []  # shown already
    [again] = machine.update(update("update", finding("critical"), finding("critical", start=13),
                                    at=14))
    assert again.state == "red" and again.previous == "yellow"


def test_minor_and_major_are_never_red():
    machine = LightMachine()
    machine.update(update("open"))
    assert states(machine.update(update("update", finding("major"), finding("minor")))) == ["yellow"]


def test_sample_session_lights_are_stored_with_causes(scorer, db_path):
    store = Store(db_path)
    lights = Lights.for_store(store)
    session = LiveSession(scorer, store, window="W03", started_at=T0)
    shown = []
    for u in play(session, transcript.read(ROOT / "audio" / "hospital_taboo.jsonl"),
                  on_tick=lambda at: shown.extend(lights.tick(at))):
        shown += lights.update(u)
    lights.close()
    assert states(shown) == ["green", "yellow", "red"]
    stored = store.light_events()
    assert [(e.state, e.rule) for e in stored] == [("green", ""), ("yellow", "please"),
                                                    ("red", "taboo")]
    assert store.current_lights()["W03"].state == "red"
    assert store.acknowledge(stored[-1].id, "supervisor", T0) is True
    assert store.acknowledge(stored[-1].id, "supervisor", T0) is False  # replayed
    assert store.acknowledge(stored[0].id, "supervisor", T0) is False  # not red


class _Hook(BaseHTTPRequestHandler):
    received: list = []
    fail_first = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if _Hook.fail_first > 0:
            _Hook.fail_first -= 1
            self.send_response(503)
        else:
            _Hook.received.append(json.loads(body))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook_server():
    _Hook.received, _Hook.fail_first = [], 2
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/light"
    server.shutdown()


EVENT = LightEvent("W1", "red", "green", T0, "taboo", "critical", "你烦不烦")


def test_webhook_is_retried_until_it_answers(hook_server):
    dispatcher = Dispatcher([WebhookDriver(hook_server)], retry_s=0.05)
    dispatcher.send([EVENT])
    dispatcher.close(timeout=3)
    assert [r["state"] for r in _Hook.received] == ["red"]
    assert dispatcher.failures["webhook"] == 2


def test_command_hook_gets_the_event(tmp_path):
    out = tmp_path / "seen.json"
    script = f"import json,os,sys; open({str(out)!r},'w').write(sys.stdin.read()+os.environ['COURTESY_STATE'])"
    dispatcher = Dispatcher([CommandDriver([sys.executable, "-c", script])])
    dispatcher.send([EVENT])
    dispatcher.close(timeout=5)
    text = out.read_text()
    assert json.loads(text[:-3])["quote"] == "你烦不烦" and text.endswith("red")


def test_a_broken_driver_does_not_stop_the_others(tmp_path, hook_server):
    _Hook.fail_first = 0
    dead = WebhookDriver("http://127.0.0.1:9/unreachable", timeout_s=0.2)
    dispatcher = Dispatcher([dead, UsbDriver(), WebhookDriver(hook_server)], retry_s=0.05)
    dispatcher.send([EVENT])
    dispatcher.close(timeout=1)
    assert len(_Hook.received) == 1
    assert dispatcher.failures["webhook"] >= 1 and dispatcher.failures["usb"] >= 1


def test_driver_config():
    assert isinstance(driver_from_config({"type": "usb", "light": "Kuando"}, "hall.toml"), UsbDriver)
    with pytest.raises(ConfigError, match="hall.toml.*unknown light driver type 'lamp'"):
        driver_from_config({"type": "lamp"}, "hall.toml")
    with pytest.raises(ConfigError, match="webhook driver: bad or missing setting 'url'"):
        driver_from_config({"type": "webhook"}, "hall.toml")
