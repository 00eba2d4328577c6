import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePrometheus } from "./prometheus.js";

test("samples keep their labels, escaped values and special numbers; comments are skipped", () => {
  const text = [
    "# HELP outpost_queue_depth Requests waiting for a slot.",
    "# TYPE outpost_queue_depth gauge",
    'outpost_queue_depth{model="@cf/karpathy/tinyllamas-stories-260k"} 2',
    'outpost_time_to_first_token_seconds_bucket{le="+Inf",model="m"} 7',
    'odd{label="quote \\" backslash \\\\ newline \\n, comma"} 1.5e-3 1700000000000',
    "outpost_process_cpu_seconds_total 0.25",
    "not a sample line",
    "",
  ].join("\n");
  assert.deepEqual(parsePrometheus(text), [
    { name: "outpost_queue_depth", labels: { model: "@cf/karpathy/tinyllamas-stories-260k" }, value: 2 },
    { name: "outpost_time_to_first_token_seconds_bucket", labels: { le: "+Inf", model: "m" }, value: 7 },
    { name: "odd", labels: { label: 'quote " backslash \\ newline \n, comma' }, value: 0.0015 },
    { name: "outpost_process_cpu_seconds_total", labels: {}, value: 0.25 },
  ]);
});
