/**
 * A plugin's thread (worker_threads): imports the plugin module and runs its hooks on request.
 * Nothing here protects against the plugin; the main thread's PluginWorker does, from outside.
 */
import { parentPort, workerData } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import type { FromWorker, TokenBatchResult, ToWorker } from "./protocol.js";
import { HOOK_NAMES, type HookName, type TokenContext } from "./types.js";

const port = parentPort;
if (!port) throw new Error("hooks/worker.ts runs only as a worker thread");
const send = (message: FromWorker) => port.postMessage(message);
const { path } = workerData as { path: string };

type HookFn = (ctx: unknown, arg?: unknown) => unknown;
const hooks = new Map<HookName, HookFn>();
/** onToken scratch objects by request id, until the stream is released. */
const states = new Map<string, Record<string, unknown>>();

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function load(): Promise<void> {
  const module = (await import(pathToFileURL(path).href)) as Record<string, unknown> & { default?: Record<string, unknown> };
  const source = module.default !== null && typeof module.default === "object" ? module.default : module;
  for (const name of HOOK_NAMES) {
    const fn = source[name];
    if (typeof fn === "function") hooks.set(name, fn.bind(source) as HookFn);
  }
}

/** Runs onToken over a batch in order; the first `{stop: true}` ends it. */
async function tokens(onToken: HookFn, ctx: TokenContext & { requestId: string }, batch: string[]): Promise<TokenBatchResult> {
  const texts: string[] = [];
  for (const [index, token] of batch.entries()) {
    const decision = await onToken(ctx, token);
    if (decision === undefined || decision === null) texts.push(token);
    else if (typeof decision === "string") texts.push(decision);
    else if (typeof decision === "object" && (decision as { stop?: unknown }).stop === true) return { texts, stopAt: index };
    else throw new Error(`onToken returned ${JSON.stringify(decision)}: expected undefined, a string or {stop: true}`);
  }
  return { texts };
}

async function call(hook: HookName, ctx: Record<string, unknown>, arg: unknown): Promise<unknown> {
  await loaded;
  const fn = hooks.get(hook);
  if (!fn) return undefined;
  if (hook !== "onToken") return await fn(ctx, arg);
  const requestId = String(ctx.requestId);
  let state = states.get(requestId);
  if (!state) states.set(requestId, (state = {}));
  return tokens(fn, { ...(ctx as unknown as TokenContext), state }, arg as string[]);
}

async function notify(calls: { hook: HookName; arg: unknown }[], ctx: Record<string, unknown>): Promise<void> {
  for (const { hook, arg } of calls) {
    try {
      await call(hook, ctx, arg);
    } catch (error) {
      send({ t: "notify-failed", hook, message: describe(error) });
    }
  }
}

port.on("message", (message: ToWorker) => {
  if (message.t === "ping") return send({ t: "pong", id: message.id });
  for (const requestId of message.t === "release" ? message.requestIds : (message.released ?? [])) states.delete(requestId);
  if (message.t === "release") return;
  if (message.t === "notify") return void notify(message.calls, message.ctx as Record<string, unknown>);
  call(message.hook, message.ctx as Record<string, unknown>, message.arg).then(
    (value) => {
      try {
        send({ t: "result", id: message.id, value });
      } catch (error) {
        // An answer that cannot be cloned (a function, a class instance with private state).
        send({ t: "failed", id: message.id, message: `its answer cannot be copied: ${describe(error)}` });
      }
    },
    (error: unknown) => send({ t: "failed", id: message.id, message: describe(error) }),
  );
});

// Calls may arrive while the module loads (a restarted thread): they wait for it.
const loaded = load();
loaded.then(
  () => send({ t: "ready", hooks: [...hooks.keys()] }),
  (error: unknown) => send({ t: "load-failed", message: describe(error) }),
);
