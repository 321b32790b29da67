// The report editor: "Add a row" adds an empty row to the comparable projects.
(function () {
  'use strict';
  var add = document.getElementById('add-comparable');
  if (!add) { return; }
  add.addEventListener('click', function () {
    var total = document.getElementById('id_comparables-TOTAL_FORMS');
    var max = parseInt(document.getElementById('id_comparables-MAX_NUM_FORMS').value, 10);
    var n = parseInt(total.value, 10);
    if (n >= max) { return; }
    var html = document.getElementById('comparable-row').innerHTML.replace(/__prefix__/g, n);
    document.querySelector('[data-testid=comparables-form] tbody').insertAdjacentHTML('beforeend', html);
    total.value = n + 1;
  });
})();
