import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { OutpostError } from "../contract/index.js";

const DATE = "\\d{4}-\\d{2}-\\d{2}";
const TIME = "\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})";
/** The formats toGrammarSchema accepts, checked for shape (as the grammar writes them). */
const FORMATS = { date: new RegExp(`^${DATE}$`), time: new RegExp(`^${TIME}$`), "date-time": new RegExp(`^${DATE}T${TIME}$`) };

export type Validate = (value: unknown) => string | undefined;

/**
 * Compiles the caller's own schema (already accepted by toGrammarSchema, so only keywords ajv
 * and the grammar agree on) into a check of the generated value: the second line of defence,
 * so a grammar bug can never return output that breaks the schema. Draft 2020-12 unless the
 * schema only compiles as draft 7 (array-form `items`). A fresh Ajv per schema: its cache is
 * keyed by schema object and would grow with every request.
 */
export function compileValidator(schema: Record<string, unknown>): Validate {
  const { $schema: _dialect, ...body } = schema;
  let check;
  try {
    check = new Ajv2020({ strict: false, formats: FORMATS }).compile(body);
  } catch {
    try {
      check = new Ajv({ strict: false, formats: FORMATS }).compile(body);
    } catch (error) {
      throw new OutpostError("INPUT_INVALID", `Invalid JSON Schema: ${(error as Error).message}`, { cause: error });
    }
  }
  return (value) => {
    if (check(value)) return undefined;
    const error = check.errors?.[0];
    return error ? `${error.instancePath || "/"} ${error.message ?? "is invalid"}` : "is invalid";
  };
}
