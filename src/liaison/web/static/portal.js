// The patient portal's small behaviour; htmx does the rest. No inline handlers (CSP).
(function () {
  "use strict";
  // Selects marked "autosubmit" (the patient switcher, the language) submit their form
  // when a choice is made with the mouse or a finger. With the keyboard, arrowing
  // through the options would otherwise leave the page at every step (WCAG 3.2.2): the
  // form's own button is there for that, and Enter submits as usual.
  const keyed = new WeakSet();
  document.addEventListener("keydown", function (event) {
    const el = event.target;
    if (el && el.matches && el.matches("select.autosubmit")) {
      if (event.key === "Enter" && el.form) {
        event.preventDefault();
        el.form.requestSubmit();
        return;
      }
      keyed.add(el);
    }
  });
  document.addEventListener("pointerdown", function (event) {
    const el = event.target && event.target.closest ? event.target.closest("select.autosubmit") : null;
    if (el) { keyed.delete(el); }
  });
  document.addEventListener("change", function (event) {
    const el = event.target;
    if (el && el.matches && el.matches("select.autosubmit") && el.form && !keyed.has(el)) {
      el.form.requestSubmit();
    }
  });
  // After a rejected form, start at the summary of what needs attention.
  document.addEventListener("DOMContentLoaded", function () {
    const summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  });
  // A one-time code pasted with spaces or a dash ("123 456") is kept to its digits.
  document.addEventListener("input", function (event) {
    const el = event.target;
    if (el && el.matches && el.matches("input.code-input")) {
      const digits = el.value.replace(/\D/g, "").slice(0, 6);
      if (digits !== el.value) { el.value = digits; }
    }
  });
})();
