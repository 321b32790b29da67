// Rows added to the order contract form's lines and batches: a copy of the
// formset's empty form with its index, and the formset's count raised.
document.querySelectorAll("[data-add-row]").forEach(function (button) {
  button.addEventListener("click", function () {
    var prefix = button.getAttribute("data-add-row");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var template = document.querySelector('template[data-empty="' + prefix + '"]');
    var body = document.querySelector('table[data-formset="' + prefix + '"] tbody');
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    var number = body.lastElementChild.querySelector(".line-no");
    if (number) {
      number.textContent = String(index + 1);
    }
    total.value = String(index + 1);
  });
});
