/** The WHERE clause shared by the usage and request-log queries: equality on account and model, a half-open time range. */
export function filters(query: { account?: string; model?: string; from?: string; to?: string }, time: string): { where: string; params: string[] } {
  const clauses: string[] = [];
  const params: string[] = [];
  for (const [column, value, op] of [
    ["account", query.account, "="],
    ["model", query.model, "="],
    [time, query.from, ">="],
    [time, query.to, "<"],
  ] as const) {
    if (value === undefined) continue;
    clauses.push(`${column} ${op} ?`);
    params.push(value);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(" AND ")}` : "", params };
}
