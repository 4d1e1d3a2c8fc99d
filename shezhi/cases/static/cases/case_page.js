/* Case page: reveal the reporter's contact (with a logged reason); filter the 吹哨 unit picker. */
(function () {
  "use strict";
  var b = document.getElementById("reveal");
  if (b) {
    b.addEventListener("click", function () {
      var token = document.querySelector("input[name=csrfmiddlewaretoken]");
      var reason = document.getElementById("reveal-reason");
      if (!reason || reason.value.trim().length < 4) {
        document.getElementById("reveal-error").textContent = b.dataset.needReason;
        if (reason) { reason.focus(); }
        return;
      }
      var body = new URLSearchParams({ reason: reason.value });
      fetch(b.dataset.url, { method: "POST", credentials: "same-origin", body: body, headers: { "X-CSRFToken": token ? token.value : "" } })
        .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, d: d }; }); })
        .then(function (res) {
          if (!res.ok) { document.getElementById("reveal-error").textContent = res.d.text || res.d.message; return; }
          document.querySelector("[data-testid=reporter]").textContent = (res.d.name || "") + " " + (res.d.phone || "");
          document.querySelector("[data-testid=reveal-box]").remove();
        });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".picker"), function (picker) {
    var search = picker.querySelector(".picker-search");
    var count = picker.querySelector(".picker-count");
    var items = Array.prototype.slice.call(picker.querySelectorAll(".picker-item"));
    function update() {
      var q = (search.value || "").trim().toLowerCase();
      items.forEach(function (item) {
        var box = item.querySelector("input");
        item.hidden = q !== "" && !box.checked && item.textContent.toLowerCase().indexOf(q) < 0;
      });
      Array.prototype.forEach.call(picker.querySelectorAll(".picker-group"), function (group) {
        group.hidden = !group.querySelector(".picker-item:not([hidden])");
      });
      var n = items.filter(function (i) { return i.querySelector("input").checked; }).length;
      count.textContent = n ? count.dataset.template.replace("{n}", n) : "";
    }
    search.addEventListener("input", update);
    picker.addEventListener("change", update);
    update();
  });
}());
