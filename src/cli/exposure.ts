import { isIP } from "node:net";

/** Whether only this machine can reach an address: 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, "");
  if (name === "localhost" || name === "::1") return true;
  return isIP(name) === 4 && name.startsWith("127.");
}

/**
 * Why `serve` must not start, or undefined: a non-loopback address with no token would hand
 * the whole API (run, pull, delete) to anyone who reaches the port.
 */
export function exposureRefusal(host: string, hasTokens: boolean, insecureNoAuth: boolean): string | undefined {
  if (isLoopback(host) || hasTokens || insecureNoAuth) return undefined;
  return [
    `refusing to listen on ${host} with no API token: anyone who reaches the port could run models, pull and delete them.`,
    `Create a token first:   outpost tokens create --account <id> --scope admin`,
    `or, on a network you trust completely, pass --insecure-no-auth (OUTPOST_INSECURE_NO_AUTH=true).`,
  ].join("\n");
}
