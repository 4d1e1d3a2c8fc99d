/* Intake forms: show the chosen category's questions, check the photo size, submit once. */
(function () {
  "use strict";
  var form = document.querySelector("form.intake");
  if (!form) { return; }
  var select = form.querySelector("select[name=category]");
  var groups = Array.prototype.slice.call(form.querySelectorAll("fieldset.attrs"));
  function showGroup() {
    var chosen = select ? select.value : "";
    groups.forEach(function (g) {
      var on = g.dataset.category === chosen;
      g.hidden = !on;
      g.disabled = !on;
    });
  }
  if (select) { select.addEventListener("change", showGroup); }
  showGroup();

  var selfHandle = form.querySelector("input[name=self_handle]");
  var selfNote = form.querySelector("[data-field=self_handled_note]");
  function showSelf() { if (selfNote) { selfNote.hidden = !(selfHandle && selfHandle.checked); } }
  if (selfHandle) { selfHandle.addEventListener("change", showSelf); }
  showSelf();

  var photo = form.querySelector("input[name=photo]");
  var photoError = document.getElementById("photo-client-error");
  function photoTooLarge() {
    var max = parseInt(photo.dataset.maxBytes, 10);
    return photo.files && photo.files[0] && max && photo.files[0].size > max;
  }
  if (photo && photoError) {
    photo.addEventListener("change", function () {
      photoError.hidden = !photoTooLarge();
      photoError.textContent = photoTooLarge() ? photo.dataset.tooLarge : "";
    });
  }

  var sent = false;
  form.addEventListener("submit", function (e) {
    if (photo && photoTooLarge()) { e.preventDefault(); photoError.hidden = false; photoError.textContent = photo.dataset.tooLarge; photo.focus(); return; }
    if (sent) { e.preventDefault(); return; }
    sent = true;
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; button.textContent = button.dataset.busy || button.textContent; }
  });
  // Back to this page from the next one (bfcache): the form may be sent again (the token
  // makes a repeat return the case already made).
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) { return; }
    sent = false;
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = false; }
  });
  window.shezhiIntake = { showGroup: showGroup };
}());
