// Weekly trends on the escalation dashboard: breaches (bars) and on-time and
// brief-completion rates (lines). Redrawn after each htmx refresh.
(function () {
  let chart = null;
  function draw() {
    const data = document.getElementById("trends-data");
    const canvas = document.getElementById("trends-chart");
    if (!data || !canvas || !window.Chart) return;
    const series = JSON.parse(data.textContent);
    const labels = document.getElementById("trends-labels").dataset;
    if (chart) chart.destroy();
    chart = new window.Chart(canvas, {
      data: {
        labels: series.labels,
        datasets: [
          { type: "bar", label: labels.breaches, data: series.breaches, backgroundColor: "rgba(220,53,69,.6)", yAxisID: "count" },
          { type: "line", label: labels.ontime, data: series.on_time, borderColor: "#198754", yAxisID: "rate" },
          { type: "line", label: labels.briefs, data: series.briefs, borderColor: "#0d6efd", yAxisID: "rate" },
        ],
      },
      options: { animation: false, scales: { count: { position: "left", beginAtZero: true }, rate: { position: "right", min: 0, max: 100 } } },
    });
  }
  draw();
  document.body.addEventListener("htmx:afterSwap", draw);
})();
