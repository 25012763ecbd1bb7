// Draws the analytics charts with Chart.js from the JSON the page embeds; the tables stay the source of truth.
(function () {
  "use strict";
  var source = document.getElementById("analytics-data");
  if (!source || typeof window.Chart === "undefined") return;
  var charts = JSON.parse(source.textContent);
  var colours = ["#1f4e79", "#f5a623", "#1e6b3a", "#a4262c", "#5b6270"];
  var percentFormat = new Intl.NumberFormat(document.documentElement.lang || "en", { style: "percent", maximumFractionDigits: 1 });

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = charts[canvas.dataset.chart];
    if (!spec) return;
    var percent = spec.series.some(function (s) { return s.percent; });
    new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (series, index) {
          return { label: series.label, data: series.data, backgroundColor: colours[index % colours.length] };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          y: {
            beginAtZero: true,
            ticks: percent ? { callback: function (value) { return percentFormat.format(value); } } : {}
          }
        },
        plugins: {
          tooltip: percent ? {
            callbacks: { label: function (item) { return item.dataset.label + ": " + percentFormat.format(item.raw); } }
          } : {}
        }
      }
    });
  });
})();
