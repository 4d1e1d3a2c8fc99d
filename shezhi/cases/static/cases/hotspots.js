/* Hotspot layer: compounds with cases, sized by cases per 1,000 households, top 5% in red. */
(function () {
  "use strict";
  var el = document.getElementById("hotspot-map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { preferCanvas: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(el.dataset.attribution || "© OpenStreetMap contributors");
  map.setView([30.69, 104.085], 13);
  function get(url) { return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }); }
  get(el.dataset.basemap).then(function (fc) {
    L.geoJSON(fc, { style: function () { return { color: "#c8c8c8", weight: 1 }; }, interactive: false }).addTo(map);
  });
  get(el.dataset.layer).then(function (fc) {
    var layer = L.geoJSON(fc, {
      pointToLayer: function (f, latlng) {
        var p = f.properties;
        var r = 4 + Math.min(16, Math.sqrt(p.per_thousand || p.cases || 1) * 2);
        return L.circleMarker(latlng, { radius: r, color: p.top ? "#c0392b" : "#2f7ed8", weight: 1, fillOpacity: 0.6 });
      },
      onEachFeature: function (f, l) {
        var p = f.properties, t = document.createElement("div");
        t.textContent = p.name + "：" + p.cases + " 件" + (p.per_thousand != null ? "，每千户 " + p.per_thousand : "");
        l.bindTooltip(t);
      },
    }).addTo(map);
    if (fc.features.length) { map.fitBounds(layer.getBounds().pad(0.2)); }
    window.shezhiHotspots = { map: map, count: fc.features.length };
  });
}());
