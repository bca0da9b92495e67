// Dashboard: everything is rendered by the server; dates are shown in the reader's time zone.
import { localizeTimes } from '../dom.ts';

localizeTimes(document);

const chart = document.querySelector<SVGSVGElement>('.score-chart > svg');
if (chart) labelChart(chart);

function labelChart(chart: SVGSVGElement) {
  // The points' dates in the reader's time zone: the day alone, with the time where two points
  // fall on the same day, so no two labels read the same.
  const points = Array.from(chart.querySelectorAll<SVGElement>('.chart-point')).sort((a, b) => Number(a.dataset.point) - Number(b.dataset.point));
  const dayOf = (date: Date) => date.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
  const days = points.map((p) => dayOf(new Date(p.dataset.date ?? '')));
  const labels = points.map((p, i) => {
    if (days.indexOf(days[i]!) === days.lastIndexOf(days[i]!)) return days[i]!;
    return `${days[i]}, ${new Date(p.dataset.date ?? '').toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' })}`;
  });
  points.forEach((p, i) => {
    p.querySelector('title')!.textContent = `${p.dataset.role}, ${labels[i]}: ${p.dataset.score} out of 5`;
  });
  for (const text of chart.querySelectorAll<SVGTextElement>('.chart-date')) text.textContent = labels[Number(text.dataset.point)] ?? '';

  // The SVG scales with the card; its text is sized in the SVG's units, so it is resized to stay
  // 13 px on screen (a 360 px phone shrinks the chart, a wide card enlarges it).
  const AXIS_PX = 13;
  function fitText() {
    const matrix = chart.getScreenCTM();
    const scale = matrix && matrix.a > 0 ? matrix.a : 1;
    for (const text of chart.querySelectorAll<SVGTextElement>('.chart-axis')) text.style.fontSize = `${(AXIS_PX / scale).toFixed(2)}px`;
  }
  fitText();
  if ('ResizeObserver' in window) new ResizeObserver(fitText).observe(chart);
}
