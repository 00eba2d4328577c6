import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/** Resolves a host name to its addresses (DNS); injected so tests can say where a name points. */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export const resolveHost: ResolveHost = async (hostname) => (await lookup(hostname, { all: true })).map((a) => a.address);

/**
 * Addresses a pull from the public internet must not be redirected to: loopback, the private
 * ranges, link-local (where cloud metadata services answer), carrier-grade NAT, unspecified,
 * unique-local IPv6. IPv4-mapped IPv6 addresses are checked against the IPv4 rules.
 */
const LOCAL_RANGES = new BlockList();
for (const [network, prefix] of [["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.168.0.0", 16]] as const) {
  LOCAL_RANGES.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10]] as const) LOCAL_RANGES.addSubnet(network, prefix, "ipv6");

export function isLocalAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && LOCAL_RANGES.check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * Whether a URL points at this machine or its private network: `localhost`, a local address
 * literal, or a name any of whose addresses is local. A name that does not resolve is not
 * local (the request to it fails anyway).
 */
export async function isLocalHost(url: URL, resolve: ResolveHost): Promise<boolean> {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const addresses = await resolve(host).catch(() => []);
  return addresses.some(isLocalAddress);
}
