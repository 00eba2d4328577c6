import { formatNumber } from "../format.js";
import { lastValue, linePath, niceMax, plot, type Frame, type Point } from "./series.js";

const WIDTH = 320;
const HEIGHT = 120;

interface Props {
  title: string;
  unit: string;
  series: Map<string, Point[]>;
  colours: ReadonlyMap<string, string>;
  fromMs: number;
  toMs: number;
}

/** A line per model over the window; the label reads the latest values for screen readers. */
export function Chart({ title, unit, series, colours, fromMs, toMs }: Props) {
  const values = [...series.values()].flatMap((points) => points.map((p) => p.value ?? 0));
  const top = niceMax(Math.max(0, ...values));
  const frame: Frame = { fromMs, toMs, top, width: WIDTH, height: HEIGHT };
  const latest = [...series].map(([model, points]) => {
    const value = points.at(-1)?.value;
    return `${model}: ${value === null || value === undefined ? "no data" : `${formatNumber(value)} ${unit}`}`;
  });
  const minutes = Math.round((toMs - fromMs) / 60_000);
  return (
    <figure class="chart">
      <figcaption>
        {title} <span class="unit">({unit})</span>
      </figcaption>
      <svg viewBox={`-34 -8 ${WIDTH + 42} ${HEIGHT + 26}`} role="img" aria-label={`${title}, latest: ${latest.join("; ") || "no models yet"}`}>
        {[0, 0.5, 1].map((f) => (
          <g key={f} class="grid">
            <line x1={0} x2={WIDTH} y1={HEIGHT - f * HEIGHT} y2={HEIGHT - f * HEIGHT} />
            <text x={-4} y={HEIGHT - f * HEIGHT + 4} text-anchor="end">
              {formatNumber(top * f)}
            </text>
          </g>
        ))}
        <text class="axis" x={0} y={HEIGHT + 16}>
          −{minutes} min
        </text>
        <text class="axis" x={WIDTH} y={HEIGHT + 16} text-anchor="end">
          now
        </text>
        {[...series].map(([model, points]) => {
          const last = lastValue(points);
          const mark = last && last.atMs >= fromMs ? plot(last.atMs, last.value, frame) : undefined;
          return (
            <g key={model}>
              <path d={linePath(points, frame)} stroke={colours.get(model)} class="line" />
              {mark && <circle cx={mark.x} cy={mark.y} r={3.5} fill={colours.get(model)} />}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
