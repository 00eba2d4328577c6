import * as legacy from "@cloudflare/ai";

/**
 * The deprecated `@cloudflare/ai` SDK's `Ai` class (1.2.2), unmodified. Its typings re-export it
 * through an extensionless path that NodeNext resolution cannot follow, so it is typed here.
 */
export const LegacyAi = (legacy as unknown as { Ai: new (binding: unknown, options?: object) => { run(model: string, inputs: object): Promise<any> } }).Ai;
