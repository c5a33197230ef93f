// Plain SVG charts for the report (no chart library): grouped bars and lines with axes, labels
// and a legend. Text is escaped; the output is a standalone <svg> document.

export interface BarGroup {
  label: string
  bars: Array<{ series: string; value: number }>
}

export interface LineSeries {
  name: string
  points: Array<{ x: number; y: number }>
}

const COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
]
const W = 720
const H = 360
const M = { left: 70, right: 170, top: 40, bottom: 50 }

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p
  return 10 * p
}

function fmt(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`
  if (v >= 1e3) return `${(v / 1e3).toFixed(v >= 1e4 ? 0 : 1)}k`
  return v >= 10 ? v.toFixed(0) : v.toFixed(v >= 1 ? 1 : 2)
}

function frame(
  title: string,
  yLabel: string,
  yMax: number,
  body: string[],
  legend: string[],
): string {
  const ph = H - M.top - M.bottom
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  ]
  for (let i = 0; i <= 4; i++) {
    const y = M.top + ph - (ph * i) / 4
    parts.push(
      `<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#dddddd"/>`,
      `<text x="${M.left - 6}" y="${y + 4}" text-anchor="end">${fmt((yMax * i) / 4)}</text>`,
    )
  }
  parts.push(...body)
  parts.push(
    `<line x1="${M.left}" y1="${M.top + ph}" x2="${W - M.right}" y2="${M.top + ph}" stroke="#333333"/>`,
  )
  legend.forEach((name, i) => {
    const y = M.top + 10 + i * 18
    parts.push(
      `<rect x="${W - M.right + 12}" y="${y - 9}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${W - M.right + 30}" y="${y + 1}">${escapeXml(name)}</text>`,
    )
  })
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}

export function barChart(title: string, yLabel: string, groups: BarGroup[]): string {
  const series = [...new Set(groups.flatMap((g) => g.bars.map((b) => b.series)))]
  const yMax = niceMax(Math.max(0, ...groups.flatMap((g) => g.bars.map((b) => b.value))))
  const pw = W - M.left - M.right
  const ph = H - M.top - M.bottom
  const gw = pw / Math.max(1, groups.length)
  const bw = (gw * 0.8) / Math.max(1, series.length)
  const body: string[] = []
  groups.forEach((g, gi) => {
    const gx = M.left + gi * gw + gw * 0.1
    for (const b of g.bars) {
      const si = series.indexOf(b.series)
      const h = (Math.max(0, b.value) / yMax) * ph
      const x = gx + si * bw
      body.push(
        `<rect x="${x.toFixed(1)}" y="${(M.top + ph - h).toFixed(1)}" width="${(bw * 0.9).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${escapeXml(`${g.label} ${b.series}: ${fmt(b.value)}`)}</title></rect>`,
        `<text x="${(x + bw * 0.45).toFixed(1)}" y="${(M.top + ph - h - 3).toFixed(1)}" text-anchor="middle" font-size="10">${fmt(b.value)}</text>`,
      )
    }
    body.push(
      `<text x="${(M.left + gi * gw + gw / 2).toFixed(1)}" y="${M.top + ph + 18}" text-anchor="middle">${escapeXml(g.label)}</text>`,
    )
  })
  return frame(title, yLabel, yMax, body, series)
}

export function lineChart(
  title: string,
  xLabel: string,
  yLabel: string,
  series: LineSeries[],
): string {
  const xs = series.flatMap((s) => s.points.map((p) => p.x))
  const xMin = Math.min(...xs, 0)
  const xMax = Math.max(...xs, 1)
  const yMax = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.y))))
  const pw = W - M.left - M.right
  const ph = H - M.top - M.bottom
  const px = (x: number): number => M.left + ((x - xMin) / (xMax - xMin || 1)) * pw
  const py = (y: number): number => M.top + ph - (Math.max(0, y) / yMax) * ph
  const body: string[] = []
  for (const x of [...new Set(xs)].sort((a, b) => a - b))
    body.push(
      `<text x="${px(x).toFixed(1)}" y="${M.top + ph + 18}" text-anchor="middle">${fmt(x)}</text>`,
    )
  body.push(
    `<text x="${M.left + pw / 2}" y="${H - 10}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
  )
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]
    const pts = [...s.points].sort((a, b) => a.x - b.x)
    if (pts.length > 1)
      body.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`,
      )
    for (const p of pts)
      body.push(
        `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${color}"><title>${escapeXml(`${s.name}: ${fmt(p.y)} at ${fmt(p.x)}`)}</title></circle>`,
      )
  })
  return frame(
    title,
    yLabel,
    yMax,
    body,
    series.map((s) => s.name),
  )
}
