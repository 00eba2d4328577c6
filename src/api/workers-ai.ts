import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { OutpostError, type ModelSearchParams } from "../contract/index.js";
import {
  BINDING_MODELS_URL,
  BINDING_RUN_URL,
  errorToBindingResponse,
  isGatewayCall,
  isTensorSession,
  resultToTensors,
  tensorBodyLimits,
  tensorsToInputs,
  toBindingResponse,
} from "../binding/index.js";
import { binaryInputFor, bodyLimitsFor, DEFAULT_BODY_LIMITS, getTask } from "../tasks/index.js";
import { admitRun } from "./admission.js";
import type { BodyReader } from "./body.js";
import type { ApiDeps } from "./deps.js";
import { failure, restResponse, success } from "./envelope.js";
import { answerGatewayCall } from "./gateway-binding.js";
import { runOptions, splitOptions } from "./run-options.js";
import { noteServedModel } from "./served-by.js";

/**
 * The model id from the path: ids keep their slashes, and clients may percent-encode them. It
 * follows `/run/`, or on an AI Gateway URL may follow `/workers-ai/` directly.
 */
function modelFromPath(c: Context): string {
  const marker = c.req.path.includes("/run/") ? "/run/" : "/workers-ai/";
  const raw = c.req.path.slice(c.req.path.indexOf(marker) + marker.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new OutpostError("MODEL_NOT_FOUND", `No such model ${raw} or task`);
  }
}

/** models/search query parameters, from the REST query or the binding's forwarded URL. */
function searchParams(q: Record<string, string | undefined>): ModelSearchParams {
  const int = (name: string) => {
    const value = q[name];
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new OutpostError("INPUT_INVALID", `Invalid query parameter '${name}': expected a positive integer`);
    return n;
  };
  return {
    search: q.search,
    task: q.task,
    author: q.author,
    source: int("source"),
    hide_experimental: q.hide_experimental === "true",
    page: int("page"),
    per_page: int("per_page"),
  };
}

/**
 * Workers AI REST: run (JSON in the envelope, streams and bytes raw), models/search and
 * models/schema; plus the binding proxy route that wrangler sends `env.AI` calls to.
 */
export function workersAiRoutes(deps: ApiDeps, body: BodyReader): Hono {
  const app = new Hono();

  /**
   * Decided from the path and headers before the body is read, so that refusing costs about
   * what /healthz costs: an unknown model (400), the account's rate limit or a full queue (429). Returns the model's task
   * and its body limits. The body is read inside a `then` so that no frame holds it once run()
   * has prepared its job.
   */
  const admit = (c: Context, model: string) => {
    const { task, id } = deps.backend.describe(model);
    noteServedModel(c, id);
    admitRun(c, deps, model, task);
    return { task, limits: bodyLimitsFor(task) };
  };

  const proxy = async (c: Context) => {
    const forwarded = c.req.header("x-forwarded") ?? BINDING_RUN_URL;
    if (isGatewayCall(forwarded)) {
      return answerGatewayCall(deps, {
        method: c.req.method,
        url: forwarded,
        header: (name) => c.req.header(name),
        body: () => body.read(c, DEFAULT_BODY_LIMITS),
        options: runOptions(c, undefined),
        origin: new URL(c.req.url).origin,
        admit: (model) => admit(c, model),
      });
    }
    if (forwarded.startsWith(BINDING_MODELS_URL)) {
      // workerd's models() reads a failure as an API envelope (errors[0].message), unlike run().
      try {
        const query = Object.fromEntries(new URL(forwarded).searchParams.entries());
        return c.json({ result: deps.backend.search(searchParams(query)) });
      } catch (error) {
        return failure(error);
      }
    }
    const requestId = randomUUID();
    try {
      const header = c.req.header("cf-consn-model-id");
      if (!header) throw new OutpostError("REQUEST_INCOMPLETE", "Request is missing headers or body: cf-consn-model-id");
      // workerd sends `prefix:model` when the caller sets options.prefix; the prefix names nothing here.
      const model = header.slice(header.lastIndexOf(":") + 1);
      const { task, limits } = admit(c, model);
      if (isTensorSession(forwarded)) {
        const result = await body.read(c, tensorBodyLimits(limits)).then((parsed) => deps.run(model, tensorsToInputs(task, parsed), runOptions(c, undefined)));
        return await resultToTensors(task, result);
      }
      const result = await body.read(c, limits, "/inputs").then((parsed) => {
        const { inputs, options } = typeof parsed === "object" && parsed !== null ? (parsed as { inputs?: unknown; options?: unknown }) : {};
        if (inputs === undefined) throw new OutpostError("REQUEST_INCOMPLETE", "Request is missing headers or body: inputs");
        return deps.run(model, inputs, runOptions(c, options));
      });
      return toBindingResponse(result, requestId);
    } catch (error) {
      return errorToBindingResponse(error, requestId);
    }
  };
  app.post("/run/proxy", proxy);
  app.get("/run/proxy", proxy);
  // The binding's gateway(id).patchLog.
  app.patch("/run/proxy", proxy);

  const runRoute = async (c: Context) => {
    try {
      const model = modelFromPath(c);
      const { task, limits } = admit(c, model);
      const result = await body.readInputs(c, limits, binaryInputFor(task)).then((parsed) => {
        const { inputs, options } = splitOptions(parsed);
        return deps.run(model, inputs, runOptions(c, options));
      });
      return restResponse(result);
    } catch (error) {
      return failure(error);
    }
  };
  app.post("/run/*", runRoute);
  // AI Gateway's documented form, /v1/{account}/{gateway}/workers-ai/@cf/…, without `run/`.
  app.post("/:model{@(?:cf|hf)/.+}", runRoute);

  app.get("/models/search", (c) => {
    try {
      return c.json(success(deps.backend.search(searchParams(c.req.query()))));
    } catch (error) {
      return failure(error);
    }
  });

  app.get("/models/schema", (c) => {
    try {
      const model = c.req.query("model");
      if (!model) throw new OutpostError("INPUT_INVALID", "Invalid query parameter 'model': required");
      const descriptor = deps.backend.describe(model);
      const task = getTask(descriptor.task);
      return c.json(success(task.schemasFor?.(descriptor) ?? { input: task.inputSchema, output: task.outputSchema }));
    } catch (error) {
      return failure(error);
    }
  });

  app.all("*", (c) => failure(new OutpostError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`)));
  return app;
}
