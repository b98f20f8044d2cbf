// Trend charts of the staffing pages. Each <canvas data-chart='{...}'> carries its
// Chart.js configuration as JSON (built on the server); no inline script is needed, so
// the Content-Security-Policy (script-src 'self') stays strict.
(function () {
  "use strict";
  function draw(root) {
    if (typeof Chart === "undefined") { return; }
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) { return; }
      canvas.dataset.drawn = "1";
      new Chart(canvas, JSON.parse(canvas.dataset.chart));
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.detail.target); });
})();
