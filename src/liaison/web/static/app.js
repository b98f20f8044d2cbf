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
  // Form errors (422) and conflicts (409) come back as the page or fragment to show;
  // htmx would otherwise leave them unswapped.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const status = event.detail.xhr.status;
    if (status === 422 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // A link inside the region it replaces ("Next page") would leave keyboard focus on
  // nothing; move it to the start of the new content instead.
  document.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target;
    const source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (target && source && !document.body.contains(source)) {
      const start = target.querySelector("[data-after-swap]");
      if (start) { start.focus(); }
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    // After a rejected form, start at the summary of what needs attention.
    const summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  });
  // A secret shown once (a new API token) is selected whole for copying.
  document.addEventListener("focusin", function (event) {
    const el = event.target;
    if (el && el.matches && el.matches("[data-select-on-focus]")) { el.select(); }
  });
})();
// A problem put next to a field by an out-of-band swap (the wording preview) marks the
// field invalid too, and clears the mark when the problem goes away.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("[data-problem-for]").forEach(function (problem) {
      const field = document.getElementById(problem.getAttribute("data-problem-for"));
      if (!field) { return; }
      if (problem.textContent.trim()) { field.setAttribute("aria-invalid", "true"); }
      else { field.removeAttribute("aria-invalid"); }
    });
  });
})();
