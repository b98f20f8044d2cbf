// Small, dependency-free behaviour for the coordinator UI. htmx does the rest.
(function () {
  "use strict";
  // "/" focuses the page's search box, as in most keyboard-first tools.
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
    if (event.key === "/" && !typing) {
      const search = document.querySelector("[data-search]");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    }
  });
  // Selects marked data-autosubmit submit their form on change (organization switcher).
  document.addEventListener("change", function (event) {
    const el = event.target;
    if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) {
      el.form.requestSubmit();
    }
  });
})();
