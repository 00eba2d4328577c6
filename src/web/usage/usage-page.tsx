import { useEffect, useState } from "preact/hooks";
import { latencyByModel, usageBy, type LatencyRow, type UsageFilter, type UsageRow } from "../api.js";
import { formatMs, formatNumber } from "../format.js";
import { PALETTE } from "../palette.js";
import { BarChart } from "./bar-chart.js";
import { bucketsOf, errorShare, OTHER, RANGES, stackOf, type RangeId } from "./buckets.js";

/** Models drawn in their own colour; the rest are stacked as "other models". */
const TOP_MODELS = 4;

interface Traffic {
  keys: string[];
  models: UsageRow[];
  total: UsageRow[];
  tops: Map<string, UsageRow[]>;
  latency: LatencyRow[];
  accounts: string[];
}

/** Everything the page shows for a range and account: six requests at most, the per-model series after the models. */
async function loadTraffic(range: RangeId, account: string | undefined): Promise<Traffic | undefined> {
  const { keys, from } = bucketsOf(range, Date.now());
  const filter: UsageFilter = { from, account };
  const by = RANGES[range].by;
  const [models, total, latency, accounts] = await Promise.all([usageBy("model", filter), usageBy(by, filter), latencyByModel(filter), usageBy("account", { from })]);
  if (!models || !total) return undefined;
  const tops = new Map(await Promise.all(models.slice(0, TOP_MODELS).map(async (m) => [m.key, (await usageBy(by, { ...filter, model: m.key })) ?? []] as const)));
  return { keys, models, total, tops, latency: latency ?? [], accounts: (accounts ?? []).map((a) => a.key).sort() };
}

function TopModels({ models, colours }: { models: UsageRow[]; colours: ReadonlyMap<string, string> }) {
  const most = Math.max(...models.map((m) => m.neurons), 0);
  return (
    <section class="panel" aria-labelledby="usage-top-title">
      <h2 id="usage-top-title">Top models by neurons</h2>
      <ol class="bars">
        {models.slice(0, 10).map((m) => (
          <li key={m.key} data-model={m.key} data-requests={m.requests}>
            <span class="mono">{m.key}</span>
            <span class="bar" aria-hidden="true">
              <span style={{ width: `${most > 0 ? (100 * m.neurons) / most : 0}%`, background: colours.get(m.key) ?? colours.get(OTHER) }} />
            </span>
            <span class="figures">
              {formatNumber(m.neurons)} neurons · {m.requests} {m.requests === 1 ? "request" : "requests"}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

function ErrorShare({ models }: { models: UsageRow[] }) {
  const share = errorShare(models);
  return (
    <section class="panel error-share" aria-labelledby="usage-errors-title" data-errors={share.errors} data-requests={share.requests}>
      <h2 id="usage-errors-title">Error share</h2>
      <p class="big">{formatNumber(share.percent)} %</p>
      <svg viewBox="0 0 100 8" role="img" aria-label={`${share.errors} of ${share.requests} requests failed (not 2xx)`} preserveAspectRatio="none">
        <rect x={0} y={0} width={100} height={8} class="ok" />
        <rect x={0} y={0} width={share.percent} height={8} class="failed" />
      </svg>
      <p class="hint">
        {share.errors} of {share.requests} requests answered with a status other than 2xx.
      </p>
    </section>
  );
}

function Latency({ rows }: { rows: LatencyRow[] }) {
  return (
    <div class="scroll">
      <table class="latency reflow">
        <caption>Latency per model (from the request log)</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Requests</th>
            <th scope="col">p50</th>
            <th scope="col">p99</th>
            <th scope="col">Errors</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.model} data-model={r.model}>
              <td data-label="Model" class="mono">
                {r.model}
              </td>
              <td data-label="Requests">{r.requests}</td>
              <td data-label="p50">{formatMs(r.p50Ms)}</td>
              <td data-label="p99">{formatMs(r.p99Ms)}</td>
              <td data-label="Errors">{r.errors}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Traffic over time: neurons and requests per model, the top models, the error share and latency. */
export function UsagePage({ hidden }: { hidden: boolean }) {
  const [range, setRange] = useState<RangeId>("24h");
  const [account, setAccount] = useState<string>();
  const [traffic, setTraffic] = useState<Traffic | null>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    // Loaded on each showing, so the page is as new as the last visit to it.
    if (hidden) return;
    let live = true;
    setTraffic(undefined);
    loadTraffic(range, account).then(
      (t) => {
        if (!live) return;
        setTraffic(t ?? null);
        setError(undefined);
      },
      (e: Error) => {
        if (live) setError(`Could not load usage: ${e.message}`);
      },
    );
    return () => {
      live = false;
    };
  }, [hidden, range, account]);

  const colours = new Map([...(traffic?.tops.keys() ?? [])].map((m, i) => [m, PALETTE[i]!]));
  colours.set(OTHER, PALETTE.at(-1)!);
  const state = error ? "error" : traffic === undefined ? "loading" : traffic === null || traffic.models.length === 0 ? "empty" : "ready";
  const neurons = traffic ? stackOf(traffic.keys, traffic.total, traffic.tops, "neurons") : [];
  const requests = traffic ? stackOf(traffic.keys, traffic.total, traffic.tops, "requests") : [];
  const drawn = new Set([...neurons, ...requests].map((s) => s.name));

  return (
    <section class="page usage" hidden={hidden} aria-labelledby="usage-title" aria-busy={state === "loading"} data-state={state} data-range={range}>
      <h1 id="usage-title">Usage</h1>
      <div class="actions">
        <div role="group" aria-label="Range" class="segmented">
          {(Object.keys(RANGES) as RangeId[]).map((id) => (
            <button key={id} type="button" aria-pressed={range === id} onClick={() => setRange(id)} aria-label={`Last ${RANGES[id].label}`}>
              {RANGES[id].label}
            </button>
          ))}
        </div>
        {traffic && (traffic.accounts.length > 1 || account !== undefined) && (
          <div class="field">
            <label for="usage-account">Account</label>
            <select id="usage-account" value={account ?? ""} onChange={(e) => setAccount((e.target as HTMLSelectElement).value || undefined)}>
              <option value="">All accounts</option>
              {traffic.accounts.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {state === "loading" && <p class="hint">Loading…</p>}
      {traffic === null && <p class="empty">This server records no usage.</p>}
      {state === "empty" && <p class="empty">No traffic in {RANGES[range].title}. Requests to any model show up here.</p>}
      {state === "ready" && traffic && (
        <>
          <ul class="legend" aria-label="Colours">
            {[...colours].filter(([name]) => drawn.has(name)).map(([name, colour]) => (
              <li key={name}>
                <span class="swatch" style={{ background: colour }} aria-hidden="true" />
                <span class="mono">{name}</span>
              </li>
            ))}
          </ul>
          <div class="charts">
            <BarChart id="usage-neurons" title="Neurons" unit="neurons" keys={traffic.keys} series={neurons} colours={colours} />
            <BarChart id="usage-requests" title="Requests" unit="requests" keys={traffic.keys} series={requests} colours={colours} />
          </div>
          <div class="panels">
            <TopModels models={traffic.models} colours={colours} />
            <ErrorShare models={traffic.models} />
          </div>
          <Latency rows={traffic.latency} />
        </>
      )}
    </section>
  );
}
