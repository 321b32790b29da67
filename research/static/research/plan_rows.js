// Rows of a plan's step form (the sales plan's customers and products, the
// promotion plan's actions): an "add a row" button under the last row. The
// new row is a copy of the last one (the fields the script's data-fields
// names), numbered next and empty; the server reads as many rows as are
// posted and computes the amounts and totals itself.
(function () {
  "use strict";
  var script = document.currentScript;
  var label = script ? script.dataset.label : "+";
  var FIELDS = (script ? script.dataset.fields : "").split(",");
  var LAST = FIELDS[FIELDS.length - 1];
  var ROW = new RegExp("^div_id_(.+)-" + LAST + "_(\\d+)$");

  function renumber(el, from, to) {
    var pattern = new RegExp("_" + from + "$");
    ["id", "for", "name"].forEach(function (attr) {
      el.querySelectorAll("[" + attr + "]").forEach(function (node) {
        node.setAttribute(attr, node.getAttribute(attr).replace(pattern, "_" + to));
      });
    });
    el.id = el.id.replace(pattern, "_" + to);
    el.querySelectorAll("label").forEach(function (node) {
      node.textContent = node.textContent.replace(new RegExp("(^|\\D)" + from + "(?!\\d)"), "$1" + to);
    });
    el.querySelectorAll(".invalid-feedback").forEach(function (node) { node.remove(); });
    el.querySelectorAll(".is-invalid").forEach(function (node) { node.classList.remove("is-invalid"); });
    el.querySelectorAll("input").forEach(function (node) { node.value = ""; });
    el.querySelectorAll("select").forEach(function (node) { node.selectedIndex = 0; });
  }

  function lastRow(prefix) {
    var best = 0;
    document.querySelectorAll('[id^="div_id_' + prefix + '-' + LAST + '_"]').forEach(function (div) {
      var match = ROW.exec(div.id);
      if (match && Number(match[2]) > best) { best = Number(match[2]); }
    });
    return best;
  }

  var prefixes = {};
  document.querySelectorAll('[id^="div_id_"][id*="-' + LAST + '_"]').forEach(function (div) {
    var match = ROW.exec(div.id);
    if (match && document.getElementById("div_id_" + match[1] + "-" + FIELDS[0] + "_" + match[2])) {
      prefixes[match[1]] = true;
    }
  });
  Object.keys(prefixes).forEach(function (prefix) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-secondary mb-3";
    button.dataset.addPlanRow = prefix;
    button.textContent = label;
    document.getElementById("div_id_" + prefix + "-" + LAST + "_" + lastRow(prefix)).after(button);
    button.addEventListener("click", function () {
      var last = lastRow(prefix);
      var copies = FIELDS.map(function (name) {
        var copy = document.getElementById("div_id_" + prefix + "-" + name + "_" + last).cloneNode(true);
        renumber(copy, last, last + 1);
        return copy;
      });
      copies.forEach(function (copy) { button.before(copy); });
      copies[0].querySelector("select, input").focus();
    });
  });
})();
