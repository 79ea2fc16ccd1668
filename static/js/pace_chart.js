// The pace chart: cumulative actual against the expected pace and the target.
(function () {
  const data = document.getElementById("pace-data");
  const canvas = document.getElementById("pace-chart");
  if (!data || !canvas || !window.Chart) return;
  const series = JSON.parse(data.textContent);
  const labels = document.getElementById("pace-labels").dataset;
  new window.Chart(canvas, {
    type: "line",
    data: {
      labels: series.labels,
      datasets: [
        { label: labels.expected, data: series.expected, borderDash: [6, 4], borderColor: "#6c757d", pointRadius: 0 },
        { label: labels.actual, data: series.actual, borderColor: "#0d6efd", pointRadius: 0, spanGaps: false },
        { label: labels.target, data: series.labels.map(() => series.target), borderColor: "#dc3545", borderWidth: 1, pointRadius: 0 },
      ],
    },
    options: { animation: false, responsive: true, interaction: { mode: "index", intersect: false }, scales: { x: { ticks: { maxTicksLimit: 8 } } } },
  });
})();
