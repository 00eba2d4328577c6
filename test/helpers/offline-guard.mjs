// Preloaded into wrangler through NODE_OPTIONS=--import: refuses every TCP connection that would
// leave loopback and appends its target to $OUTPOST_OFFLINE_LOG, so a test can assert that
// wrangler dev sent nothing to the network (no login, no metrics, no update check). Plain JS:
// it runs inside wrangler's node, which has no TypeScript loader.
import { appendFileSync } from "node:fs";
import net from "node:net";
import process from "node:process";

const LOOPBACK = /^(localhost|127(\.\d+){3}|::1|\[::1\]|::ffff:127(\.\d+){3})$/;
const connect = net.Socket.prototype.connect;

net.Socket.prototype.connect = function (...args) {
  // net.connect() passes its normalized [options, callback] array; callers may pass (port, host).
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === "object" && first !== null ? first : { port: first, host: typeof args[1] === "string" ? args[1] : "localhost" };
  const host = options.host ?? "localhost";
  if (options.path === undefined && !LOOPBACK.test(host)) {
    appendFileSync(process.env.OUTPOST_OFFLINE_LOG, `${host}:${options.port}\n`);
    process.nextTick(() => this.destroy(new Error(`offline guard: refused ${host}:${options.port}`)));
    return this;
  }
  return connect.apply(this, args);
};
