/* 一刻钟生活圈: progress of a run, and the map with its what-if. Served by the platform. */
(function () {
  "use strict";

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { if (!r.ok) { throw body; } return body; }); });
  }

  function csrf() {
    var el = document.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }

  function pct(x) { return (x * 100).toFixed(1) + "%"; }

  // ------------------------------------------------------------------ progress
  function watchProgress(box) {
    var bar = box.querySelector("progress");
    var percent = box.querySelector("[data-testid=run-percent]");
    var status = box.querySelector("[data-testid=run-status]");
    var stage = box.querySelector("[data-testid=run-stage]");
    function poll() {
      getJSON(box.dataset.statusUrl).then(function (s) {
        bar.value = s.progress;
        percent.textContent = s.progress + "%";
        status.textContent = s.status_display;
        stage.textContent = s.stage_display && !s.finished ? "· " + s.stage_display : "";
        box.dataset.status = s.status;
        if (s.finished) {
          // Reload once so the results (or the error) are drawn by the server.
          if (box.dataset.finished !== "1") { window.location.reload(); }
          return;
        }
        window.setTimeout(poll, 700);
      }).catch(function () { window.setTimeout(poll, 2000); });
    }
    poll();
  }

  // ------------------------------------------------------------------ map
  function colour(p) {
    if (p.d === null || p.d === undefined) { return "#7f8c8d"; }
    return p.ok ? "#27ae60" : "#e67e22";
  }

  function esc(text) {
    var div = document.createElement("div");
    div.textContent = text === null || text === undefined ? "" : String(text);
    return div.innerHTML;
  }

  // One tooltip per kind of feature; every value is checked, so none reads "undefined".
  function tooltip(p, labels) {
    if (p.layer === "facility") { return esc(p.name || labels.facility); }
    var known = p.minutes !== null && p.minutes !== undefined;
    var walk = known ? (p.layer === "community" ? labels.walk : labels.walk_one).replace("%(m)s", p.minutes) : labels.none;
    if (p.layer === "community") {
      var lines = ["<b>" + esc(p.name) + "</b>"];
      if (p.households) {
        lines.push(p.households + " " + labels.households + " · " + walk);
        if (p.covered_share !== null && p.covered_share !== undefined) { lines.push(labels.covered_share + " " + pct(p.covered_share)); }
      } else {
        lines.push(esc(labels.no_compounds));
      }
      return lines.join("<br>");
    }
    var name = esc(p.name) + (p.name_generated ? " <small>(" + esc(labels.sample_name) + ")</small>" : "");
    var place = p.community ? "（" + esc(p.community) + "）" : "";
    var hh = (p.households !== null && p.households !== undefined) ? p.households + " " + labels.households + " · " : "";
    return name + place + "<br>" + hh + walk;
  }

  function drawMap(el) {
    var labels = JSON.parse(document.getElementById("lc-labels").textContent);
    var select = document.getElementById("lc-element");
    var whatIfBox = document.getElementById("lc-whatif");
    var map = L.map(el, { preferCanvas: true, zoomSnap: 0.25 });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(el.dataset.attribution);
    map.setView([30.69, 104.085], 13);
    var state = { compounds: 0, facilities: 0, coverage: null, whatIf: null, ready: false };
    window.shezhiLifecircle = { map: map, state: state };
    var layer = null;
    var grids = null;
    var gridBox = document.getElementById("lc-grids");
    var iso = null;
    var hypo = L.layerGroup().addTo(map);

    getJSON(el.dataset.basemap).then(function (fc) {
      L.geoJSON(fc, {
        style: function (f) { return { color: "#c4c4c4", weight: { 1: 3, 2: 2, 3: 1.2, 4: 0.6 }[f.properties.rank] || 1 }; },
        interactive: false,
      }).addTo(map).bringToBack();
    });

    function load(first) {
      el.dataset.ready = "0";
      hypo.clearLayers();
      if (iso) { iso.clearLayers(); }
      document.getElementById("lc-whatif-result").hidden = true;
      return getJSON(el.dataset.layers + "?element=" + encodeURIComponent(select.value)).then(function (fc) {
        if (layer) { map.removeLayer(layer); }
        var total = 0, covered = 0;
        state.compounds = 0; state.facilities = 0;
        layer = L.geoJSON(fc, {
          filter: function (f) { return f.properties.layer !== "grid"; },
          style: function (f) {
            // Community boundaries (dashed where generated for the demo, 生成（示意）); points keep their own style.
            if (f.properties.layer !== "community") { return {}; }
            return { color: "#666", weight: 1, fill: false, dashArray: f.properties.generated ? "4 4" : null };
          },
          pointToLayer: function (f, latlng) {
            var p = f.properties;
            if (p.layer === "facility") {
              state.facilities++;
              var m = L.circleMarker(latlng, { radius: 5, color: "#1f5fa8", fillColor: "#1f5fa8", fillOpacity: 0.9, weight: 1 });
              m.on("click", function (ev) { L.DomEvent.stopPropagation(ev); showIsochrone(latlng); });
              return m;
            }
            state.compounds++;
            total += p.households; if (p.ok) { covered += p.households; }
            var r = 4 + Math.min(10, Math.sqrt(p.households) / 6);
            return L.circleMarker(latlng, { radius: r, color: "#333", weight: 0.5, fillColor: colour(p), fillOpacity: 0.85 });
          },
          onEachFeature: function (f, l) { l.bindTooltip(tooltip(f.properties, labels)); },
        }).addTo(map);
        if (grids) { map.removeLayer(grids); }
        grids = L.geoJSON(fc, {
          filter: function (f) { return f.properties.layer === "grid"; },
          style: function () { return { color: "#2f7ed8", weight: 0.8, fill: false, dashArray: "2 3" }; },
          interactive: false,
        });
        state.grids = grids.getLayers().length;
        if (gridBox.checked) { grids.addTo(map); }
        state.coverage = total ? covered / total : 0;
        document.getElementById("lc-title").textContent = fc.element.name + "（" + fc.element.radius_m + " 米）";
        document.getElementById("lc-coverage").textContent = pct(state.coverage);
        var focus = el.dataset.community;
        var target = layer;
        if (first && focus) {
          var part = L.featureGroup();
          layer.eachLayer(function (l) { if (l.feature.properties.community_code === focus) { part.addLayer(l); } });
          if (part.getLayers().length) { target = part; }
        }
        if (first && target.getLayers().length) { map.fitBounds(target.getBounds(), { padding: [20, 20], animate: false }); }
        state.ready = true;
        el.dataset.ready = "1";
      }).catch(function (e) { el.dataset.error = (e && e.message) || String(e); });
    }

    iso = L.layerGroup().addTo(map);
    var ISO_COLOURS = { 5: "#1f5fa8", 10: "#5b8fd0", 15: "#a9c4e8" };
    function showIsochrone(latlng) {
      var url = el.dataset.isochrone + "?lon=" + latlng.lng.toFixed(6) + "&lat=" + latlng.lat.toFixed(6);
      getJSON(url).then(function (fc) {
        iso.clearLayers();
        var drawn = L.geoJSON(fc, {
          style: function (f) { var c = ISO_COLOURS[f.properties.minutes]; return { color: c, weight: 1, fillColor: c, fillOpacity: 0.25 }; },
          interactive: false,
        }).addTo(iso);
        if (drawn.getBounds().isValid()) { map.fitBounds(drawn.getBounds(), { padding: [20, 20], animate: false }); }
        state.isochrones = fc.features.length;
        layer.bringToFront();
      }).catch(function (e) { var err = document.getElementById("lc-error"); err.textContent = e.message || String(e); err.hidden = false; });
    }

    map.on("click", function (ev) {
      if (!whatIfBox.checked) { return; }
      var body = new URLSearchParams({ element: select.value, lon: ev.latlng.lng.toFixed(6), lat: ev.latlng.lat.toFixed(6) });
      var err = document.getElementById("lc-error");
      err.hidden = true;
      fetch(el.dataset.whatif, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
      }).then(function (r) { return r.json().then(function (b) { if (!r.ok) { throw b; } return b; }); })
        .then(function (res) {
          hypo.clearLayers();
          L.circleMarker(ev.latlng, { radius: 7, color: "#8e44ad", fillColor: "#8e44ad", fillOpacity: 0.9 }).addTo(hypo);
          state.whatIf = res;
          document.getElementById("lc-whatif-result").hidden = false;
          document.getElementById("lc-coverage-after").textContent = pct(res.coverage_after) + "（" + pct(res.coverage_before) + " → " + pct(res.coverage_after) + "）";
          document.getElementById("lc-gained").textContent = Math.round(res.households_gained);
          document.getElementById("lc-gaps").textContent = res.gaps_before + " → " + res.gaps_after;
          var gained = {};
          res.compounds_gained.forEach(function (id) { gained[id] = true; });
          layer.eachLayer(function (l) {
            var p = l.feature.properties;
            if (p.layer === "compound" && gained[p.id]) { l.setStyle({ fillColor: "#8e44ad" }); }
          });
        })
        .catch(function (e) { err.textContent = (e && e.message) ? e.message + " / " + (e.message_en || "") : String(e); err.hidden = false; });
    });
    select.addEventListener("change", function () { load(false); });
    gridBox.addEventListener("change", function () {
      if (!grids) { return; }
      if (gridBox.checked) { grids.addTo(map); } else { map.removeLayer(grids); }
    });
    load(true);
  }

  function drawSiting(el) {
    var sites = JSON.parse(document.getElementById("siting-sites").textContent);
    var labels = JSON.parse(document.getElementById("lc-labels").textContent);
    var map = L.map(el, { preferCanvas: true, zoomSnap: 0.25 });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(el.dataset.attribution);
    map.setView([30.69, 104.085], 13);
    window.shezhiSiting = { map: map, sites: sites.length };
    getJSON(el.dataset.basemap).then(function (fc) {
      L.geoJSON(fc, { style: function () { return { color: "#c4c4c4", weight: 1 }; }, interactive: false }).addTo(map).bringToBack();
    });
    var gained = {};
    sites.forEach(function (s) { s.compounds.forEach(function (id) { gained[id] = true; }); });
    getJSON(el.dataset.layers).then(function (fc) {
      var layer = L.geoJSON(fc, {
        filter: function (f) { return f.properties.layer !== "grid"; },
        style: function (f) {
          if (f.properties.layer !== "community") { return {}; }
          return { color: "#666", weight: 1, fill: false, dashArray: f.properties.generated ? "4 4" : null };
        },
        pointToLayer: function (f, latlng) {
          var p = f.properties;
          if (p.layer === "facility") {
            return L.circleMarker(latlng, { radius: 4, color: "#1f5fa8", fillColor: "#1f5fa8", fillOpacity: 0.9, weight: 1 });
          }
          var fill = gained[p.id] ? "#8e44ad" : colour(p);
          return L.circleMarker(latlng, { radius: 4 + Math.min(10, Math.sqrt(p.households) / 6), color: "#333", weight: 0.5, fillColor: fill, fillOpacity: 0.85 });
        },
        onEachFeature: function (f, l) { l.bindTooltip(tooltip(f.properties, labels)); },
      }).addTo(map);
      var marks = sites.map(function (s, i) {
        return L.marker([s.lat, s.lon], { title: (i + 1) + ". " + s.title }).bindTooltip((i + 1) + ". " + esc(s.title), { permanent: true });
      });
      var group = L.featureGroup(marks).addTo(map);
      var bounds = layer.getBounds();
      if (marks.length) { bounds.extend(group.getBounds()); }
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [20, 20], animate: false }); }
      el.dataset.ready = "1";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var siting = document.getElementById("siting-map");
    if (siting) { drawSiting(siting); }
    var box = document.getElementById("run-progress");
    if (box && box.dataset.finished !== "1") { watchProgress(box); }
    else if (box) { box.querySelector("[data-testid=run-stage]").textContent = ""; }
    var el = document.getElementById("lc-map");
    if (el) { drawMap(el); }
  });
})();
