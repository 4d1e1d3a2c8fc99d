/* 随手拍 map pin: tap the map to set the case's location (WGS-84, the platform's base map).
   The map opens on the user's own grid or community (#pin-area), else on the city centre. */
(function () {
  "use strict";
  var el = document.getElementById("pin-map");
  if (!el || !window.L) { return; }
  var lat = document.querySelector("input[name=lat]");
  var lon = document.querySelector("input[name=lon]");
  var status = document.getElementById("pin-status");
  var map = L.map(el, { preferCanvas: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(el.dataset.attribution || "© OpenStreetMap contributors");
  map.setView([30.69, 104.085], 14);
  fetch(el.dataset.basemap, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (fc) {
    L.geoJSON(fc, { style: function () { return { color: "#b9b9b9", weight: 1 }; }, interactive: false }).addTo(map);
  }).catch(function () {});
  var areaNode = document.getElementById("pin-area");
  var area = areaNode ? JSON.parse(areaNode.textContent) : null;
  if (area) {
    var layer = L.geoJSON(area, { style: { color: "#2f7ed8", weight: 2, fillOpacity: 0.05 }, interactive: false }).addTo(map);
    map.fitBounds(layer.getBounds(), { maxZoom: 17 });
  }
  var marker = null;
  function set(latlng) {
    lat.value = latlng.lat.toFixed(7);
    lon.value = latlng.lng.toFixed(7);
    if (marker) { marker.setLatLng(latlng); } else { marker = L.circleMarker(latlng, { radius: 8, color: "#c0392b" }).addTo(map); }
    status.textContent = (el.dataset.chosen || "") + lon.value + ", " + lat.value;
    status.dataset.set = "1";
  }
  map.on("click", function (e) { set(e.latlng); });
  if (lat.value && lon.value) {
    set(L.latLng(parseFloat(lat.value), parseFloat(lon.value)));
    map.setView([parseFloat(lat.value), parseFloat(lon.value)], 16);
  }
  window.shezhiPin = { map: map, set: function (la, lo) { set(L.latLng(la, lo)); } };
  if (navigator.geolocation && !lat.value) {
    navigator.geolocation.getCurrentPosition(function (p) { set(L.latLng(p.coords.latitude, p.coords.longitude)); map.setView([p.coords.latitude, p.coords.longitude], 16); }, function () {});
  }
}());
