"""A hall's own mosquitto (its displays and light controllers subscribe there) bridged to
the city's, as docs/central.md configures it: two real brokers. The hall's lights reach
the city board, changes made while the city's broker is down arrive when it is back, and
the city's ACL holds even if a hall's bridge forwards more than its own topics."""
from __future__ import annotations

import json
import time

import pytest

from test_central import CITY, HALLS, _event, _install_services, _retained

from monitor.central.local import Broker
from monitor.central.mqtt import MqttDriver

pytestmark = pytest.mark.slow


@pytest.fixture
def brokers():
    """The city's broker, and hall_a's with a bridge forwarding everything it carries under
    `courtesy/` (wider than the docs' `courtesy/hall_a/#`, to show the city refuses the rest)."""
    reason = _install_services()
    if reason:
        pytest.skip(reason)
    city = Broker({**HALLS, CITY[0]: CITY[1]}, tuple(HALLS)).start()
    hall = Broker({"monitor": "pw-m", "display": "pw-d"}, ())
    conf = hall.write_config()
    (hall.folder / "acl").write_text("user monitor\ntopic readwrite courtesy/#\n\n"
                                     "user display\ntopic read courtesy/#\n")
    conf.write_text(conf.read_text() + (
        f"connection city\naddress 127.0.0.1:{city.port}\n"
        f"remote_username hall_a\nremote_password {HALLS['hall_a']}\n"
        "remote_clientid bridge-hall_a\ncleansession false\nrestart_timeout 1\n"
        "topic courtesy/# out 1\n"))
    hall.start()
    yield city, hall
    hall.destroy()
    city.destroy()


def _until(check, timeout_s: float = 20.0):
    deadline = time.monotonic() + timeout_s
    while not (seen := check()):
        assert time.monotonic() < deadline, "not seen in time"
        time.sleep(0.3)
    return seen


def test_a_halls_broker_bridges_its_lights_to_the_city(brokers):
    city, hall = brokers
    driver = MqttDriver(hall.url, "hall_a", "monitor", "pw-m", timeout_s=2.0)
    try:
        driver.show(_event("W01", "yellow"))
        _until(lambda: _retained(city, "hall_a", wait_s=0.5).get("W01") == "yellow")

        city.stop()  # the city's broker (or the line to it) is down for a while
        driver.show(_event("W01", "red"))  # the hall's own broker takes it
        driver.show(_event("W02", "green"))
        time.sleep(1.0)
        city.start()  # the bridge reconnects and delivers what it queued (QoS 1)
        _until(lambda: _retained(city, "hall_a", wait_s=0.5) == {"W01": "red", "W02": "green"},
               timeout_s=30)

        # a topic of another hall, published on hall_a's broker, is dropped by the city
        driver.client.publish("courtesy/hall_b/W09/light", json.dumps({"state": "red"}), 1,
                              retain=True).wait_for_publish(5)
        driver.show(_event("W03", "green"))  # published after it: once it is seen, so was that
        _until(lambda: "W03" in _retained(city, "hall_a", wait_s=0.5))
        assert "W09" not in _retained(city, "hall_b", wait_s=0.5)
    finally:
        driver.close()
