// Behaviour every page shares. No inline script anywhere: the Content-Security-Policy
// allows scripts from this site's static files only.
(function () {
  'use strict';
  // The language menu switches as soon as a language is chosen.
  document.querySelectorAll('select[data-autosubmit]').forEach(function (select) {
    select.addEventListener('change', function () { select.form.submit(); });
  });
  // Print buttons of the printable pages.
  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.addEventListener('click', function () { window.print(); });
  });
})();
