import { formatNumber } from "../format.js";
import { niceMax } from "../live/series.js";
import { bucketLabel, type Series } from "./buckets.js";

const WIDTH = 320;
const HEIGHT = 120;

interface Props {
  id: string;
  title: string;
  unit: string;
  keys: readonly string[];
  series: readonly Series[];
  colours: ReadonlyMap<string, string>;
}

/**
 * Stacked columns, one per bucket, one colour per series. Each column's segments carry a
 * <title> (hover, and what a screen reader reads), and the numbers are in a table beside it
 * that only assistive technology sees.
 */
export function BarChart({ id, title, unit, keys, series, colours }: Props) {
  const totals = keys.map((_, i) => series.reduce((sum, s) => sum + s.values[i]!, 0));
  const top = niceMax(Math.max(0, ...totals));
  const slot = WIDTH / keys.length;
  const gap = Math.min(2, slot * 0.2);
  const y = (v: number) => (v / top) * HEIGHT;
  const sum = totals.reduce((a, b) => a + b, 0);
  const ticks = [0, Math.floor((keys.length - 1) / 2), keys.length - 1];
  return (
    <figure class="chart" data-chart={id} data-buckets={keys.length} data-total={formatNumber(sum)}>
      <figcaption id={`${id}-title`}>
        {title} <span class="unit">({unit}, UTC)</span>
      </figcaption>
      <svg viewBox={`-34 -8 ${WIDTH + 42} ${HEIGHT + 26}`} role="img" aria-labelledby={`${id}-title ${id}-summary`}>
        <desc id={`${id}-summary`}>
          {formatNumber(sum)} {unit} in all; the table after the chart has each bucket.
        </desc>
        {[0, 0.5, 1].map((f) => (
          <g key={f} class="grid">
            <line x1={0} x2={WIDTH} y1={HEIGHT - f * HEIGHT} y2={HEIGHT - f * HEIGHT} />
            <text x={-4} y={HEIGHT - f * HEIGHT + 4} text-anchor="end">
              {formatNumber(top * f)}
            </text>
          </g>
        ))}
        {[...new Set(ticks)].map((i) => (
          <text key={i} class="axis" x={i * slot + slot / 2} y={HEIGHT + 16} text-anchor="middle">
            {bucketLabel(keys[i]!)}
          </text>
        ))}
        {keys.map((key, i) => {
          let base = HEIGHT;
          return (
            <g key={key} data-bucket={key}>
              {series.map((s) => {
                const value = s.values[i]!;
                if (value <= 0) return null;
                const h = y(value);
                base -= h;
                return (
                  <rect key={s.name} x={i * slot + gap / 2} y={base} width={slot - gap} height={h} fill={colours.get(s.name)} data-series={s.name} data-value={value}>
                    <title>{`${bucketLabel(key)} · ${s.name}: ${formatNumber(value)} ${unit}`}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
      </svg>
      {/* A table ignores a 1 px width, so the wrapper is what is hidden. */}
      <div class="visually-hidden">
        <table>
          <caption>
            {title} ({unit}) per bucket
          </caption>
          <thead>
            <tr>
              <th scope="col">Bucket (UTC)</th>
              {series.map((s) => (
                <th key={s.name} scope="col">
                  {s.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {keys.map((key, i) => (
              <tr key={key}>
                <th scope="row">{bucketLabel(key)}</th>
                {series.map((s) => (
                  <td key={s.name}>{formatNumber(s.values[i]!)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
