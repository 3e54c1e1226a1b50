"""Turns a demo's events into test cases for the schema validators (validate.py, validate.js).

Usage: cases.py < events.jsonl > cases.jsonl

Each line written is {"schema": <$id>, "doc": <JSON>, "valid": true|false, "why": <text>}:
- every event against the cloudevent schema, and its data against its dataschema: valid;
- registrations made of the events' tasks, and a registration_invalid event (the demo makes
  none; this one is shaped as events.Invalid builds it): valid;
- each of those broken one way (a wrong type, a status a kind cannot have, a final newline,
  a string over its bound, a wrong id shape...): invalid, so that a validator that reads
  less than the schemas say (ignores $ref's siblings, cannot resolve a $ref, ...) fails.
Exits 1 when the events lack a kind of event the broken cases are made from.
"""

import copy
import json
import sys

V1 = "urn:taskpoller:events:v1:"
CLOUDEVENT, REGISTRATION = V1 + "cloudevent", V1 + "registration"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"  # W3C Trace Context's example

INVALID_EVENT = {
    "specversion": "1.0",
    "id": "invalid/42/0123456789abcdef",
    "source": "/taskpoller/registrations",
    "type": "ecs.task.registration_invalid",
    "time": "2026-01-02T03:04:05Z",
    "datacontenttype": "application/json",
    "dataschema": V1 + "registration_invalid",
    "data": {"reason": "invalid registration: task_id is missing", "payload": '{"region_id":"cn-hangzhou"}'},
}


def broken_events(first):
    """Yields (why, event) for events broken one way each; first(type) is a demo event."""
    def case(why, kind, change):
        ev = copy.deepcopy(first(kind))
        change(ev)
        return why, ev
    fin, fail, prog, stat = "ecs.task.finished", "ecs.task.failed", "ecs.task.progress", "ecs.task.status_changed"
    yield case("finished: an OSS object that is not a string", fin, lambda e: e["data"]["oss_objects"].append(7))
    yield case("finished: task_status Failed", fin, lambda e: e["data"].update(task_status="Failed"))
    yield case("finished: a reason, which only failed events carry", fin, lambda e: e["data"].update(reason="timeout"))
    yield case("finished: status_ordinal 0", fin, lambda e: e["data"].update(status_ordinal=0))
    yield case("finished: an operation without error_code", fin, lambda e: e["data"].update(
        operations=[{"operation_status": "Finished", "error_msg": "", "related_items": []}]))
    yield case("finished: a related item over 1 KiB", fin, lambda e: e["data"].update(operations=[{
        "operation_status": "Finished", "error_code": "", "error_msg": "",
        "related_items": [{"name": "OSSObject", "value": "x" * 1025}]}]))
    yield case("finished: the dataschema of failed", fin, lambda e: e.update(dataschema=V1 + "failed"))
    yield case("finished: an id that is not the terminal id", fin, lambda e: e.update(id=first(stat)["id"]))
    yield case("failed: reason task_failed with task_status Finished", fail, lambda e: e["data"].update(
        reason="task_failed", task_status="Finished"))
    yield case("failed: an unknown reason", fail, lambda e: e["data"].update(reason="nope"))
    yield case("failed: cancel on a reason other than timeout", fail, lambda e: e["data"].update(
        reason="task_failed", task_status="Failed", cancel="accepted"))
    yield case("progress: region_id with a final newline", prog, lambda e: e["data"].update(
        region_id=e["data"]["region_id"] + "\n"))
    yield case("progress: subject with a final newline", prog, lambda e: e.update(subject=e["subject"] + "\n"))
    yield case("progress: task_process over 1 KiB", prog, lambda e: e["data"].update(task_process="9" * 1025))
    yield case("progress: no status_ordinal", prog, lambda e: e["data"].pop("status_ordinal"))
    yield case("status_changed: subject not a task id", stat, lambda e: e.update(subject="x-1"))
    yield case("status_changed: the id of a progress event", stat, lambda e: e.update(id=first(prog)["id"]))
    yield case("status_changed: source of another region's shape", stat, lambda e: e.update(source="/taskpoller/ecs/CN"))
    yield case("status_changed: an unknown type", stat, lambda e: e.update(type="ecs.task.nope"))
    yield case("finished: a traceparent in upper case", fin, lambda e: e.update(traceparent=TRACEPARENT.upper()))
    yield case("finished: a traceparent with a final newline", fin, lambda e: e.update(traceparent=TRACEPARENT + "\n"))
    yield case("finished: a tracestate without a traceparent", fin, lambda e: e.update(tracestate="rojo=1"))
    yield case("finished: an account in upper case", fin, lambda e: e["data"].update(account="Prod"))
    yield case("finished: an empty account", fin, lambda e: e["data"].update(account=""))
    yield case("finished: an account with a final newline", fin, lambda e: e["data"].update(account="prod\n"))
    yield case("finished: the source of an account in upper case", fin, lambda e: e.update(source="/taskpoller/ecs/Prod/cn-hangzhou"))


def broken_invalid_events():
    for why, change in [
        ("registration_invalid: a payload over 4 KiB", lambda e: e["data"].update(payload="x" * 4097)),
        ("registration_invalid: no reason", lambda e: e["data"].pop("reason")),
        ("registration_invalid: an id of a task event's shape", lambda e: e.update(id="cn-hangzhou/t-1/terminal")),
    ]:
        ev = copy.deepcopy(INVALID_EVENT)
        change(ev)
        yield why, ev


def broken_registrations(reg):
    for why, change in [
        ("registration: task_id with a final newline", lambda r: r.update(task_id=r["task_id"] + "\n")),
        ("registration: region_id with a final newline", lambda r: r.update(region_id=r["region_id"] + "\n")),
        ("registration: region_id in upper case", lambda r: r.update(region_id="CN-HANGZHOU")),
        ("registration: task_id over 64 characters", lambda r: r.update(task_id="t-" + "a" * 63)),
        ("registration: metadata an array", lambda r: r.update(metadata=[1])),
        ("registration: no task_id", lambda r: r.pop("task_id")),
        ("registration: a traceparent of version 01", lambda r: r.update(traceparent="01" + TRACEPARENT[2:])),
        ("registration: a traceparent with an all-zero trace id", lambda r: r.update(traceparent="00-" + "0" * 32 + TRACEPARENT[35:])),
        ("registration: a traceparent with an all-zero parent id", lambda r: r.update(traceparent=TRACEPARENT[:36] + "0" * 16 + "-01")),
        ("registration: a traceparent with a final newline", lambda r: r.update(traceparent=TRACEPARENT + "\n")),
        ("registration: a tracestate with a final newline", lambda r: r.update(traceparent=TRACEPARENT, tracestate="a=1\n")),
        ("registration: an account in upper case", lambda r: r.update(account="Prod-EU")),
        ("registration: an account with a final newline", lambda r: r.update(account="prod-eu\n")),
        ("registration: an account over 32 characters", lambda r: r.update(account="a" * 33)),
        ("registration: an account that is a number", lambda r: r.update(account=7)),
        ("registration: a tracestate over 512 characters", lambda r: r.update(traceparent=TRACEPARENT, tracestate="a=" + "b" * 511)),
    ]:
        r = copy.deepcopy(reg)
        change(r)
        yield why, r


def main():
    events = [json.loads(line) for line in sys.stdin if line.strip()]
    by_type = {}
    for ev in events:
        by_type.setdefault(ev["type"], ev)

    def first(kind):
        if kind not in by_type:
            sys.exit(f"cases: no {kind} event among the {len(events)} events read")
        return by_type[kind]

    def out(schema, doc, valid, why):
        print(json.dumps({"schema": schema, "doc": doc, "valid": valid, "why": why}, ensure_ascii=False))

    for ev in events + [INVALID_EVENT]:
        out(CLOUDEVENT, ev, True, f"event {ev['id']}")
        out(ev["dataschema"], ev["data"], True, f"data of {ev['id']}")
    regs = {}
    for ev in events:
        d = ev["data"]
        regs.setdefault(d["task_id"], {"region_id": d["region_id"], "task_id": d["task_id"], "metadata": d.get("metadata")})
    for r in regs.values():
        out(REGISTRATION, r, True, f"registration of {r['task_id']}")
    some = next(iter(regs.values()))
    out(REGISTRATION, {"region_id": some["region_id"], "task_id": some["task_id"]}, True, "registration without metadata")
    out(REGISTRATION, dict(some, traceparent=TRACEPARENT, tracestate="rojo=00f067aa0ba902b7"), True, "registration with a trace context")
    out(REGISTRATION, dict(some, tracestate="\u0007"), True, "registration with a tracestate and no traceparent (dropped)")
    traced = dict(first("ecs.task.finished"), traceparent=TRACEPARENT, tracestate="rojo=00f067aa0ba902b7")
    out(CLOUDEVENT, traced, True, "event with a trace context")
    for account in ["prod-eu", "", None]:
        out(REGISTRATION, dict(some, account=account), True, f"registration naming the account {account!r}")
    fin = copy.deepcopy(first("ecs.task.finished"))
    fin["data"]["account"] = "prod-eu"
    fin["source"] = fin["source"].replace("/taskpoller/ecs/", "/taskpoller/ecs/prod-eu/")
    out(CLOUDEVENT, fin, True, "event of a named account")
    for why, ev in list(broken_events(first)) + list(broken_invalid_events()):
        out(CLOUDEVENT, ev, False, why)
    for why, r in broken_registrations(some):
        out(REGISTRATION, r, False, why)


if __name__ == "__main__":
    main()
