// Every page: a <select data-autosubmit> submits its form when changed (the language switch).
// Kept out of the HTML so the Content-Security-Policy needs no inline script.
(function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
}());
