#!/usr/bin/env bash
# Checks events/schema with validators other than the Go one, on a demo's events (make schemas;
# CI runs it). Needs Debian's python3-jsonschema and node-ajv (apt-get install python3-jsonschema
# node-ajv) and Go. Steps:
#   1. build taskpoller; demo_events.py runs its demo and prints every event it stored;
#   2. cases.py makes test cases of them: each event and its data (valid), registrations and a
#      registration_invalid event (valid), and each broken one way (invalid);
#   3. validate.py with Debian's /usr/bin/python3 (jsonschema 4.10), and again with the python3
#      on PATH when its jsonschema is another release (a current one, say); validate.js with
#      Debian's Ajv 6: every case must get its verdict;
#   4. the README's Python example (the first python block of "## Event schemas"), run as it
#      stands: it must print the OSS objects of the demo's finished events, stop with an error
#      on a broken finished event before printing any of its objects, and stop without
#      jsonschema.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=deploy/schemacheck
schemas=events/schema
debian_python=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$debian_python" -c 'import jsonschema' || { echo "schemacheck: $debian_python has no jsonschema: apt-get install python3-jsonschema" >&2; exit 1; }
[ -e /usr/share/nodejs/ajv/package.json ] || { echo "schemacheck: no /usr/share/nodejs/ajv: apt-get install node-ajv" >&2; exit 1; }

go build -o "$work/taskpoller" ./cmd/taskpoller
"$debian_python" "$here/demo_events.py" "$work/taskpoller" >"$work/events.jsonl"
"$debian_python" "$here/cases.py" <"$work/events.jsonl" >"$work/cases.jsonl"

echo "-- validators"
"$debian_python" "$here/validate.py" "$schemas" "$work/cases.jsonl"
version() { "$1" -c 'import importlib.metadata as m; print(m.version("jsonschema"))' 2>/dev/null || true; }
other=$(command -v python3 || true)
if [ -n "$other" ] && [ -n "$(version "$other")" ] && [ "$(version "$other")" != "$(version "$debian_python")" ]; then
  "$other" "$here/validate.py" "$schemas" "$work/cases.jsonl"
else
  echo "python3 on PATH ($other) has no other jsonschema release than Debian's: checked once"
fi
NODE_PATH=/usr/share/nodejs node "$here/validate.js" "$schemas" "$work/cases.jsonl"

echo "-- the README's Python example"
awk '/^## Event schemas/ { s = 1 } s && /^```python/ { p = 1; next } p && /^```/ { exit } p' README.md >"$work/exports.py"
grep -q 'jsonschema' "$work/exports.py" || { echo "schemacheck: no Python example under '## Event schemas' in README.md" >&2; exit 1; }
"$debian_python" - "$work/events.jsonl" >"$work/expected.txt" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["type"] == "ecs.task.finished":
        for o in e["data"]["oss_objects"]:
            print(f"oss://{e['data'].get('oss_bucket', '')}/{o}")
PY
[ -s "$work/expected.txt" ] || { echo "schemacheck: the demo's finished events have no OSS object" >&2; exit 1; }
"$debian_python" "$work/exports.py" "$schemas" <"$work/events.jsonl" >"$work/got.txt"
diff -u "$work/expected.txt" "$work/got.txt"
echo "prints the $(wc -l <"$work/expected.txt") OSS objects of the demo's finished events"

# A finished event whose status_ordinal is 0, its OSS objects renamed: they must not be printed.
"$debian_python" - "$work/events.jsonl" >"$work/broken.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["type"] == "ecs.task.finished" and e["data"]["oss_objects"]:
        e["data"]["status_ordinal"] = 0
        e["data"]["oss_objects"] = ["tampered-" + o for o in e["data"]["oss_objects"]]
        print(json.dumps(e))
        break
PY
if "$debian_python" "$work/exports.py" "$schemas" <"$work/broken.jsonl" >"$work/got.txt" 2>"$work/err.txt"; then
  echo "schemacheck: the README's example accepted a broken event and printed:" >&2; cat "$work/got.txt" >&2; exit 1
fi
if grep -q tampered "$work/got.txt"; then
  echo "schemacheck: the README's example printed a broken event's OSS objects" >&2; exit 1
fi
echo "stops on a broken event: $(tail -n 1 "$work/err.txt")"

# Without jsonschema (a module of that name that cannot be imported): it must stop, not skip.
mkdir "$work/nojsonschema"
echo 'raise ImportError("jsonschema hidden by schemacheck")' >"$work/nojsonschema/jsonschema.py"
if PYTHONPATH="$work/nojsonschema" "$debian_python" "$work/exports.py" "$schemas" <"$work/events.jsonl" >"$work/got.txt" 2>"$work/err.txt"; then
  echo "schemacheck: the README's example ran without jsonschema" >&2; exit 1
fi
[ ! -s "$work/got.txt" ] || { echo "schemacheck: the README's example printed events without jsonschema" >&2; exit 1; }
echo "stops without jsonschema: $(tail -n 1 "$work/err.txt")"
