// The console's only script of its own: it draws the charts the pages declare
// (`<figure data-chart="{…}">`) with uPlot, on the first load and whenever htmx swaps new content
// in (htmx.onLoad). Everything else is HTML from the server and htmx attributes.

const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed'];

function draw(figure) {
  if (figure.dataset.drawn) return;
  figure.dataset.drawn = '1';
  const spec = JSON.parse(figure.dataset.chart);
  if (!spec.data[0] || spec.data[0].length === 0) {
    figure.insertAdjacentHTML('beforeend', '<p class="muted">No data yet.</p>');
    return;
  }
  const bars = globalThis.uPlot.paths.bars({ size: [0.6, 40] });
  const options = {
    width: Math.max(280, figure.clientWidth - 8),
    height: spec.height ?? 180,
    series: [
      {},
      ...spec.series.map((s, i) => ({
        label: s.label,
        stroke: PALETTE[i % PALETTE.length],
        fill: s.kind === 'bars' ? `${PALETTE[i % PALETTE.length]}55` : undefined,
        paths: s.kind === 'bars' ? bars : undefined,
        spanGaps: false,
      })),
    ],
    axes: [{}, { label: spec.unit ?? '' }],
  };
  new globalThis.uPlot(options, spec.data, figure);
}

function drawAll(root) {
  for (const figure of root.querySelectorAll('figure[data-chart]')) draw(figure);
}

if (globalThis.htmx) globalThis.htmx.onLoad(drawAll);
else drawAll(document);
