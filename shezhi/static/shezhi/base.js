// Every page. Kept out of the HTML so the Content-Security-Policy needs no inline script.
(function () {
  // A <select data-autosubmit> submits its form when changed (the language switch).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // On a phone a list table is shown as cards (app.css); each cell is labelled with its
  // column's heading, so a card reads "状态 办理中" rather than a bare value.
  function labelCells(table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (!heads.length) { return; }
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        var label = heads[column];
        var span = parseInt(cell.getAttribute("colspan") || "1", 10);
        if (label && span === 1 && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", label); }
        column += span;
      });
    });
  }
  function labelAll(root) { root.querySelectorAll("table.list").forEach(labelCells); }
  labelAll(document);
  // Tables filled in later by a page's script (what-if results, run progress) get labels too.
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      change.addedNodes.forEach(function (node) {
        if (node.nodeType !== 1) { return; }
        var table = node.closest ? node.closest("table.list") : null;
        if (table) { labelCells(table); } else if (node.querySelectorAll) { labelAll(node); }
      });
    });
  }).observe(document.body, { childList: true, subtree: true });

  // "返回上一页" on the error pages: shown only when there is a page to go back to.
  document.querySelectorAll("[data-back]").forEach(function (button) {
    if (window.history.length > 1) { button.hidden = false; }
    button.addEventListener("click", function () { window.history.back(); });
  });

  // Leaflet's own controls speak English; in the Chinese UI they say it in Chinese.
  var LEAFLET_ZH = { "Zoom in": "放大", "Zoom out": "缩小", "Layers": "图层" };
  var chinese = /^zh/i.test(document.documentElement.lang || "");
  function translateLeaflet(root) {
    if (!chinese || !root.querySelectorAll) { return; }
    root.querySelectorAll(".leaflet-control a[title], .leaflet-control a[aria-label]").forEach(function (a) {
      ["title", "aria-label"].forEach(function (name) {
        var value = a.getAttribute(name);
        if (value && LEAFLET_ZH[value]) { a.setAttribute(name, LEAFLET_ZH[value]); }
      });
    });
  }
  translateLeaflet(document);
  new MutationObserver(function (changes) {
    changes.forEach(function (change) { change.addedNodes.forEach(translateLeaflet); });
  }).observe(document.body, { childList: true, subtree: true });

  // A menu (<details>) closes when the user taps elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.usermenu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.removeAttribute("open"); }
    });
  });
}());
