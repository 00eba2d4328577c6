import { useEffect, useState } from "preact/hooks";
import { gatewayList, gatewayLogs, type GatewayInfo, type GatewayLogEntry, type GatewayLogFilter } from "../api.js";
import { formatClock, formatMs, formatNumber } from "../format.js";

const PER_PAGE = 20;

/** A three-way filter: all, or the entries where the flag is true or false. */
type Choice = "all" | "yes" | "no";
const flagOf = (choice: Choice) => (choice === "all" ? undefined : choice === "yes");

function Segmented({ label, value, options, onChange }: { label: string; value: Choice; options: Record<Choice, string>; onChange: (value: Choice) => void }) {
  return (
    <div role="group" aria-label={label} class="segmented">
      {(Object.keys(options) as Choice[]).map((choice) => (
        <button key={choice} type="button" aria-pressed={value === choice} onClick={() => onChange(choice)}>
          {options[choice]}
        </button>
      ))}
    </div>
  );
}

function LogTable({ gateway, entries }: { gateway: string; entries: GatewayLogEntry[] }) {
  return (
    <div class="scroll">
      <table class="gateway-logs reflow">
        <caption>Requests through {gateway}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Model</th>
            <th scope="col">Status</th>
            <th scope="col">Cache</th>
            <th scope="col">Latency</th>
            <th scope="col">Tokens in / out</th>
            <th scope="col">Neurons</th>
            <th scope="col">Account</th>
            <th scope="col">Metadata</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} data-log-id={e.id} data-status={e.status} data-cache={e.cacheStatus}>
              <td data-label="Time">{formatClock(e.at)}</td>
              <td data-label="Model" class="mono">
                {e.model}
                {e.servedModel !== e.model && <span class="served"> → served by {e.servedModel}</span>}
              </td>
              <td data-label="Status">
                <span class={`status s${String(e.status)[0]}`}>{e.status}</span>
                {e.error && <span class="row-error">{e.error}</span>}
              </td>
              <td data-label="Cache">{e.cacheStatus === "HIT" ? "hit" : "miss"}</td>
              <td data-label="Latency">{formatMs(e.latencyMs)}</td>
              <td data-label="Tokens in / out">
                {e.inputTokens} / {e.outputTokens}
              </td>
              <td data-label="Neurons">{formatNumber(e.neurons)}</td>
              <td data-label="Account" class="mono">
                {e.account}
              </td>
              <td data-label="Metadata" class="mono">
                {[...Object.entries(e.metadata).map(([key, value]) => `${key}=${String(value)}`), ...(e.feedback === undefined ? [] : [`feedback ${e.feedback > 0 ? "+1" : "−1"}`]), ...(e.score === undefined ? [] : [`score ${e.score}`])].join(" · ") || "–"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The AI Gateway's request log: every request a gateway served, newest first, filtered by model,
 * outcome and cache status and paged, from GET /api/gateways/{id}/logs.
 */
export function GatewaysPage({ hidden }: { hidden: boolean }) {
  const [gateways, setGateways] = useState<GatewayInfo[] | null>();
  const [gateway, setGateway] = useState<string>();
  const [model, setModel] = useState("");
  const [success, setSuccess] = useState<Choice>("all");
  const [cached, setCached] = useState<Choice>("all");
  const [page, setPage] = useState(1);
  const [log, setLog] = useState<{ entries: GatewayLogEntry[]; total: number }>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    // The list is read on each showing, so a gateway made meanwhile appears.
    if (hidden) return;
    gatewayList().then(
      (list) => {
        setGateways(list ?? null);
        // The first one that is not the built-in default: the one an operator made to look at.
        setGateway((id) => id ?? (list?.find((g) => g.source !== "built-in") ?? list?.[0])?.id);
      },
      (e: Error) => setError(`Could not load the gateways: ${e.message}`),
    );
  }, [hidden]);

  useEffect(() => {
    if (hidden || gateway === undefined) return;
    let live = true;
    const filter: GatewayLogFilter = { model: model.trim() || undefined, success: flagOf(success), cached: flagOf(cached), page, perPage: PER_PAGE };
    setLog(undefined);
    gatewayLogs(gateway, filter).then(
      (found) => {
        if (!live) return;
        setLog(found);
        setError(undefined);
      },
      (e: Error) => {
        if (live) setError(`Could not load the log of ${gateway}: ${e.message}`);
      },
    );
    return () => {
      live = false;
    };
  }, [hidden, gateway, model, success, cached, page]);

  // Any new filter starts again at the first page.
  const filtered = <T,>(set: (value: T) => void) => (value: T) => {
    set(value);
    setPage(1);
  };
  const pages = Math.max(1, Math.ceil((log?.total ?? 0) / PER_PAGE));
  const state = error ? "error" : gateways === null ? "none" : log === undefined ? "loading" : log.entries.length === 0 ? "empty" : "ready";

  return (
    <section class="page gateways" hidden={hidden} aria-labelledby="gateways-title" aria-busy={state === "loading"} data-state={state} data-page={page} data-total={log?.total}>
      <h1 id="gateways-title">Gateways</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {gateways === null && <p class="empty">This server has no AI Gateway.</p>}
      {gateways && gateway !== undefined && (
        <div class="actions">
          <div class="field">
            <label for="gateway-id">Gateway</label>
            <select id="gateway-id" value={gateway} onChange={(e) => filtered(setGateway)((e.target as HTMLSelectElement).value)}>
              {gateways.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.id}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="gateway-model">Model</label>
            <input id="gateway-model" type="search" value={model} placeholder="any" onInput={(e) => filtered(setModel)((e.target as HTMLInputElement).value)} />
          </div>
          <Segmented label="Outcome" value={success} options={{ all: "All", yes: "Succeeded", no: "Failed" }} onChange={filtered(setSuccess)} />
          <Segmented label="Cache" value={cached} options={{ all: "All", yes: "Hits", no: "Misses" }} onChange={filtered(setCached)} />
        </div>
      )}
      {state === "loading" && <p class="hint">Loading…</p>}
      {state === "empty" && <p class="empty">No requests match. Requests that name this gateway (its URL, or the binding's gateway option) show up here.</p>}
      {state === "ready" && log && gateway !== undefined && (
        <>
          <LogTable gateway={gateway} entries={log.entries} />
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>
              Newer
            </button>
            <span>
              Page {page} of {pages} · {log.total} {log.total === 1 ? "request" : "requests"}
            </span>
            <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>
              Older
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
