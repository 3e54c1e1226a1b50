// Checks test cases against the JSON Schemas of events/schema with Ajv 6, Debian's node-ajv.
//
// Usage: NODE_PATH=/usr/share/nodejs node validate.js SCHEMA_DIR CASES.jsonl
//        (cases as cases.py writes them)
//
// Ajv 6 implements draft-07, not 2020-12: it has no 2020-12 meta-schema (validateSchema: false,
// or it refuses the schemas' $schema), and by draft-07's rule it ignores the keywords beside a
// $ref (extendRefs: true applies them, as 2020-12 does). With those two options it reads these
// schemas as 2020-12 means them, because they use only keywords whose meaning is the same in
// both drafts (events' TestSchemasArePortable keeps it so) and reach $defs by JSON pointer.
// Formats are asserted (date-time). Every case must get its verdict: a valid document
// accepted, a broken one refused. Exits 1 on any other verdict, or with no case of either kind.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');
const version = require('ajv/package.json').version;

function main(schemaDir, casesPath) {
  if (!version.startsWith('6.')) {
    fail(`ajv ${version}: this script is written for ajv 6 (Debian's node-ajv); ajv 8 reads 2020-12 itself (ajv/dist/2020)`);
  }
  const ajv = new Ajv({ extendRefs: true, validateSchema: false, allErrors: false });
  const files = fs.readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json')).sort();
  if (files.length === 0) fail(`no *.schema.json in ${schemaDir}`);
  for (const f of files) ajv.addSchema(JSON.parse(fs.readFileSync(path.join(schemaDir, f), 'utf8')));

  const counts = { true: 0, false: 0 };
  const wrong = [];
  const lines = fs.readFileSync(casesPath, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const c = JSON.parse(line);
    let validate;
    try {
      validate = ajv.getSchema(c.schema);
    } catch (e) { // a $ref it cannot resolve, an unknown format: when the schema is compiled
      wrong.push(`line ${i + 1}, ${c.why}: cannot compile ${c.schema}: ${e.message}`);
      return;
    }
    if (!validate) {
      wrong.push(`line ${i + 1}, ${c.why}: no schema ${c.schema}`);
      return;
    }
    counts[c.valid]++;
    const ok = validate(c.doc);
    if (c.valid && !ok) wrong.push(`line ${i + 1}, ${c.why}: refused: ${ajv.errorsText(validate.errors)}`);
    if (!c.valid && ok) wrong.push(`line ${i + 1}, ${c.why}: accepted`);
  });
  for (const w of wrong) console.error(`ajv ${version}: ${w}`);
  console.log(`ajv ${version} (node ${process.version}): ${counts.true} valid and ${counts.false} ` +
    `broken documents, ${wrong.length} wrong verdicts`);
  if (wrong.length > 0 || counts.true === 0 || counts.false === 0) process.exit(1);
}

function fail(why) {
  console.error(`validate.js: ${why}`);
  process.exit(1);
}

if (process.argv.length !== 4) fail('usage: node validate.js SCHEMA_DIR CASES.jsonl');
main(process.argv[2], process.argv[3]);
