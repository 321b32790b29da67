// The admin's periodic task form (django-celery-beat): the chosen crontab in words,
// under the crontab field. Its own inline script, moved here for the CSP.
(function () {
  'use strict';
  var script = document.currentScript;
  var data = document.getElementById('readable-crontabs');
  var select = document.getElementById('id_crontab');
  if (!data || !select) { return; }
  var readable = JSON.parse(data.textContent);
  var help = document.querySelector('.field-crontab .help');
  var line = document.createElement('div');
  if (help) { help.appendChild(line); }
  var translation = document.querySelector('.field-crontab_translation');
  if (translation) { translation.hidden = true; }
  function show() {
    var words = readable[select.value];
    line.textContent = words ? script.dataset.label + ': ' + words : '';
  }
  select.addEventListener('change', show);
  show();
})();
