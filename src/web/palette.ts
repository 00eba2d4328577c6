/** One colour per model in the dashboard's charts, told apart in both themes; the last is for "other". */
export const PALETTE = ["#2563eb", "#ea580c", "#16a34a", "#9333ea", "#db2777", "#0891b2", "#ca8a04", "#64748b"];
