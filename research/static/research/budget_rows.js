// The research plan's budget: an "add a budget line" button under the last
// row of the budget table in the plan's submit form. The new row is a copy of
// the last one, numbered next and empty; the server reads as many rows as are
// posted and computes the total itself.
(function () {
  "use strict";
  var script = document.currentScript;
  var label = script ? script.dataset.label : "+";
  var ROW = /^div_id_(.+)-amount_(\d+)$/;

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
  }

  function lastRow(prefix) {
    var best = 0;
    document.querySelectorAll('[id^="div_id_' + prefix + '-amount_"]').forEach(function (div) {
      var match = ROW.exec(div.id);
      if (match && Number(match[2]) > best) { best = Number(match[2]); }
    });
    return best;
  }

  var prefixes = {};
  document.querySelectorAll('[id^="div_id_"][id*="-amount_"]').forEach(function (div) {
    var match = ROW.exec(div.id);
    if (match && document.getElementById("div_id_" + match[1] + "-item_" + match[2])) {
      prefixes[match[1]] = true;
    }
  });
  Object.keys(prefixes).forEach(function (prefix) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-secondary mb-3";
    button.dataset.addBudgetLine = prefix;
    button.textContent = label;
    var n = lastRow(prefix);
    document.getElementById("div_id_" + prefix + "-amount_" + n).after(button);
    button.addEventListener("click", function () {
      var last = lastRow(prefix);
      var item = document.getElementById("div_id_" + prefix + "-item_" + last);
      var amount = document.getElementById("div_id_" + prefix + "-amount_" + last);
      var newItem = item.cloneNode(true);
      var newAmount = amount.cloneNode(true);
      renumber(newItem, last, last + 1);
      renumber(newAmount, last, last + 1);
      button.before(newItem, newAmount);
      newItem.querySelector("input").focus();
    });
  });
})();
