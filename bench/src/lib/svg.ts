/**
 * A horizontal bar chart written as SVG by hand (no dependency): a title, one bar per item with its label on the left
 * and its value at the end, an x axis with round ticks and a label. Several charts stack into one document.
 *
 *   Title
 *   label A  |██████████████  123,456
 *   label B  |██████  45,678
 *            0      50k     100k     150k
 *                    events/s
 */

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** A fill colour; defaults to the chart's. */
  readonly color?: string;
}

export interface BarChart {
  readonly title: string;
  readonly axisLabel: string;
  readonly bars: readonly Bar[];
  readonly color?: string;
}

const WIDTH = 960;
const LABEL_W = 350;
const VALUE_W = 90;
const BAR_H = 22;
const GAP = 8;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

/** Escapes text for SVG content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** 1, 2 or 5 x 10^k: the tick step for about `count` ticks up to `max`. */
export function niceStep(max: number, count = 5): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** 1,234 -> "1.2k", 2,500,000 -> "2.5M". */
export function compact(v: number): string {
  if (Math.abs(v) >= 1e6) return `${trim(v / 1e6)}M`;
  if (Math.abs(v) >= 1e3) return `${trim(v / 1e3)}k`;
  return trim(v);
}

function trim(v: number): string {
  return String(Math.round(v * 10) / 10);
}

/** One chart's SVG elements, drawn from `top`; returns them and the height used. */
function chartElements(chart: BarChart, top: number): { svg: string[]; height: number } {
  const plotW = WIDTH - LABEL_W - VALUE_W - 20;
  const max = Math.max(...chart.bars.map((b) => b.value), 0);
  const step = niceStep(max);
  const axisMax = Math.max(step, Math.ceil(max / step) * step);
  const x = (v: number) => LABEL_W + (v / axisMax) * plotW;
  const out: string[] = [`<text x="20" y="${top + 20}" ${FONT} font-size="16" font-weight="bold">${escapeXml(chart.title)}</text>`];
  const barsTop = top + 36;
  chart.bars.forEach((b, i) => {
    const y = barsTop + i * (BAR_H + GAP);
    const w = Math.max(1, x(b.value) - LABEL_W);
    out.push(
      `<text x="${LABEL_W - 8}" y="${y + BAR_H * 0.7}" ${FONT} font-size="12" text-anchor="end">${escapeXml(b.label)}</text>`,
      `<rect x="${LABEL_W}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${b.color ?? chart.color ?? '#3b6ea8'}"><title>${escapeXml(`${b.label}: ${Math.round(b.value).toLocaleString('en-US')}`)}</title></rect>`,
      `<text x="${(LABEL_W + w + 6).toFixed(1)}" y="${y + BAR_H * 0.7}" ${FONT} font-size="12">${Math.round(b.value).toLocaleString('en-US')}</text>`,
    );
  });
  const axisY = barsTop + chart.bars.length * (BAR_H + GAP);
  out.push(`<line x1="${LABEL_W}" y1="${barsTop - 4}" x2="${LABEL_W}" y2="${axisY}" stroke="#333"/>`);
  out.push(`<line x1="${LABEL_W}" y1="${axisY}" x2="${x(axisMax)}" y2="${axisY}" stroke="#333"/>`);
  for (let v = 0; v <= axisMax + step / 2; v += step) {
    out.push(
      `<line x1="${x(v).toFixed(1)}" y1="${axisY}" x2="${x(v).toFixed(1)}" y2="${axisY + 5}" stroke="#333"/>`,
      `<line x1="${x(v).toFixed(1)}" y1="${barsTop - 4}" x2="${x(v).toFixed(1)}" y2="${axisY}" stroke="#ddd" stroke-dasharray="2,3"/>`,
      `<text x="${x(v).toFixed(1)}" y="${axisY + 18}" ${FONT} font-size="11" text-anchor="middle">${compact(v)}</text>`,
    );
  }
  out.push(`<text x="${(LABEL_W + plotW / 2).toFixed(1)}" y="${axisY + 36}" ${FONT} font-size="12" text-anchor="middle">${escapeXml(chart.axisLabel)}</text>`);
  return { svg: out, height: axisY + 50 - top };
}

/** A whole SVG document: a heading line, then the charts one under the other. */
export function renderBarCharts(heading: string, charts: readonly BarChart[]): string {
  const parts: string[] = [`<text x="20" y="24" ${FONT} font-size="13" fill="#555">${escapeXml(heading)}</text>`];
  let top = 36;
  for (const c of charts) {
    const { svg, height } = chartElements(c, top);
    parts.push(...svg);
    top += height + 16;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" viewBox="0 0 ${WIDTH} ${top}">`,
    `<rect x="0" y="0" width="${WIDTH}" height="${top}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
