"""Prints every event of a demo run, one CloudEvent JSON per line, as JetStream stored them.

Usage: demo_events.py TASKPOLLER > events.jsonl

TASKPOLLER is a built taskpoller binary. This runs `TASKPOLLER demo --plain --keep` (embedded
NATS on a free port, the ECS emulator, a worker), waits until every task of it has its terminal
event stored and nothing left in its outbox, reads the events with `taskpoller tasks --json`
and `taskpoller status --json`, and stops the demo (SIGINT, as Ctrl-C). It relies on the demo
printing its NATS URL, not on any other wording of the demo's. Exits 1 (and prints the demo's
output) when the demo fails or its tasks have not all ended within two minutes.
"""

import json
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

DEADLINE = 150  # seconds: the demo's own --timeout (2m) and some
TERMINAL = {"ecs.task.finished", "ecs.task.failed"}


def main(tp):
    with tempfile.TemporaryDirectory(prefix="schemacheck-") as cwd:
        demo = subprocess.Popen(
            [tp, "demo", "--plain", "--keep", "--nats-listen", "127.0.0.1:-1", "--timeout", "2m"],
            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines, url_found = [], threading.Event()
        reader = threading.Thread(target=read_output, args=(demo, lines, url_found))
        reader.start()
        try:
            if not url_found.wait(DEADLINE) or demo.poll() is not None:
                fail("the demo printed no NATS URL", lines)
            url = nats_url(lines)
            events = wait_for_events(tp, url, cwd, demo, lines)
        finally:
            if demo.poll() is None:
                demo.send_signal(signal.SIGINT)
                try:
                    demo.wait(20)
                except subprocess.TimeoutExpired:
                    demo.kill()
                    demo.wait()
            reader.join()
    for ev in events:
        print(json.dumps(ev, ensure_ascii=False))
    print(f"demo_events: {len(events)} events of the demo's tasks", file=sys.stderr)


def read_output(demo, lines, url_found):
    for line in demo.stdout:
        lines.append(line)
        if "nats://" in line:
            url_found.set()
    url_found.set()  # the demo ended: main sees it


def nats_url(lines):
    for line in lines:
        m = re.search(r"nats://[0-9.]+:[0-9]+", line)
        if m:
            return m.group(0)
    fail("no NATS URL in the demo's output", lines)


def wait_for_events(tp, url, cwd, demo, lines):
    """Returns the events of every task once each has its terminal event stored."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if demo.poll() is not None:
            fail(f"the demo exited ({demo.returncode}) before its events were read", lines)
        tasks = [json.loads(l) for l in run(tp, "tasks", "--json", "--nats-url", url, cwd=cwd).splitlines() if l.strip()]
        if tasks and all(t["phase"] in ("finished", "failed") for t in tasks):
            events, done = [], True
            for t in tasks:
                st = json.loads(run(tp, "status", "--json", "--nats-url", url,
                                    "--region", t["region_id"], "--task", t["task_id"], cwd=cwd))
                done = done and st.get("outbox_pending") == 0 and any(e["type"] in TERMINAL for e in st["events"])
                events.extend(st["events"])
            if done:
                return events
        time.sleep(1)
    fail(f"the demo's tasks had not all ended after {DEADLINE} s", lines)


def run(tp, *args, cwd):
    p = subprocess.run([tp, *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        sys.exit(f"demo_events: taskpoller {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p.stdout


def fail(why, lines):
    sys.stderr.write("".join(lines))
    sys.exit(f"demo_events: {why}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
