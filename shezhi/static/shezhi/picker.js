// Pickers instead of walls (shezhi/common/pickers.py). Each <input data-picker> is a text
// field that works without JavaScript (type a code or an exact name). Here it becomes a
// button that opens a search box and a list fed by the picker's JSON endpoint, scoped on
// the server to the user's area; divisions browse as a tree.
// Keyboard: ↑/↓ move, Enter chooses (or opens a branch that cannot be chosen), → opens the
// branch, ← goes up one level, Esc closes.
(function () {
  "use strict";
  var counter = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function enhance(input) {
    var t = {};
    try { t = JSON.parse(input.getAttribute("data-picker-text") || "{}"); } catch (e) { t = {}; }
    var kind = input.getAttribute("data-picker");
    var url = input.getAttribute("data-picker-url");
    var levels = input.getAttribute("data-picker-levels") || "";
    var id = "picker-" + (++counter);
    var wrapper = input.closest(".picker-field") || input.parentNode;
    var fallback = wrapper.querySelector("[data-picker-current]");
    var label = input.getAttribute("data-picker-label") || "";

    input.type = "hidden";
    if (fallback) { fallback.hidden = true; }

    var toggle = el("button", {
      type: "button", "class": "picker-toggle", "aria-haspopup": "listbox", "aria-expanded": "false",
      "data-testid": "picker-" + input.name
    });
    var panel = el("div", { "class": "picker-panel", id: id + "-panel" });
    panel.hidden = true;
    var search = el("input", {
      type: "search", "class": "picker-search", role: "combobox", "aria-autocomplete": "list",
      "aria-expanded": "true", "aria-controls": id + "-list", placeholder: input.placeholder || "",
      "aria-label": t.search || "", autocomplete: "off"
    });
    var crumbs = el("div", { "class": "picker-crumbs" });
    var list = el("ul", { "class": "picker-list", role: "listbox", id: id + "-list" });
    var status = el("p", { "class": "picker-status", role: "status", "aria-live": "polite" });
    panel.appendChild(search);
    panel.appendChild(crumbs);
    panel.appendChild(list);
    panel.appendChild(status);
    wrapper.appendChild(toggle);
    if (!input.required) {
      var clear = el("button", { type: "button", "class": "picker-clear" }, t.clear || "×");
      clear.addEventListener("click", function () { choose(null); });
      wrapper.appendChild(clear);
    }
    wrapper.appendChild(panel);

    var items = [];
    var active = -1;
    var parent = "";
    var timer = null;
    var seq = 0;

    function showLabel() {
      toggle.textContent = label || t.choose || "…";
      toggle.classList.toggle("empty", !label);
    }
    showLabel();

    function load() {
      var q = search.value.trim();
      var params = new URLSearchParams();
      if (q) { params.set("q", q); } else if (parent) { params.set("parent", parent); }
      if (levels) { params.set("levels", levels); }
      var mine = ++seq;
      status.textContent = t.loading || "";
      fetch(url + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { items: [], crumbs: [] }; })
        .then(function (data) { if (mine === seq) { render(data, q); } })
        .catch(function () { if (mine === seq) { status.textContent = t.failed || ""; } });
    }

    function render(data, q) {
      items = data.items || [];
      list.textContent = "";
      crumbs.textContent = "";
      if (kind === "division" && !q) {
        var top = el("button", { type: "button", "class": "picker-crumb" }, t.top || "⌂");
        top.addEventListener("click", function () { go(""); });
        crumbs.appendChild(top);
        (data.crumbs || []).forEach(function (c) {
          crumbs.appendChild(document.createTextNode(" › "));
          var b = el("button", { type: "button", "class": "picker-crumb" }, c.label);
          b.addEventListener("click", function () { go(c.value); });
          crumbs.appendChild(b);
        });
      }
      items.forEach(function (item, i) {
        var li = el("li", { role: "option", id: id + "-opt-" + i, "class": "picker-option", "aria-selected": "false" });
        if (!item.selectable) { li.classList.add("branch-only"); li.setAttribute("aria-disabled", "true"); }
        var main = el("span", { "class": "picker-label" }, item.label);
        li.appendChild(main);
        var sub = [item.path, item.hint].filter(Boolean).join(" · ");
        if (sub) { li.appendChild(el("small", {}, sub)); }
        if (item.children && !q) {
          var open = el("button", { type: "button", "class": "picker-open", tabindex: "-1", "aria-label": (t.open || "›") + " " + item.label }, "›");
          open.addEventListener("click", function (ev) { ev.stopPropagation(); go(item.value); });
          li.appendChild(open);
        }
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); });
        li.addEventListener("click", function () { pick(i); });
        list.appendChild(li);
      });
      status.textContent = items.length ? "" : (t.none || "");
      setActive(items.length ? 0 : -1);
    }

    function setActive(i) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (o, j) { o.classList.toggle("active", j === i); o.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (i >= 0 && options[i]) {
        search.setAttribute("aria-activedescendant", options[i].id);
        options[i].scrollIntoView({ block: "nearest" });
      } else {
        search.removeAttribute("aria-activedescendant");
      }
    }

    function go(code) { parent = code; search.value = ""; load(); search.focus(); }

    function pick(i) {
      var item = items[i];
      if (!item) { return; }
      if (!item.selectable) { if (item.children) { go(item.value); } return; }
      choose(item);
    }

    function choose(item) {
      input.value = item ? item.value : "";
      label = item ? item.label : "";
      showLabel();
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
      toggle.focus();
    }

    function openPanel() {
      panel.hidden = false;
      toggle.setAttribute("aria-expanded", "true");
      search.value = "";
      load();
      search.focus();
    }

    function close() {
      panel.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
    }

    toggle.addEventListener("click", function () { if (panel.hidden) { openPanel(); } else { close(); } });
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(load, 200);
    });
    search.addEventListener("keydown", function (ev) {
      var empty = search.value === "";
      if (ev.key === "ArrowDown") { ev.preventDefault(); setActive(Math.min(items.length - 1, active + 1)); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); setActive(Math.max(0, active - 1)); }
      else if (ev.key === "Enter") { ev.preventDefault(); pick(active); }
      else if (ev.key === "Escape") { ev.preventDefault(); close(); toggle.focus(); }
      else if (ev.key === "ArrowRight" && empty && items[active] && items[active].children) { ev.preventDefault(); go(items[active].value); }
      else if (ev.key === "ArrowLeft" && empty && kind === "division" && parent) {
        ev.preventDefault();
        var links = crumbs.querySelectorAll(".picker-crumb");
        var up = links.length >= 3 ? links[links.length - 2] : links[0];
        if (up) { up.click(); }
      }
    });
    document.addEventListener("click", function (ev) {
      if (!panel.hidden && !wrapper.contains(ev.target)) { close(); }
    });
  }

  document.querySelectorAll("input[data-picker]").forEach(enhance);
}());
