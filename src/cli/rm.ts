import type { Config } from "../config/index.js";
import { reportFailure } from "./report.js";
import { createOutpost } from "./outpost.js";

/** `outpost rm <model>…`: deletes pulled models (and forgets custom ones); the mirror is never touched. */
export async function rm(config: Config, models: string[]): Promise<number> {
  const outpost = createOutpost(config);
  let code = 0;
  try {
    for (const model of models) {
      if (await outpost.admin.remove(model)) {
        console.log(`removed ${model}`);
      } else {
        process.stderr.write(`outpost: nothing is stored for ${model}\n`);
        code = 1;
      }
    }
    return code;
  } catch (error) {
    return reportFailure(error);
  } finally {
    outpost.close();
  }
}
