// Alerts over time: stacked bars per severity, drawn as inline SVG (no chart library, no canvas).
import type { Severity, Stats } from './api';

const ORDER: Severity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const W = 800;
const H = 200;
const PAD = { left: 40, right: 8, top: 10, bottom: 26 };

function niceMax(v: number): number {
  if (v <= 5) return 5;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function label(iso: string, bucketS: number): string {
  const d = iso.slice(0, 16).replace('T', ' ');
  return bucketS >= 86_400 ? d.slice(5, 10) : bucketS >= 3600 ? d.slice(5, 13) + 'h' : d.slice(11, 16);
}

export function AlertsChart({ series }: { series: Stats['alertsOverTime'] }) {
  const b = series.buckets;
  if (!b.length) return <p className="muted empty">No alerts in this range.</p>;
  const max = niceMax(Math.max(...b.map((x) => x.total)));
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const bw = iw / b.length;
  const gap = Math.min(2, bw * 0.2);
  const y = (v: number) => PAD.top + ih - (v / max) * ih;
  const ticks = [0, max / 2, max];
  const every = Math.max(1, Math.ceil(b.length / 8));
  const total = b.reduce((s, x) => s + x.total, 0);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Alerts over time: ${total} alerts in ${b.length} buckets of ${series.bucketSeconds / 60} minutes`}>
        {ticks.map((t) => (
          <g key={t}>
            <line className="grid" x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text className="axis" x={PAD.left - 6} y={y(t) + 4} textAnchor="end">
              {t}
            </text>
          </g>
        ))}
        {b.map((x, i) => {
          let acc = 0;
          const cx = PAD.left + i * bw;
          return (
            <g key={x.start}>
              <title>{`${label(x.start, series.bucketSeconds)} UTC: ${x.total} alerts (critical ${x.CRITICAL}, high ${x.HIGH}, medium ${x.MEDIUM}, low ${x.LOW})`}</title>
              {/* A full-height invisible target, so thin bars still show their tooltip. */}
              <rect className="hit" x={cx} y={PAD.top} width={bw} height={ih} />
              {ORDER.map((s) => {
                const v = x[s];
                if (!v) return null;
                const y0 = y(acc);
                acc += v;
                const y1 = y(acc);
                return <rect key={s} className={`bar sev-${s.toLowerCase()}`} x={cx + gap / 2} y={y1} width={Math.max(1, bw - gap)} height={Math.max(0.5, y0 - y1)} />;
              })}
              {i % every === 0 && (
                <text className="axis" x={cx + bw / 2} y={H - 8} textAnchor="middle">
                  {label(x.start, series.bucketSeconds)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {ORDER.slice()
          .reverse()
          .map((s) => (
            <span key={s}>
              <i className={`swatch sev-${s.toLowerCase()}`} />
              {s.toLowerCase()}
            </span>
          ))}
        <span className="muted">
          {total} alerts · {series.bucketSeconds >= 3600 ? `${series.bucketSeconds / 3600} h` : `${series.bucketSeconds / 60} min`} buckets · UTC
        </span>
      </figcaption>
    </figure>
  );
}
