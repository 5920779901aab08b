// The browser's engine (web/replica.js) in Node, on the standard traces (docs/benchmarks.md):
//   node engine-bench.mjs TRACE.json.gz [LOG.jsonl] [--runs N]
// types every edit of a sequential trace as local edits (each made an op, as the editor
// sends it) and, given a log of ops (`collab import --format trace … -o LOG.jsonl`, or
// `collab-bench --rich-log`), applies it as a page applies a catch-up, then reads it as
// blocks. Prints one JSON object per run; the first run includes the JIT warming up.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { Replica } from "../../web/replica.js";

const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 5;
const [tracePath, logPath] = args;
const raw = readFileSync(tracePath);
const trace = JSON.parse((tracePath.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8"));
const log = logPath ? readFileSync(logPath, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line)) : null;

for (let run = 1; run <= runs; run++) {
  const result = { run };
  let started = performance.now();
  const typed = new Replica();
  const timestamp = { wall: 0, logical: 0 };
  let ops = 0;
  for (const transaction of trace.txns) {
    for (const [position, deleted, inserted] of transaction.patches) {
      if (deleted > 0) ops += typed.delete(position, deleted, "agent0", timestamp).length;
      if (inserted.length > 0) ops += typed.insert(inserted, position, "agent0", timestamp).length;
    }
  }
  result.type_ms = Math.round(performance.now() - started);
  result.typed_ops = ops;
  result.typed_ok = typed.text === trace.endContent;
  if (log) {
    started = performance.now();
    const applied = new Replica();
    for (const op of log) applied.apply(op);
    result.apply_ms = Math.round(performance.now() - started);
    started = performance.now();
    result.blocks = applied.blockContents().length;
    result.blocks_ms = Math.round(performance.now() - started);
    result.applied_ops = log.length;
  }
  console.log(JSON.stringify(result));
}
