"""Runs inside the Theengs venv (`benchmarks/out/theengs-venv`), never the project's: it imports
`TheengsDecoder` and paho-mqtt, which only that venv has, and needs nothing of the project beyond
`beacon_agent.contract.frames` (standard library only).

    python -m benchmarks.agent.theengs_probe decode FRAMES.jsonl
        Times Nahbei's `frames.decode` and `TheengsDecoder.decodeBLE` on the same advertisements in
        this one process and prints one JSON line: µs per advertisement for each, and what each
        recognised. Each decoder gets its own input form, prepared outside the timing: bleak's dicts
        for Nahbei, and for Theengs the JSON text Theengs Gateway builds from the same dicts
        (`ble_gateway.Gateway.detection_callback`: the first manufacturer data with its company id,
        then one decode per service-data UUID). So the figure is the binding alone; the gateway
        also spends a `json.dumps` before and a `json.loads` after each decode.

    python -m benchmarks.agent.theengs_probe count --port P --topic T --marker ADDR
        Subscribes to T/# on the MQTT broker at 127.0.0.1:P and answers each "report" on stdin with
        the messages counted so far and the `time.time()` the newest message about ADDR arrived.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

REPEATS = 5


def _gateway_json(ad: dict[str, Any]) -> list[str]:
    """The JSON texts Theengs Gateway hands `decodeBLE` for one advertisement."""
    data: dict[str, Any] = {}
    if ad["manufacturer_data"]:
        company, payload = next(iter(ad["manufacturer_data"].items()))
        data["manufacturerdata"] = struct.pack("<H", int(company)).hex() + payload
    if ad["local_name"]:
        data["name"] = ad["local_name"]
    if ad["service_data"]:
        data["id"], data["rssi"] = ad["address"], ad["rssi"]
        return [
            json.dumps({**data, "servicedatauuid": uuid[4:8], "servicedata": payload})
            for uuid, payload in ad["service_data"].items()
        ]
    if data:
        data["id"], data["rssi"] = ad["address"], ad["rssi"]
        return [json.dumps(data)]
    return []


def _best_us(run: Callable[[], None], items: int) -> float:
    """Microseconds per item of the fastest of `REPEATS` runs (the least disturbed one)."""
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best / items * 1e6


def decode(path: str) -> dict[str, Any]:
    from TheengsDecoder import decodeBLE  # type: ignore[import-not-found,unused-ignore]

    from beacon_agent.contract.frames import decode as nahbei_decode

    with open(path, encoding="utf-8") as lines:
        ads = [json.loads(line) for line in lines if line.strip()]
    ours = [
        (
            {int(k): bytes.fromhex(v) for k, v in ad["manufacturer_data"].items()},
            {k: bytes.fromhex(v) for k, v in ad["service_data"].items()},
        )
        for ad in ads
    ]
    theirs = [text for ad in ads for text in _gateway_json(ad)]

    def run_ours() -> None:
        for manufacturer_data, service_data in ours:
            nahbei_decode(manufacturer_data, service_data)

    def run_theirs() -> None:
        for text in theirs:
            decodeBLE(text)

    models: dict[str, int] = {}
    for text in theirs:
        answer = decodeBLE(text)
        if answer:
            model = json.loads(answer).get("model_id", "?")
            models[model] = models.get(model, 0) + 1
    kinds: dict[str, int] = {}
    for manufacturer_data, service_data in ours:
        for frame in nahbei_decode(manufacturer_data, service_data):
            kinds[frame.kind] = kinds.get(frame.kind, 0) + 1
    return {
        "advertisements": len(ads),
        "nahbei_us": _best_us(run_ours, len(ads)),
        "theengs_us": _best_us(run_theirs, len(ads)),
        "nahbei_frames": kinds,
        "theengs_models": models,
    }


def count(port: int, topic: str, marker: str) -> None:
    from paho.mqtt import client as mqtt  # type: ignore[import-untyped,import-not-found,unused-ignore]

    lock = threading.Lock()
    state = {"count": 0, "marker": 0.0}
    marker_topic = marker.replace(":", "").upper()

    def on_message(client: Any, userdata: Any, message: Any) -> None:
        now = time.time()
        with lock:
            state["count"] += 1
            if message.topic.upper().endswith(marker_topic):
                state["marker"] = now

    subscribed = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.on_message = on_message
    client.on_connect = lambda c, *_: c.subscribe(f"{topic}/#")
    client.on_subscribe = lambda *_: subscribed.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    if not subscribed.wait(30):
        raise SystemExit("could not subscribe to the MQTT broker")
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "report":
            with lock:
                print(state["count"], state["marker"], flush=True)
    client.loop_stop()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.agent.theengs_probe", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    decode_parser = commands.add_parser("decode")
    decode_parser.add_argument("frames")
    count_parser = commands.add_parser("count")
    count_parser.add_argument("--port", type=int, required=True)
    count_parser.add_argument("--topic", required=True)
    count_parser.add_argument("--marker", required=True)
    args = parser.parse_args()
    if args.command == "decode":
        print(json.dumps(decode(args.frames)))
    else:
        count(args.port, args.topic, args.marker)
    return 0


if __name__ == "__main__":
    sys.exit(main())
