// Cross-checks web/replica.js against the Swift engine (docs/web.md):
//   node crosscheck.mjs OPS.jsonl EXPECTED.txt [SHUFFLES]
//     the ops of a log, applied in log order and in shuffled orders, must give the text
//     the Swift engine gave; one line per order;
//   node crosscheck.mjs OPS.jsonl EXPECTED.json [SHUFFLES]
//     the same for a rich document: {text, blocks, threads} as the Swift engine gave
//     them (its plain text, blockContents and commentThreads);
//   node crosscheck.mjs --state STATE.json OPS.jsonl EXPECTED.json
//     a document's state (`sync_state`) loaded into an empty replica, then the ops after
//     it applied, must give the rich document the Swift engine gave;
//   node crosscheck.mjs --type TRACE.json[.gz] OUT.jsonl
//     types a sequential trace's edits as local edits, checks the text, and writes the
//     ops made, for the Swift engine to apply.
// Exits 1 when anything differs. Run by CollabLogTests/JavaScriptEngineTests.
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Replica } from "../../web/replica.js";

if (process.argv[2] === "--type") {
  const [tracePath, outPath] = process.argv.slice(3);
  const raw = readFileSync(tracePath);
  const trace = JSON.parse((tracePath.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8"));
  const started = performance.now();
  const document = new Replica();
  const made = [];
  const timestamp = { wall: 0, logical: 0 };
  for (const transaction of trace.txns) {
    for (const [position, deleted, inserted] of transaction.patches) {
      if (deleted > 0) made.push(...document.delete(position, deleted, "agent0", timestamp));
      if (inserted.length > 0) made.push(...document.insert(inserted, position, "agent0", timestamp));
    }
  }
  const same = document.text === trace.endContent;
  console.log(`${same ? "same" : "DIFFERENT"} typed: ${made.length} ops in ${(performance.now() - started).toFixed(1)} ms`);
  writeFileSync(outPath, made.map((op) => JSON.stringify(op)).join("\n") + "\n");
  process.exit(same ? 0 : 1);
}

const stateMode = process.argv[2] === "--state";
const statePath = stateMode ? process.argv[3] : null;
const [opsPath, expectedPath, shuffles = "0"] = process.argv.slice(stateMode ? 4 : 2);
const ops = readFileSync(opsPath, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line));
const rich = expectedPath.endsWith(".json");
const expected = rich ? canonical(JSON.parse(readFileSync(expectedPath, "utf8"))) : readFileSync(expectedPath, "utf8");
let failed = false;

/** JSON with every object's keys sorted, so that two documents compare as strings. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function replay(order, name) {
  const started = performance.now();
  const document = new Replica();
  if (statePath) document.load(JSON.parse(readFileSync(statePath, "utf8")));
  for (const op of order) document.apply(op);
  const elapsed = performance.now() - started;
  const got = rich ? canonical({ text: document.text, blocks: document.blockContents(), threads: document.threads() }) : document.text;
  const same = got === expected && document.pending.length === 0;
  console.log(`${same ? "same" : "DIFFERENT"} ${name}: ${order.length} ops in ${elapsed.toFixed(1)} ms`);
  if (!same) {
    failed = true;
    if (rich) console.log(`expected ${expected}\n     got ${got}`);
  }
}

// A seeded shuffle (mulberry32), so that a failing order can be replayed.
function shuffled(list, seed) {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = list.slice();
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

replay(ops, statePath ? "state, then log order" : "log order");
for (let seed = 1; seed <= Number(shuffles); seed++) replay(shuffled(ops, seed), `shuffle ${seed}`);
process.exit(failed ? 1 : 0);
