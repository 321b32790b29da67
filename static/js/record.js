// The record page.
(function () {
  'use strict';
  // Bring the current state of a long process diagram into view.
  document.querySelectorAll('.diagram-wrap').forEach(function (w) {
    var c = w.querySelector('.current');
    if (c) {
      var r = c.getBoundingClientRect(), wr = w.getBoundingClientRect();
      w.scrollLeft += r.left - wr.left - wr.width / 2 + r.width / 2;
    }
  });
  // A step whose form came back with errors opens again.
  document.querySelectorAll('.modal[data-open]').forEach(function (el) { new bootstrap.Modal(el).show(); });
  // A second click while the first submit is on its way would be refused as stale; avoid it.
  document.querySelectorAll('form[method=post]').forEach(function (f) {
    f.addEventListener('submit', function () {
      f.querySelectorAll('button[type=submit]').forEach(function (b) { b.disabled = true; });
    });
  });
})();
