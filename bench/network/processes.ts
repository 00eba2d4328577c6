import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SETTINGS } from "../../src/config/index.js";
import { FakeEngine, type FakeJob } from "../../src/engines/fake/index.js";
import { connectBus } from "../../src/network/index.js";
import { startNats } from "../../test/helpers/nats.js";
import { postJson, REPO_ROOT, STORIES } from "../../test/helpers/server.js";
import { LIS, MAD, PAR, startNode, view, waitFor, waitForMembers, type TestNode } from "../../test/network/harness.js";

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

async function timed(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ ms: number; city: string | null; status: number }> {
  const started = performance.now();
  const response = await postJson(url, body, headers);
  await response.arrayBuffer();
  return { ms: performance.now() - started, city: response.headers.get("x-outpost-city"), status: response.status };
}

/** CPU time of a process, with its descendants (a node's runners) unless `own`, ns: the sum of every thread's schedstat. */
function cpuNs(pid: number, own = false): number {
  let total = 0;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const task of tasks) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
      if (own) continue;
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter(Boolean)) total += cpuNs(Number(child));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}

/** A NATS echo responder in a process of its own, so the bare round trip wakes as many processes as a routed hop does. */
function startEcho(url: string): Promise<ChildProcess> {
  const script = `import { connect } from "nats"; const nc = await connect({ servers: ${JSON.stringify(url)} }); nc.subscribe("bench.echo", { callback: (_e, m) => m.respond(m.data) }); await nc.flush(); console.log("ready");`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout.once("data", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`echo process exited with ${code}`)));
  });
}

type Kind = "local" | "routed" | "bare";
const KINDS: Kind[] = ["local", "routed", "bare"];
const ORDERS: Kind[][] = [
  ["local", "routed", "bare"],
  ["routed", "bare", "local"],
  ["bare", "local", "routed"],
  ["bare", "routed", "local"],
  ["routed", "local", "bare"],
  ["local", "bare", "routed"],
];
type Proc = "client" | "par" | "lis" | "nats" | "echo";

/** One network to measure: its own nats-server, lis (the model), par (none: routes to lis) and an echo process. */
async function openNetwork(name: string, root: string) {
  const nats = await startNats({ eu: 1 });
  const url = nats.urls("eu");
  const [lis, par, echo, asker] = await Promise.all([
    startNode(LIS, url, { flags: { slots: "2" }, root }),
    startNode(PAR, url, { models: false, root }),
    startEcho(url),
    connectBus([url], "bench-asker"),
  ]);
  await waitForMembers(par, ["lis-1"]);
  const body = { prompt: "Once", max_tokens: 1, seed: 1 };
  const ping = new TextEncoder().encode(JSON.stringify(body));
  const pids: Record<Proc, number> = { client: process.pid, par: par.process.pid!, lis: lis.process.pid!, nats: nats.servers[0]!.process.pid!, echo: echo.pid! };
  const once = async (kind: Kind): Promise<number> => {
    if (kind === "bare") {
      const started = performance.now();
      await asker.request("bench.echo", ping, { timeout: 5_000 });
      return performance.now() - started;
    }
    const answer = await timed(`${(kind === "local" ? lis : par).url}/ai/run/${STORIES}`, body);
    if (answer.status !== 200 || answer.city !== "lis") throw new Error(`${name}: unexpected answer ${answer.status} from ${answer.city}`);
    return answer.ms;
  };
  const cpuNow = () => Object.fromEntries(Object.entries(pids).map(([p, pid]) => [p, cpuNs(pid, p === "client")])) as Record<Proc, number>;
  return {
    name,
    url,
    once,
    /** `count` requests of one kind, one after another: each process's CPU per request (µs). */
    async cpuBlock(kind: Kind, count: number): Promise<Record<Proc, number>> {
      const before = cpuNow();
      for (let i = 0; i < count; i += 1) await once(kind);
      const after = cpuNow();
      return Object.fromEntries(Object.entries(after).map(([p, ns]) => [p, (ns - before[p as Proc]) / 1000 / count])) as Record<Proc, number>;
    },
    async close() {
      echo.kill();
      await asker.close();
      await Promise.all([lis.stop(), par.stop()]);
      await nats.stop();
    },
  };
}

/** Messages crossing NATS per routed request, by kind, seen by a connection subscribed to everything. */
async function messagesPerRequest(network: Awaited<ReturnType<typeof openNetwork>>, count: number) {
  const tap = await connectBus([network.url], "bench-tap");
  const counts = { run: 0, replies: 0, adverts: 0, other: 0 };
  tap.subscribe(">", {
    callback: (_err, msg) => {
      if (msg.subject.endsWith(".run")) counts.run += 1;
      else if (msg.subject.startsWith("outpost.adv.")) counts.adverts += 1;
      else if (/^_INBOX\.[A-Z0-9]+\.\d+$/.test(msg.subject)) counts.replies += 1;
      else counts.other += 1;
    },
  });
  await tap.flush();
  await network.cpuBlock("routed", count);
  await tap.flush();
  await tap.close();
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, round(v / count)]));
}

const spread = (values: number[]) => ({ median: round(percentile(values, 50)), min: round(Math.min(...values)), max: round(Math.max(...values)) });

type NetworkModule = typeof import("../../src/network/index.js");

/**
 * The transport alone, in the bench process: RemoteCaller to RemoteResponder through a real
 * nats-server, the fake engine answering one token, against a bare request/reply of the same
 * connections. No HTTP, scheduler or runner, and no other process to wake: what the caller,
 * the codec and the responder cost per call, wall and CPU. With `base`, that checkout's
 * src/network is measured too, call by call in turn.
 */
async function transportCost(samples: number, base?: string) {
  const nats = await startNats({ t: 1 });
  const modules: [string, NetworkModule][] = [["this", await import("../../src/network/index.js")]];
  if (base) modules.unshift(["base", (await import(join(base, "src/network/index.ts"))) as NetworkModule]);
  const model = { id: "@bench/fake", task: "text-generation", engine: "fake", chatTemplate: "bare", contextTokens: 64, maxTokensDefault: 1, maxTokensStreamDefault: 1 } as const;
  const loaded = await new FakeEngine().load({ model, path: fileURLToPath(import.meta.url), slots: 1, threads: 1 });
  const job = { kind: "tokens", count: 1 } satisfies FakeJob;
  const closers: (() => Promise<void>)[] = [];
  try {
    const sides = await Promise.all(
      modules.map(async ([name, net]) => {
        const [serving, calling] = await Promise.all([net.connectBus([nats.urls("t")], `bench-serving-${name}`), net.connectBus([nats.urls("t")], `bench-calling-${name}`)]);
        const responder = new net.RemoteResponder(serving, `bench-${name}`, async (_model, j, options) => loaded.run(j, options.signal ?? new AbortController().signal));
        responder.start();
        serving.subscribe(`bench.echo.${name}`, { callback: (_err, msg) => msg.respond(msg.data) });
        await serving.flush();
        const caller = new net.RemoteCaller(calling, { acceptTimeoutMs: 5_000 });
        closers.push(async () => {
          caller.close();
          responder.close();
          await Promise.all([serving.close(), calling.close()]);
        });
        const ping = new TextEncoder().encode(JSON.stringify({ model: model.id, job }));
        const run = {
          call: async () => {
            const result = await caller.call({ node: `bench-${name}`, city: "t" }, model.id, job, {});
            if (result.kind !== "events") throw new Error(`expected events, got ${result.kind}`);
            for await (const _event of result.events);
          },
          bare: async () => void (await calling.request(`bench.echo.${name}`, ping, { timeout: 5_000 })),
        };
        return { name, run, ms: { call: [] as number[], bare: [] as number[] }, cpuUs: { call: 0, bare: 0 } };
      }),
    );
    for (let i = 0; i < samples + 200; i += 1) {
      for (const side of i % 2 === 0 ? sides : [...sides].reverse()) {
        for (const kind of i % 4 < 2 ? (["call", "bare"] as const) : (["bare", "call"] as const)) {
          const cpu = process.cpuUsage();
          const started = performance.now();
          await side.run[kind]();
          const ms = performance.now() - started;
          const used = process.cpuUsage(cpu);
          if (i < 200) continue;
          side.ms[kind].push(ms);
          side.cpuUs[kind] += (used.user + used.system) / samples;
        }
      }
    }
    return Object.fromEntries(
      sides.map((side) => [
        side.name,
        {
          callMs: round(percentile(side.ms.call, 50)),
          bareMs: round(percentile(side.ms.bare, 50)),
          overBareMs: round(percentile(side.ms.call, 50) - percentile(side.ms.bare, 50)),
          cpuUsPerCall: Math.round(side.cpuUs.call),
          cpuUsPerBare: Math.round(side.cpuUs.bare),
        },
      ]),
    );
  } finally {
    for (const close of closers) await close();
    await nats.stop();
  }
}

/**
 * Added latency of one routed hop on loopback: a one-token request sent to lis (served there)
 * and to par (no models: routed over NATS to lis), and beside them a bare NATS request/reply
 * between the bench and an echo process: the floor a routed hop cannot go under, with as many
 * processes to wake. The three kinds alternate request by request (in turned order each time),
 * and the hop is taken per round of `perRound` of each (routed p50 minus local p50), so load
 * that drifts cancels; the spread is over rounds. Then blocks of each kind read every process's
 * CPU time (schedstat): where the hop's work is done, on the router (par), the serving node
 * (lis, its runner included) or nats-server. With `base`, a second network from another built
 * checkout is measured the same way, alternating with this one request by request.
 */
export async function routedLatency(options: { rounds: number; perRound: number; base?: string }) {
  const networks = [await openNetwork("this", REPO_ROOT)];
  if (options.base) networks.unshift(await openNetwork("base", options.base));
  const loadStart = loadavg()[0]!;
  try {
    for (const network of networks) for (const kind of KINDS) for (let i = 0; i < 20; i += 1) await network.once(kind);
    const empty = () => ({ local: [] as number[], routed: [] as number[], bare: [] as number[] });
    const p50 = new Map(networks.map((n) => [n.name, empty()]));
    for (let r = 0; r < options.rounds; r += 1) {
      const times = new Map(networks.map((n) => [n.name, empty()]));
      for (let i = 0; i < options.perRound; i += 1) {
        // Every order of the kinds in turn, and the networks swapped every other time: what a
        // request follows (an idle process, a warm cache) must not favour one kind or network.
        for (const [n, network] of (i % 2 === 0 ? networks : [...networks].reverse()).entries()) {
          for (const kind of ORDERS[(r * options.perRound + i + n) % ORDERS.length]!) times.get(network.name)![kind].push(await network.once(kind));
        }
      }
      for (const network of networks) for (const kind of KINDS) p50.get(network.name)![kind].push(percentile(times.get(network.name)![kind], 50));
    }
    const cpu = new Map(networks.map((n) => [n.name, { local: [] as Record<Proc, number>[], routed: [] as Record<Proc, number>[], bare: [] as Record<Proc, number>[] }]));
    for (let r = 0; r < 4; r += 1) for (const network of networks) for (const kind of KINDS) cpu.get(network.name)![kind].push(await network.cpuBlock(kind, 50));
    const results: Record<string, unknown> = {};
    for (const network of networks) {
      const { local, routed, bare } = p50.get(network.name)!;
      const added = routed.map((ms, i) => ms - local[i]!);
      const blocks = cpu.get(network.name)!;
      const cpuOf = (kind: Kind) => Object.fromEntries((Object.keys(blocks[kind][0]!) as Proc[]).map((p) => [p, Math.round(percentile(blocks[kind].map((c) => c[p]), 50))]));
      const nodes = (c: Record<Proc, number>) => c.par + c.lis + c.nats;
      results[network.name] = {
        localMs: spread(local),
        routedMs: spread(routed),
        bareNatsMs: spread(bare),
        /** Per round: routed p50 minus local p50. */
        addedMs: spread(added),
        /** Per round: the hop beyond a bare request/reply: Outpost's own work on both nodes. */
        addedOverBareMs: spread(added.map((ms, i) => ms - bare[i]!)),
        /** CPU µs per request, median of the blocks; lis includes its runner. */
        cpuUsPerRequest: { local: cpuOf("local"), routed: cpuOf("routed"), bare: cpuOf("bare") },
        /** Per block pair: the CPU par, lis and nats-server spend on a routed request beyond a local one. */
        hopCpuUs: spread(blocks.routed.map((c, i) => nodes(c) - nodes(blocks.local[i]!))),
        messagesPerRequest: await messagesPerRequest(network, 100),
      };
    }
    return {
      model: STORIES,
      rounds: options.rounds,
      perRound: options.perRound,
      ...results,
      /** The caller, codec and responder alone (transportCost), p50 of this many calls. */
      transport: await transportCost(2_000, options.base),
      loadavg1: { start: round(loadStart), end: round(loadavg()[0]!) },
    };
  } finally {
    await Promise.all(networks.map((n) => n.close()));
  }
}

/**
 * Failover before the first token: par routes to mad (nearest); mad is killed (SIGKILL) or
 * frozen (SIGSTOP) and a request is sent at once. Time from the signal to the answer served by
 * lis, against the same request's time when nothing fails.
 */
export async function failover(rounds: number) {
  const nats = await startNats({ eu: 1 });
  const eu = nats.urls("eu");
  const startMad = () => startNode(MAD, eu);
  let mad: TestNode = await startMad();
  // par routes with the accept deadline users get, which is what a frozen mad costs.
  const acceptTimeoutMs = String(SETTINGS.acceptTimeoutMs.default());
  const [lis, par] = await Promise.all([startNode(LIS, eu), startNode(PAR, eu, { models: false, flags: { "accept-timeout-ms": acceptTimeoutMs } })]);
  const body = { prompt: "Once", max_tokens: 1, seed: 1 };
  const url = `${par.url}/ai/run/${STORIES}`;
  /** Loads the model on mad (a loaded node beats one that could load it), then waits for par to prefer it. */
  const toMad = async () => {
    await waitFor("mad to serve", async () => (await timed(url, body, { "x-outpost-residency": "city:mad" })).status === 200, 20_000);
    await waitFor("par to route to mad", async () => (await timed(url, body)).city === "mad", 20_000);
  };
  try {
    await waitForMembers(par, ["lis-1", "mad-1"]);
    await timed(url, body, { "x-outpost-residency": "city:lis" });
    await toMad();
    const baseline: number[] = [];
    for (let i = 0; i < 20; i += 1) baseline.push((await timed(url, body)).ms);
    const results: Record<"SIGKILL" | "SIGSTOP", number[]> = { SIGKILL: [], SIGSTOP: [] };
    for (const signal of ["SIGKILL", "SIGSTOP"] as const) {
      for (let i = 0; i < rounds; i += 1) {
        // par counts its own last request on mad until mad's next advert: let one arrive, so par
        // believes mad free and really tries it.
        await new Promise((resolve) => setTimeout(resolve, 1_200));
        const started = performance.now();
        mad.process.kill(signal);
        const answer = await timed(url, body);
        if (answer.status !== 200 || answer.city !== "lis") throw new Error(`failover answer ${answer.status} from ${answer.city}`);
        results[signal].push(performance.now() - started);
        if (signal === "SIGKILL") {
          await mad.stop();
          mad = await startMad();
        } else {
          mad.process.kill("SIGCONT");
        }
        await waitFor("mad back", async () => (await view(par)).nodes.some((n) => n.node === "mad-1" && n.health === "ok"), 20_000);
        await toMad();
      }
    }
    const summary = (values: number[]) => ({ rounds: values.length, medianMs: round(percentile(values, 50)), maxMs: round(Math.max(...values)) });
    return { baselineMs: round(percentile(baseline, 50)), sigkill: summary(results.SIGKILL), sigstop: summary(results.SIGSTOP) };
  } finally {
    mad.process.kill("SIGCONT");
    await Promise.all([lis.stop(), mad.stop(), par.stop()]);
    await nats.stop();
  }
}
