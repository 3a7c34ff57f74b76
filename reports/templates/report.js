(function () {
  "use strict";
  // Progressive enhancement: without this script the page shows everything and the
  // filter form stays hidden. Nothing here reads data from the page into code.
  var form = document.getElementById("filters");
  if (!form) { return; }
  var status = document.getElementById("filter-status");
  var items = Array.prototype.slice.call(document.querySelectorAll("li.finding"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("details.group:not(.unreadable)"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.change"));
  var groupOf = items.map(function (item) { return item.closest("details.group"); });
  var sectionOf = items.map(function (item) { return item.closest("section.change"); });
  var rulesOf = items.map(function (item) { return (item.dataset.rule || "").split(" "); });
  var total = items.length;
  var PRINT_OPEN_LIMIT = 500;
  var SEVERITIES = ["error", "warning", "note"];

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // Headings a link jumps to must not end up under the sticky filter bar.
  function keepTargetsClear() {
    var height = form.hidden ? 0 : form.getBoundingClientRect().height;
    document.documentElement.style.setProperty("--filters-height", Math.ceil(height + 12) + "px");
  }

  function apply() {
    var rule = form.elements.rule.value;
    var severity = form.elements.severity.value;
    var integration = form.elements.integration.value;
    var shownByGroup = new Map();
    var bySection = new Map();
    var shown = 0;
    items.forEach(function (item, i) {
      var d = item.dataset;
      var ok = (!rule || rulesOf[i].indexOf(rule) !== -1) &&
        (!severity || d.severity === severity) &&
        (!integration || d.integration === integration);
      item.hidden = !ok;
      if (ok) {
        shown += 1;
        shownByGroup.set(groupOf[i], (shownByGroup.get(groupOf[i]) || 0) + 1);
        var counts = bySection.get(sectionOf[i]) || {error: 0, warning: 0, note: 0};
        counts[d.severity] += 1;
        bySection.set(sectionOf[i], counts);
      }
    });
    var filtered = rule || severity || integration;
    groups.forEach(function (group) {
      var n = shownByGroup.get(group) || 0;
      group.hidden = n === 0;
      var counter = group.querySelector(".shown");
      if (counter && filtered) { counter.textContent = n + " shown"; }
      else if (counter) { counter.textContent = counter.dataset.all || counter.textContent; }
    });
    sections.forEach(function (section) {
      var any = section.querySelector("details.group:not([hidden])") !== null;
      var hasGroups = section.querySelector("details.group") !== null;
      var note = section.querySelector(".none-match");
      if (note) { note.hidden = any || !hasGroups; }
      // the section's own count follows the filters, like the groups' counts
      var count = section.querySelector(".section-count .shown-total");
      var where = section.querySelector(".section-count .shown-groups");
      if (!count || !where) { return; }
      if (!count.dataset.all) { count.dataset.all = count.textContent; }
      if (!where.dataset.all) { where.dataset.all = where.textContent; }
      if (!filtered) {
        count.textContent = count.dataset.all;
        where.textContent = where.dataset.all;
        return;
      }
      var open = section.querySelectorAll("details.group:not([hidden])").length;
      where.textContent = open + (open === 1 ? " file or capture" : " files or captures");
      var counts = bySection.get(section) || {error: 0, warning: 0, note: 0};
      var parts = SEVERITIES.filter(function (s) { return counts[s]; })
        .map(function (s) { return plural(counts[s], s); });
      count.textContent = parts.length ? "Shown: " + parts.join(", ") : "None shown";
    });
    status.textContent = filtered ?
      "Showing " + shown + " of " + total + " things to fix" : plural(total, "thing") + " to fix";
  }

  groups.forEach(function (group) {
    var counter = group.querySelector(".shown");
    if (counter) { counter.dataset.all = counter.textContent; }
  });

  function setOpen(open) {
    groups.forEach(function (group) { if (!group.hidden) { group.open = open; } });
  }

  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.querySelector("[data-action=expand]").addEventListener("click", function () { setOpen(true); });
  form.querySelector("[data-action=collapse]").addEventListener("click", function () { setOpen(false); });
  window.addEventListener("resize", keepTargetsClear);

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
  keepTargetsClear();
  // nothing is filtered yet: only the count to show (walking every item costs on big pages)
  status.textContent = plural(total, "thing") + " to fix";
}());
