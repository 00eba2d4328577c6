import { useEffect, useState } from "preact/hooks";
import { inNetwork, metricsText, networkView, recentRequests, type NetworkView, type RequestRecord } from "../api.js";
import { formatBytes, formatClock, formatMs } from "../format.js";
import { PALETTE } from "../palette.js";
import { Chart } from "./chart.js";
import { nodeLoad } from "./network.js";
import { parsePrometheus } from "./prometheus.js";
import { appendSnapshot, seriesOf, snapshotOf, type Snapshot } from "./series.js";

const POLL_MS = 2_000;
const WINDOW_MS = 5 * 60_000;

function RequestsTable({ requests }: { requests: RequestRecord[] }) {
  return (
    <div class="scroll">
      <table class="requests reflow">
        <caption>Latest requests</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Model</th>
            <th scope="col">Status</th>
            <th scope="col">Latency</th>
            <th scope="col">TTFT</th>
            <th scope="col">Tokens</th>
            <th scope="col">Served in</th>
          </tr>
        </thead>
        <tbody>
          {requests.map((r, i) => (
            <tr key={`${r.at}-${i}`} data-status={r.status}>
              <td data-label="Time">{formatClock(r.at)}</td>
              <td data-label="Model" class="mono">
                {r.model}
              </td>
              <td data-label="Status">
                <span class={`status s${String(r.status)[0]}`}>{r.status}</span>
                {r.error && <span class="row-error">{r.error}</span>}
              </td>
              <td data-label="Latency">{formatMs(r.latencyMs)}</td>
              <td data-label="TTFT">{r.ttftMs === undefined ? "–" : formatMs(r.ttftMs)}</td>
              <td data-label="Tokens">{r.completionTokens ?? "–"}</td>
              <td data-label="Served in">{r.city ?? "this server"}</td>
            </tr>
          ))}
          {requests.length === 0 && (
            <tr>
              <td colSpan={7}>No requests yet.</td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

function NetworkTables({ view }: { view: NetworkView }) {
  return (
    <section aria-labelledby="network-title">
      <h2 id="network-title">Network</h2>
      <div class="scroll">
        <table>
          <caption>Cities (answered by node {view.node})</caption>
          <thead>
            <tr>
              <th scope="col">City</th>
              <th scope="col">Region</th>
              <th scope="col">Nodes</th>
              <th scope="col">Healthy</th>
            </tr>
          </thead>
          <tbody>
            {view.cities.map((c) => (
              <tr key={c.city}>
                <td>{c.city}</td>
                <td>{c.region}</td>
                <td>{c.nodes}</td>
                <td>{c.healthy}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="scroll">
        <table>
          <caption>Nodes and their load</caption>
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">City</th>
              <th scope="col">Health</th>
              <th scope="col">RTT</th>
              <th scope="col">Active / slots</th>
              <th scope="col">Queued</th>
            </tr>
          </thead>
          <tbody>
            {view.nodes.map((n) => {
              const load = nodeLoad(n);
              return (
                <tr key={n.node}>
                  <td>
                    {n.node}
                    {n.self ? " (this one)" : ""}
                  </td>
                  <td>{n.city}</td>
                  <td>{n.health}</td>
                  <td>{n.rttMs === undefined ? "–" : formatMs(n.rttMs)}</td>
                  <td>
                    {load.active} / {load.slots}
                  </td>
                  <td>{load.queued}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The server as it runs: per-model load and speed over the last minutes, the latest requests, the network. */
export function LivePage({ hidden }: { hidden: boolean }) {
  const [history, setHistory] = useState<Snapshot[]>([]);
  const [requests, setRequests] = useState<RequestRecord[]>();
  const [network, setNetwork] = useState<NetworkView>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    // Polls only while the page is shown: a hidden tab costs the server nothing.
    if (hidden) return;
    let live = true;
    // Asked once per showing: a server joins or leaves a network only by restarting.
    let network: Promise<boolean> | undefined;
    const poll = async () => {
      try {
        network ??= inNetwork();
        const [text, recent, view] = await Promise.all([metricsText(), recentRequests(), network.then((yes) => (yes ? networkView() : undefined))]);
        if (!live) return;
        setHistory((h) => appendSnapshot(h, snapshotOf(parsePrometheus(text), Date.now()), WINDOW_MS));
        setRequests(recent);
        setNetwork(view);
        setError(undefined);
      } catch (e) {
        network = undefined;
        if (live) setError(`Could not reach the server: ${(e as Error).message}`);
      }
    };
    void poll();
    const timer = setInterval(poll, POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [hidden]);

  const latest = history.at(-1);
  const models = [...new Set(history.flatMap((s) => Object.keys(s.models)))].sort();
  const colours = new Map(models.map((m, i) => [m, PALETTE[i % PALETTE.length]!]));
  const toMs = latest?.atMs ?? Date.now();
  const fromMs = toMs - WINDOW_MS;
  const chart = (title: string, unit: string, metric: Parameters<typeof seriesOf>[1]) => <Chart title={title} unit={unit} series={seriesOf(history, metric)} colours={colours} fromMs={fromMs} toMs={toMs} />;

  return (
    <section class="page live" hidden={hidden} aria-labelledby="live-title">
      <h1 id="live-title">Live</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="scroll">
        <table class="models-now reflow">
          <caption>Models now</caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Loaded</th>
              <th scope="col">Queue depth</th>
              <th scope="col">Active sequences</th>
              <th scope="col">Memory</th>
            </tr>
          </thead>
          <tbody>
            {models.map((m) => {
              const now = latest?.models[m];
              return (
                <tr key={m} data-model={m}>
                  <td data-label="Model" class="mono">
                    <span class="swatch" style={{ background: colours.get(m) }} aria-hidden="true" />
                    {m}
                  </td>
                  <td data-label="Loaded">{now?.loaded ? "yes" : "no"}</td>
                  <td data-label="Queue depth" class="queued">
                    {now?.queued ?? 0}
                  </td>
                  <td data-label="Active sequences" class="active">
                    {now?.active ?? 0}
                  </td>
                  <td data-label="Memory">{now?.memoryBytes ? formatBytes(now.memoryBytes) : "–"}</td>
                </tr>
              );
            })}
            {models.length === 0 && (
              <tr>
                <td colSpan={5}>No model has run yet.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div class="charts">
        {chart("Queue depth", "requests", "queued")}
        {chart("Active sequences", "sequences", "active")}
        {chart("Time to first token", "ms", "ttftMs")}
        {chart("Tokens per second", "tok/s", "tokensPerS")}
      </div>
      {requests && <RequestsTable requests={requests} />}
      {network && <NetworkTables view={network} />}
    </section>
  );
}
