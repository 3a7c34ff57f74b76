(function () {
  "use strict";
  // Progressive enhancement: without this script the page shows everything and the
  // filter form stays hidden. Nothing here reads data from the page into code.
  var form = document.getElementById("filters");
  if (!form) { return; }
  var status = document.getElementById("filter-status");
  var items = Array.prototype.slice.call(document.querySelectorAll("li.finding"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("details.group"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.change"));
  var groupOf = items.map(function (item) { return item.closest("details.group"); });
  var total = items.length;
  var PRINT_OPEN_LIMIT = 500;

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function apply() {
    var rule = form.elements.rule.value;
    var severity = form.elements.severity.value;
    var run = form.elements.run.value;
    var shownByGroup = new Map();
    var shown = 0;
    items.forEach(function (item, i) {
      var d = item.dataset;
      var ok = (!rule || d.rule === rule) && (!severity || d.severity === severity) &&
        (!run || d.run === run);
      item.hidden = !ok;
      if (ok) {
        shown += 1;
        shownByGroup.set(groupOf[i], (shownByGroup.get(groupOf[i]) || 0) + 1);
      }
    });
    groups.forEach(function (group) {
      var n = shownByGroup.get(group) || 0;
      group.hidden = n === 0;
      var counter = group.querySelector(".shown");
      if (counter) { counter.textContent = plural(n, "finding"); }
    });
    sections.forEach(function (section) {
      var any = section.querySelector("details.group:not([hidden])") !== null;
      var hasGroups = section.querySelector("details.group") !== null;
      var note = section.querySelector(".none-match");
      if (note) { note.hidden = any || !hasGroups; }
    });
    var filtered = rule || severity || run;
    status.textContent = filtered ?
      "Showing " + shown + " of " + plural(total, "finding") : plural(total, "finding");
  }

  function setOpen(open) {
    groups.forEach(function (group) { if (!group.hidden) { group.open = open; } });
  }

  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.querySelector("[data-action=expand]").addEventListener("click", function () { setOpen(true); });
  form.querySelector("[data-action=collapse]").addEventListener("click", function () { setOpen(false); });

  // Closed groups do not print; open them for a paper copy unless that means thousands of pages.
  var openedForPrint = [];
  window.addEventListener("beforeprint", function () {
    if (total > PRINT_OPEN_LIMIT) { return; }
    openedForPrint = groups.filter(function (g) { return !g.open && !g.hidden; });
    openedForPrint.forEach(function (g) { g.open = true; });
  });
  window.addEventListener("afterprint", function () {
    openedForPrint.forEach(function (g) { g.open = false; });
    openedForPrint = [];
  });

  form.hidden = false;
  apply();
}());
