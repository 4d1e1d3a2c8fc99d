/* The small map of a case page: where the case is, on the platform's base map, with its grid. */
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  if (!el || !window.L) { return; }
  var map = L.map(el, { preferCanvas: true, scrollWheelZoom: false });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(el.dataset.attribution || "© OpenStreetMap contributors");
  var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
  var areaNode = document.getElementById("case-area");
  var area = areaNode ? JSON.parse(areaNode.textContent) : null;
  var layer = area ? L.geoJSON(area, { style: { color: "#2f7ed8", weight: 2, fillOpacity: 0.06 }, interactive: false }).addTo(map) : null;
  if (isFinite(lat) && isFinite(lon)) {
    map.setView([lat, lon], 16);
    L.circleMarker([lat, lon], { radius: 9, color: "#c0392b", fillOpacity: 0.8 }).addTo(map);
  } else if (layer) {
    map.fitBounds(layer.getBounds(), { maxZoom: 16 });
  } else {
    map.setView([30.69, 104.085], 12);
  }
  fetch(el.dataset.basemap, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (fc) {
    L.geoJSON(fc, { style: function () { return { color: "#b9b9b9", weight: 1 }; }, interactive: false }).addTo(map);
    if (layer) { layer.bringToFront(); }
    el.dataset.ready = "1";
  }).catch(function () { el.dataset.ready = "1"; });
  window.shezhiCaseMap = map;
}());
