"""An independent MQTT 5 client for the tests (Eclipse Paho, Debian's python3-paho-mqtt).

Reads one JSON scenario from argv[1], runs it against 127.0.0.1 and prints one JSON object:
the CONNACK's reason code and properties, the SUBACK reason codes, and every message received.
Bounded: it stops after `expect` messages or `wait` seconds, whichever comes first.

Scenario keys: port, client_id, clean_start, connect_properties (Paho property names, e.g.
ReceiveMaximum), subscribe: [[filter, qos, {noLocal, retainAsPublished, retainHandling}, id]],
publish: [[topic, payload, qos, retain]], expect, wait (seconds), linger (seconds).
"""
import json
import sys
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

scenario = json.loads(sys.argv[1])
out = {"connack": None, "suback": [], "messages": [], "disconnect": None}

client = mqtt.Client(client_id=scenario.get("client_id", "paho"), protocol=mqtt.MQTTv5)


def on_connect(_c, _u, _flags, rc, props):
    out["connack"] = {"reason": rc.value, "properties": props.json() if props else {}}


def on_subscribe(_c, _u, _mid, codes, _props):
    out["suback"] += [c.value for c in codes]


def on_message(_c, _u, msg):
    props = msg.properties.json() if hasattr(msg, "properties") and msg.properties else {}
    out["messages"].append({
        "topic": msg.topic, "payload": msg.payload.decode("utf-8", "replace"),
        "qos": msg.qos, "retain": bool(msg.retain), "properties": props,
    })


def on_disconnect(_c, _u, rc, props=None):
    out["disconnect"] = rc.value if hasattr(rc, "value") else rc


client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
client.on_disconnect = on_disconnect

connect_props = Properties(PacketTypes.CONNECT)
for name, value in scenario.get("connect_properties", {}).items():
    setattr(connect_props, name, value)
client.connect("127.0.0.1", scenario["port"], keepalive=30, clean_start=scenario.get("clean_start", True),
               properties=connect_props if scenario.get("connect_properties") else None)

deadline = time.monotonic() + scenario.get("wait", 5)
client.loop_start()
while out["connack"] is None and time.monotonic() < deadline:
    time.sleep(0.01)

# Each entry is its own SUBSCRIBE (so each may carry its own Subscription Identifier).
for entry in scenario.get("subscribe", []):
    topic_filter, qos, opts = entry[0], entry[1], entry[2] if len(entry) > 2 else None
    sub_props = None
    if len(entry) > 3 and entry[3]:
        sub_props = Properties(PacketTypes.SUBSCRIBE)
        sub_props.SubscriptionIdentifier = entry[3]
    before = len(out["suback"])
    client.subscribe([(topic_filter, SubscribeOptions(qos=qos, **(opts or {})))], properties=sub_props)
    while len(out["suback"]) == before and time.monotonic() < deadline:
        time.sleep(0.01)
if scenario.get("subscribe"):
    print(json.dumps({"ready": True}), flush=True)

for topic, payload, qos, retain in scenario.get("publish", []):
    client.publish(topic, payload, qos=qos, retain=retain).wait_for_publish(2)

expect = scenario.get("expect", 0)
while len(out["messages"]) < expect and time.monotonic() < deadline:
    time.sleep(0.01)
time.sleep(scenario.get("linger", 0))
client.disconnect()
client.loop_stop()
print(json.dumps(out), flush=True)
