/* 社智 maps: Leaflet drawing on a canvas, every layer served by the platform itself. */
(function () {
  "use strict";
  var KIND_COLOURS = { total: "#7a5195", general: "#2f7ed8", micro: "#ef5675", dedicated: "#ffa600" };
  var LEVEL_STYLE = {
    district: { color: "#222", weight: 3, fill: false },
    street: { color: "#555", weight: 2, dashArray: "6 4", fill: false },
    community: { color: "#888", weight: 1, fill: false },
  };

  function labels() {
    var el = document.getElementById("map-labels");
    return el ? JSON.parse(el.textContent) : {};
  }

  function escapeHtml(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(url + " " + r.status); } return r.json(); });
  }

  function newMap(el) {
    var map = L.map(el, { preferCanvas: true, zoomSnap: 0.25 });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(escapeHtml(el.dataset.attribution || "© OpenStreetMap contributors"));
    map.setView([30.69, 104.085], 13);
    return map;
  }

  function drawOverview(el) {
    var t = labels();
    var map = newMap(el);
    var overlays = {};
    var status = { basemap: 0, division: 0, grid: 0, compound: 0, ready: false };
    window.shezhiMap = { map: map, status: status };
    var basemap = getJSON(el.dataset.basemap).then(function (fc) {
      var layer = L.geoJSON(fc, {
        style: function (f) {
          var w = { 1: 3, 2: 2, 3: 1.2, 4: 0.6 }[f.properties.rank] || 1;
          return { color: "#b9b9b9", weight: w, opacity: 0.9 };
        },
        interactive: false,
      }).addTo(map);
      status.basemap = fc.features.length;
      overlays[t.basemap || "basemap"] = layer;
    });
    var layers = getJSON(el.dataset.layers).then(function (fc) {
      var groups = { district: [], street: [], community: [], grid: [], compound: [] };
      fc.features.forEach(function (f) {
        var p = f.properties;
        if (p.layer === "division") { groups[p.level].push(f); status.division++; }
        else if (p.layer === "grid") { groups.grid.push(f); status.grid++; }
        else if (p.layer === "compound") { groups.compound.push(f); status.compound++; }
      });
      var gen = t.generated || "generated";
      var grids = L.geoJSON(groups.grid, {
        style: function (f) {
          var c = KIND_COLOURS[f.properties.kind] || "#2f7ed8";
          return { color: c, weight: f.properties.kind === "total" ? 2 : 1, fillColor: c,
                   fillOpacity: f.properties.kind === "total" ? 0.03 : 0.15 };
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          l.bindPopup("<b>" + escapeHtml(p.name) + "</b><br><code>" + escapeHtml(p.code) + "</code>" +
            (p.source === "generated" ? "<br><i>" + escapeHtml(gen) + "</i>" : "") +
            '<br><a href="/places/grids/' + encodeURIComponent(p.code) + '/">»</a>');
        },
      });
      ["community", "street", "district"].forEach(function (level) {
        if (!groups[level].length) { return; }
        var layer = L.geoJSON(groups[level], {
          style: function () { return LEVEL_STYLE[level]; },
          onEachFeature: function (f, l) { l.bindTooltip(escapeHtml(f.properties.name), { sticky: true }); },
        }).addTo(map);
        overlays[t[level] || level] = layer;
      });
      grids.addTo(map);
      overlays[t.grid || "grid"] = grids;
      var compounds = L.geoJSON(groups.compound, {
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, { radius: 4, color: "#b30000", weight: 1, fillColor: "#ff4d4d", fillOpacity: 0.9 });
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          l.bindPopup("<b>" + escapeHtml(p.name) + "</b><br>" + escapeHtml(t.households || "households") + ": " +
            escapeHtml(p.households == null ? "—" : p.households) + (p.estimated ? " (" + escapeHtml(t.estimated) + ")" : ""));
        },
      }).addTo(map);
      overlays[t.compound || "compound"] = compounds;
      var focus = groups.grid.length ? grids : null;
      if (focus && focus.getBounds().isValid()) { map.fitBounds(focus.getBounds(), { padding: [10, 10] }); }
    });
    Promise.all([basemap, layers]).then(function () {
      L.control.layers(null, overlays, { collapsed: false }).addTo(map);
      status.ready = true;
      el.dataset.ready = "1";
    }).catch(function (err) {
      el.dataset.error = String(err);
      el.insertAdjacentHTML("beforebegin", '<p class="error" role="alert">' + escapeHtml(err) + "</p>");
    });
  }

  function drawGrid(el) {
    var map = newMap(el);
    getJSON(el.dataset.boundary).then(function (g) {
      var layer = L.geoJSON(g.boundary, { style: { color: KIND_COLOURS[g.kind] || "#2f7ed8", weight: 2, fillOpacity: 0.2 } }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [10, 10] });
      el.dataset.ready = "1";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var overview = document.getElementById("map");
    if (overview) { drawOverview(overview); }
    var grid = document.getElementById("grid-map");
    if (grid) { drawGrid(grid); }
  });
})();
