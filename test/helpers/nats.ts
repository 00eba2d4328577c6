import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The Debian package's binary; OUTPOST_NATS_SERVER may point at another build. */
export const NATS_SERVER = process.env.OUTPOST_NATS_SERVER || "nats-server";

export interface NatsServer {
  name: string;
  cluster: string;
  url: string;
  process: ChildProcess;
  /** The tail of the server's stderr log. */
  readonly log: string;
  /** Sends a signal (SIGKILL, SIGSTOP, SIGCONT) to this server. */
  signal(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
}

export interface NatsTopology {
  servers: NatsServer[];
  /** Client URLs of one cluster (every server), comma-separated as --nats takes them. */
  urls(cluster: string): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

interface Ports {
  client: number;
  route: number;
  gateway: number;
  http: number;
}

/** Distinct free ports; the set keeps one layout from being handed the same port twice. */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/**
 * Starts real nats-server processes on loopback: one cluster per entry of `clusters` (name →
 * server count), every server with JetStream, clusters joined by gateways when there are
 * several. Resolves once routes, gateways and the JetStream meta leader are up.
 *
 * A port found free may be taken by another process (a parallel suite's connection) before
 * nats-server binds it; that server then exits at once. Such a start is retried on fresh ports,
 * up to three times, and a final failure carries each server's log.
 */
export async function startNats(clusters: Record<string, number>): Promise<NatsTopology> {
  let failure: unknown;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    try {
      return await startTopology(clusters);
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}

async function startTopology(clusters: Record<string, number>): Promise<NatsTopology> {
  const dir = mkdtempSync(join(tmpdir(), "outpost-nats-"));
  const count = Object.values(clusters).reduce((sum, n) => sum + n, 0);
  const ports = await freePorts(count * 4);
  const layout: { name: string; cluster: string; ports: Ports }[] = [];
  for (const [cluster, size] of Object.entries(clusters)) {
    for (let i = 1; i <= size; i += 1) {
      const [client, route, gateway, http] = ports.splice(0, 4) as [number, number, number, number];
      layout.push({ name: `${cluster}${i}`, cluster, ports: { client, route, gateway, http } });
    }
  }
  const multi = Object.keys(clusters).length > 1;
  const servers: NatsServer[] = [];
  for (const server of layout) {
    const peers = layout.filter((s) => s.cluster === server.cluster);
    const gateways = Object.keys(clusters).map(
      (cluster) => `{ name: ${cluster}, urls: [${layout.filter((s) => s.cluster === cluster).map((s) => `"nats://127.0.0.1:${s.ports.gateway}"`).join(", ")}] }`,
    );
    const conf = [
      `server_name: ${server.name}`,
      `listen: 127.0.0.1:${server.ports.client}`,
      `http: 127.0.0.1:${server.ports.http}`,
      `ping_interval: "1s"`,
      `ping_max: 2`,
      `jetstream { store_dir: "${join(dir, server.name)}", max_mem: 64MB, max_file: 1GB }`,
      peers.length > 1 || multi
        ? `cluster { name: ${server.cluster}, listen: 127.0.0.1:${server.ports.route}, routes: [${peers.map((p) => `"nats://127.0.0.1:${p.ports.route}"`).join(", ")}] }`
        : "",
      multi ? `gateway { name: ${server.cluster}, listen: 127.0.0.1:${server.ports.gateway}, gateways: [${gateways.join(", ")}] }` : "",
    ].join("\n");
    const confPath = join(dir, `${server.name}.conf`);
    writeFileSync(confPath, conf);
    const child = spawn(NATS_SERVER, ["-c", confPath], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (log = (log + chunk).slice(-20_000)));
    child.once("error", (error) => (log += String(error)));
    servers.push({
      name: server.name,
      cluster: server.cluster,
      url: `nats://127.0.0.1:${server.ports.client}`,
      process: child,
      get log() {
        return log;
      },
      signal: (signal) => void child.kill(signal),
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGCONT");
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
        await exited;
        clearTimeout(timer);
      },
    });
  }
  const topology: NatsTopology = {
    servers,
    urls: (cluster) => servers.filter((s) => s.cluster === cluster).map((s) => s.url).join(","),
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitReady(layout, Object.keys(clusters).length, servers);
  } catch (error) {
    const detail = servers.map((s) => `--- ${s.name} (exit ${s.process.exitCode ?? s.process.signalCode ?? "none"})\n${s.log.slice(-2_000)}`).join("\n");
    await topology.stop();
    throw new Error(`${(error as Error).message}\n${detail}`, { cause: error });
  }
  return topology;
}

async function monitor(port: number, path: string): Promise<Record<string, unknown> | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return response.ok ? ((await response.json()) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function waitReady(layout: { cluster: string; ports: Ports }[], clusterCount: number, servers: NatsServer[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const exited = servers.find((s) => s.process.exitCode !== null || s.process.signalCode !== null);
    if (exited) throw new Error(`nats-server ${exited.name} exited during start`);
    const ready = await Promise.all(
      layout.map(async (server) => {
        const peers = layout.filter((s) => s.cluster === server.cluster).length;
        const routez = await monitor(server.ports.http, "/routez");
        if ((routez?.num_routes as number | undefined) === undefined || (routez?.num_routes as number) < peers - 1) return false;
        if (clusterCount > 1) {
          const gatewayz = await monitor(server.ports.http, "/gatewayz");
          if (Object.keys((gatewayz?.outbound_gateways as object | undefined) ?? {}).length < clusterCount - 1) return false;
        }
        const jsz = await monitor(server.ports.http, "/jsz");
        const meta = jsz?.meta_cluster as { leader?: string } | undefined;
        return layout.length === 1 || Boolean(meta?.leader);
      }),
    );
    if (ready.every(Boolean)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error("nats-server cluster did not become ready within 30 s");
}
