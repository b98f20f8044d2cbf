// Small, dependency-free behaviour for the coordinator UI. htmx does the rest.
(function () {
  "use strict";
  // "/" focuses the page's search box, as in most keyboard-first tools.
  document.addEventListener("keydown", function (event) {
    const target = event.target;
    const typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
    if (event.key === "/" && !typing) {
      const search = document.querySelector("[data-search]");
      if (search) {
        event.preventDefault();
        search.focus();
        if (typeof search.select === "function") { search.select(); }  // not on a <select>
      }
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
// The work queue (liaison.web.workqueue): keyboard shortcuts that press the buttons each
// row and task page shows, the snooze menu, ticked tasks, reply snippets, and SLA badges
// that keep counting down without a reload.
(function () {
  "use strict";
  function isTyping(el) {
    if (!el || !el.tagName) { return false; }
    if (el.isContentEditable) { return true; }
    const tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") { return true; }
    if (tag === "INPUT") {
      const type = (el.getAttribute("type") || "text").toLowerCase();
      return ["checkbox", "radio", "button", "submit", "reset"].indexOf(type) === -1;
    }
    return false;
  }
  function announce(text) {
    const region = document.getElementById("queue-status");
    if (region) { region.textContent = ""; const p = document.createElement("p"); p.textContent = text; region.appendChild(p); }
  }
  function openDialog(id) {
    const dialog = document.getElementById(id);
    if (dialog && !dialog.open && typeof dialog.showModal === "function") { dialog.showModal(); }
  }

  // --- SLA badges: state and time left from data attributes, on the server's clock. ---
  let skew = 0;  // the server's clock minus ours, from data-server-now
  const STATES = { "on-track": ["On track", "ok"], "at-risk": ["At risk", "warn"], "breached": ["Breached", "danger"] };
  function span(ms) {
    // Whole seconds first, so a few milliseconds of page loading never read as a minute less.
    let minutes = Math.floor(Math.round(Math.abs(ms) / 1000) / 60);
    if (minutes < 1) { return "less than a minute"; }
    if (minutes < 60) { return minutes + " min"; }
    let hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    if (hours < 24) { return minutes ? hours + " h " + minutes + " min" : hours + " h"; }
    const days = Math.floor(hours / 24);
    hours = hours % 24;
    return hours ? days + " d " + hours + " h" : days + " d";
  }
  function tick() {
    const now = Date.now() + skew;
    let breached = 0;
    document.querySelectorAll("[data-sla][data-due]").forEach(function (badge) {
      const due = Date.parse(badge.getAttribute("data-due"));
      const risk = Date.parse(badge.getAttribute("data-at-risk"));
      if (isNaN(due)) { return; }
      const state = now >= due ? "breached" : (now >= risk ? "at-risk" : "on-track");
      const left = due - now;
      const reply = badge.getAttribute("data-which") === "reply";
      const text = left > 0 ? (reply ? "reply" : "due") + " in " + span(left) : (reply ? "reply " : "") + "overdue by " + span(left);
      if (badge.getAttribute("data-state") && badge.getAttribute("data-state") !== state && state === "breached") { breached += 1; }
      badge.setAttribute("data-state", state);
      const label = badge.querySelector("[data-sla-label]");
      const rest = badge.querySelector("[data-sla-left]");
      if (label) {
        label.textContent = STATES[state][0];
        label.classList.remove("ok", "warn", "danger");
        label.classList.add(STATES[state][1]);
      }
      if (rest) { rest.textContent = text; }
    });
    if (breached) { announce(breached === 1 ? "A task is now past its deadline." : breached + " tasks are now past their deadline."); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    const holder = document.querySelector("[data-server-now]");
    if (!holder) { return; }
    const server = Date.parse(holder.getAttribute("data-server-now"));
    if (!isNaN(server)) { skew = server - Date.now(); }
    tick();
    window.setInterval(tick, 30000);
  });

  // --- The queue: j/k move, Enter/o open, a/s/c act on the selected row, x ticks it. ---
  let selectedId = null;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-task-row]")); }
  function mark(row) {
    rows().forEach(function (r) { r.classList.toggle("is-selected", r === row); });
    selectedId = row ? row.getAttribute("data-task-id") : null;
  }
  function select(row) {
    if (!row) { return; }
    mark(row);
    const link = row.querySelector("[data-open]");
    if (link) { link.focus(); }
    if (typeof row.scrollIntoView === "function") { row.scrollIntoView({ block: "nearest" }); }
  }
  function current() {
    const active = document.activeElement;
    const row = active && active.closest ? active.closest("[data-task-row]") : null;
    if (row) { return row; }
    return selectedId ? document.getElementById("task-" + selectedId) : null;
  }
  function move(step) {
    const all = rows();
    if (!all.length) { return; }
    const at = all.indexOf(current());
    const next = at === -1 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
    select(all[next]);
  }
  document.addEventListener("focusin", function (event) {
    const row = event.target.closest ? event.target.closest("[data-task-row]") : null;
    if (row) { mark(row); }
  });

  let snoozing = null;  // the row's Snooze link while its menu is open
  function openSnooze(link) {
    const dialog = document.getElementById("snooze-dialog");
    if (!dialog) { return false; }
    snoozing = link;
    const name = dialog.querySelector("[data-snooze-task]");
    if (name) { name.textContent = link.getAttribute("data-title") || ""; }
    openDialog("snooze-dialog");
    return true;
  }
  function press(row, action, refusal) {
    const button = row.querySelector('[data-action="' + action + '"]');
    if (button) { button.click(); } else { announce(refusal); }
  }
  function queueKey(event) {
    const key = event.key;
    const row = current();
    if (key === "j" || key === "k") { event.preventDefault(); move(key === "j" ? 1 : -1); return; }
    if (!row) {
      if (["o", "a", "s", "c", "x", "Enter"].indexOf(key) !== -1 && (key !== "Enter" || event.target === document.body)) {
        announce("Select a task first: press j.");
      }
      return;
    }
    if (key === "o" || (key === "Enter" && !event.target.closest("a, button, select, textarea, input:not([type=checkbox])"))) {
      const link = row.querySelector("[data-open]");
      if (link) { event.preventDefault(); link.click(); }
    } else if (key === "a") {
      event.preventDefault(); press(row, "claim", "This task already has an owner; open it to take it over.");
    } else if (key === "c") {
      event.preventDefault(); press(row, "complete", "This task cannot be completed from here.");
    } else if (key === "s") {
      event.preventDefault();
      const link = row.querySelector('[data-action="snooze"]');
      if (link) { openSnooze(link); } else { announce("This task cannot be snoozed."); }
    } else if (key === "x") {
      const box = row.querySelector("[data-pick]");
      if (box) {
        event.preventDefault();
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  }
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    const dialog = document.querySelector("dialog[open]");
    if (dialog) {
      // In the snooze menu, 1, 2 ... choose; Esc closes any dialog (the browser does that).
      if (dialog.id === "snooze-dialog" && /^[1-9]$/.test(event.key)) {
        const choice = dialog.querySelectorAll("[data-snooze-preset]")[Number(event.key) - 1];
        if (choice) { event.preventDefault(); choice.click(); }
      }
      return;
    }
    if (isTyping(event.target)) { return; }
    if (event.key === "?") {
      if (document.getElementById("shortcut-help")) { event.preventDefault(); openDialog("shortcut-help"); }
      return;
    }
    if (document.querySelector("[data-queue]")) { queueKey(event); return; }
    if (event.shiftKey || event.key.length !== 1) { return; }
    // Other pages: a key names a button or link to press (data-shortcut) or a field to
    // start typing in (data-shortcut-target).
    const key = window.CSS && CSS.escape ? CSS.escape(event.key) : event.key.replace(/["\\]/g, "\\$&");
    const button = document.querySelector('[data-shortcut="' + key + '"]');
    const field = document.querySelector('[data-shortcut-target="' + key + '"]');
    if (button) { event.preventDefault(); button.click(); }
    else if (field) { event.preventDefault(); field.focus(); }
  });
  document.addEventListener("click", function (event) {
    const target = event.target;
    if (!target || !target.closest) { return; }
    const opener = target.closest("[data-open-dialog]");
    if (opener) { event.preventDefault(); openDialog(opener.getAttribute("data-open-dialog")); return; }
    const link = target.closest('[data-task-row] [data-action="snooze"]');
    if (link && openSnooze(link)) { event.preventDefault(); return; }
    const preset = target.closest("[data-snooze-preset]");
    if (preset && snoozing && window.htmx) {
      const row = snoozing.closest("[data-task-row]");
      const back = row ? row.querySelector('input[name="next"]') : null;
      const dialog = document.getElementById("snooze-dialog");
      if (dialog) { dialog.close(); }
      if (row) {
        window.htmx.ajax("POST", snoozing.getAttribute("data-snooze-url"), {
          source: row, target: row, swap: "outerHTML",
          values: { preset: preset.getAttribute("data-snooze-preset"), version: snoozing.getAttribute("data-version"), row: "1", next: back ? back.value : "/queue" }
        });
      }
      snoozing = null;
      return;
    }
    const insert = target.closest("[data-snippet-insert]");
    if (insert) {
      const chooser = document.getElementById(insert.getAttribute("data-snippet-insert"));
      const option = chooser ? chooser.options[chooser.selectedIndex] : null;
      const box = chooser ? document.getElementById(chooser.getAttribute("data-snippet-for")) : null;
      if (!option || !option.getAttribute("data-text") || !box) { return; }
      const text = option.getAttribute("data-text");
      box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n\n" + text : text;
      box.focus();
    }
  });

  // Ticked tasks: the bulk bar's count, and "tick every task shown".
  document.addEventListener("change", function (event) {
    const el = event.target;
    if (!el || !el.matches) { return; }
    if (el.matches("[data-pick-all]")) {
      document.querySelectorAll("[data-pick]").forEach(function (box) { box.checked = el.checked; });
    }
    if (el.matches("[data-pick], [data-pick-all]")) {
      const count = document.querySelectorAll("[data-pick]:checked").length;
      document.querySelectorAll("[data-bulk-count]").forEach(function (c) { c.textContent = String(count); });
    }
  });

  // After htmx replaced a row (a shortcut or a row button), keep it selected and focused;
  // after "Show more tasks", go to the first new row; after a thread loads, to its title.
  let before = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    const target = event.detail.target;
    if (target && target.id === "queue-rows") { before = rows().length; }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    const target = event.detail.target;
    tick();
    if (before !== null && target && target.id === "queue-rows") {
      const first = rows()[before];
      before = null;
      if (first) { select(first); }
      return;
    }
    if (target && target.id === "thread") {
      const start = target.querySelector("[data-thread-start]");
      if (start) { start.focus(); }
      return;
    }
    if (selectedId) {
      const row = document.getElementById("task-" + selectedId);
      const active = document.activeElement;
      if (row && (!active || active === document.body || !document.body.contains(active))) { select(row); }
      else if (row) { mark(row); }
    }
  });
})();
