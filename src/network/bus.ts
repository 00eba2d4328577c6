import { connect, type NatsConnection } from "nats";

/**
 * One NATS connection per node, with settings that make failover fast: nats.js 2.x defaults
 * give up after 10 reconnects, ping every 2 minutes and wait 20 s on a connect to a hung
 * server (see shared/reference/nats.md, pitfall 7).
 */
export async function connectBus(servers: string[], name: string): Promise<NatsConnection> {
  return connect({
    servers,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    timeout: 2_000,
    pingInterval: 2_000,
    maxPingOut: 2,
  });
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encode(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decode<T>(data: Uint8Array): T {
  return JSON.parse(decoder.decode(data)) as T;
}

export function splitServers(urls: string): string[] {
  return urls
    .split(",")
    .map((u) => u.trim())
    .filter(Boolean);
}
