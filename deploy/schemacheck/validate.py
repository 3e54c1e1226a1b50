"""Checks test cases against the JSON Schemas of events/schema with Python's jsonschema.

Usage: validate.py SCHEMA_DIR CASES.jsonl   (cases as cases.py writes them)

It loads the schemas as a consumer would, by their $id: with jsonschema 4.18 and later through
a referencing.Registry, before (Debian 12's python3-jsonschema 4.10) through a RefResolver
store. Every case must get its verdict: a valid document accepted, a broken one refused.
"format" is not asserted (jsonschema checks date-time only with rfc3339-validator installed),
so no case turns on it. Exits 1 on any other verdict, or with no case of either kind.
"""

import importlib.metadata
import json
import pathlib
import sys

import jsonschema


def validators(schema_dir):
    """Returns a function that gives the validator of a schema $id."""
    schemas = {}
    for p in sorted(pathlib.Path(schema_dir).glob("*.schema.json")):
        s = json.loads(p.read_text())
        schemas[s["$id"]] = s
    if not schemas:
        sys.exit(f"validate.py: no *.schema.json in {schema_dir}")
    try:  # jsonschema 4.18 and later
        from referencing import Registry, Resource
        registry = Registry().with_resources((i, Resource.from_contents(s)) for i, s in schemas.items())

        def make(schema_id):
            return jsonschema.Draft202012Validator({"$ref": schema_id}, registry=registry)
    except ImportError:  # before 4.18
        def make(schema_id):
            return jsonschema.Draft202012Validator(
                {"$ref": schema_id}, resolver=jsonschema.RefResolver("", {}, store=schemas))
    cache = {}
    return lambda schema_id: cache.setdefault(schema_id, make(schema_id))


def main(schema_dir, cases_path):
    validator = validators(schema_dir)
    counts, wrong = {True: 0, False: 0}, []
    for n, line in enumerate(open(cases_path, encoding="utf-8"), 1):
        if not line.strip():
            continue
        case = json.loads(line)
        try:
            errors = list(validator(case["schema"]).iter_errors(case["doc"]))
        except jsonschema.exceptions.RefResolutionError as e:  # 4.10 raises it while validating
            wrong.append(f"line {n}, {case['why']}: cannot resolve a $ref: {e}")
            continue
        counts[case["valid"]] += 1
        if case["valid"] and errors:
            wrong.append(f"line {n}, {case['why']}: refused: {errors[0].message}")
        elif not case["valid"] and not errors:
            wrong.append(f"line {n}, {case['why']}: accepted")
    version = importlib.metadata.version("jsonschema")
    for w in wrong:
        print(f"python jsonschema {version}: {w}", file=sys.stderr)
    print(f"python jsonschema {version} ({sys.executable}): {counts[True]} valid and {counts[False]} "
          f"broken documents, {len(wrong)} wrong verdicts")
    if wrong or not counts[True] or not counts[False]:
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
