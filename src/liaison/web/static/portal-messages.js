// The portal's messages page: a refused message's summary takes the focus (so it is
// read first), and files are checked before they are sent (count, size, type) so that
// nobody uploads 20 MB on a phone to be told no. The server checks everything again.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  var TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"];
  var EXTENSIONS = /\.(png|jpe?g|jpe|jfif|gif|webp|pdf)$/i;

  function problems(form) {
    var found = [];
    var input = form.querySelector('input[type="file"]');
    var body = form.querySelector("textarea");
    if (body && !body.value.trim()) found.push(["body", form.dataset.msgEmpty]);
    if (!input || !input.files) return found;
    var max = parseInt(form.dataset.maxFiles, 10);
    var bytes = parseInt(form.dataset.maxBytes, 10);
    if (input.files.length > max) found.push(["attachments", form.dataset.msgTooMany]);
    Array.prototype.forEach.call(input.files, function (file) {
      var known = TYPES.indexOf(file.type) >= 0 || (!file.type && EXTENSIONS.test(file.name));
      if (!known) found.push(["attachments", form.dataset.msgType.replace("{name}", file.name)]);
      else if (file.size > bytes) {
        found.push(["attachments", form.dataset.msgTooLarge.replace("{name}", file.name)]);
      }
    });
    return found;
  }

  function show(summary, form, found) {
    summary.textContent = "";
    var title = document.createElement("h3");
    title.textContent = form.dataset.msgTitle;
    var list = document.createElement("ul");
    found.forEach(function (problem) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#pm-" + problem[0];
      link.textContent = problem[1];
      item.appendChild(link);
      list.appendChild(item);
    });
    summary.appendChild(title);
    summary.appendChild(list);
    summary.hidden = false;
    summary.focus();
  }

  ready(function () {
    var summary = document.getElementById("pm-errors");
    var form = document.querySelector("form.pm-form");
    if (!summary || !form) return;
    if (!summary.hidden) summary.focus();
    form.addEventListener("submit", function (event) {
      var found = problems(form);
      if (found.length) {
        event.preventDefault();
        show(summary, form, found);
        return;
      }
      var button = form.querySelector('button[type="submit"]');
      if (button) button.setAttribute("aria-disabled", "true");
    });
  });
})();
