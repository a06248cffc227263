/* One Chart.js chart of the usage dashboard.
 *
 * The figures come from the same action answer as the data table next to
 * the chart, serialised by the server:
 *
 *   <canvas data-module="usagestats-chart"
 *           data-module-chart='{"type": "line", "labels": [...],
 *                               "series": [{"label": "...", "data": [...]}]}'>
 *   </canvas>
 */
ckan.module("usagestats-chart", function ($) {
  "use strict";

  // Okabe-Ito: distinguishable with the common colour-vision deficiencies.
  var COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"];

  return {
    options: {
      chart: null
    },

    initialize: function () {
      var spec = this.options.chart;
      if (typeof spec === "string") {
        spec = JSON.parse(spec);
      }
      if (!spec || typeof window.Chart === "undefined") {
        return;
      }
      var horizontal = spec.type === "bar";
      var locale = document.documentElement.lang || undefined;
      var datasets = $.map(spec.series, function (series, index) {
        var colour = COLOURS[index % COLOURS.length];
        return [{
          label: series.label,
          data: series.data,
          borderColor: colour,
          backgroundColor: spec.type === "line" ? colour + "33" : colour,
          borderWidth: 2,
          pointRadius: spec.labels.length > 60 ? 0 : 2,
          tension: 0.2,
          fill: false
        }];
      });
      this.chart = new window.Chart(this.el[0], {
        type: spec.type,
        data: {labels: spec.labels, datasets: datasets},
        options: {
          indexAxis: horizontal ? "y" : "x",
          maintainAspectRatio: false,
          responsive: true,
          animation: false,
          locale: locale,
          interaction: {mode: "index", intersect: false},
          plugins: {
            legend: {position: "bottom", labels: {boxWidth: 12}},
            tooltip: {enabled: true}
          },
          scales: {
            x: {beginAtZero: horizontal, ticks: {autoSkip: true, maxRotation: 0}},
            y: {beginAtZero: !horizontal, ticks: {autoSkip: !horizontal}}
          }
        }
      });
      // Bar charts get taller with their number of rows, so labels stay readable.
      if (horizontal) {
        this.el.parent().css("height", Math.max(160, 26 * spec.labels.length + 70) + "px");
        this.chart.resize();
      }
    },

    teardown: function () {
      if (this.chart) {
        this.chart.destroy();
      }
    }
  };
});
