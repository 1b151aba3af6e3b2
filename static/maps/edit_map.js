/* The coordinator's map editing with Leaflet.draw (bundled by django-leaflet).
   The form beside the map is the source of truth: the map only fills its fields, so
   everything can also be done with the keyboard in the form. */
(function () {
  "use strict";

  var container = document.getElementById("editmap");
  if (!container) return;
  var map = window.puenteMakeMap("editmap");
  window.puenteMap = map;

  function siteMode() {
    var lat = document.getElementById("id_lat");
    var lon = document.getElementById("id_lon");
    var marker = null;

    function place(latlng, pan) {
      if (marker) map.removeLayer(marker);
      marker = L.marker(latlng, { draggable: true, keyboard: true, title: lat.labels[0].textContent });
      marker.addTo(map);
      marker.on("dragend", function () { write(marker.getLatLng()); });
      if (pan) map.setView(latlng, Math.max(map.getZoom(), 16));
    }

    function write(latlng) {
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
    }

    function read() {
      var y = parseFloat(lat.value), x = parseFloat(lon.value);
      return isNaN(x) || isNaN(y) ? null : L.latLng(y, x);
    }

    var start = read();
    if (start) place(start, true);
    map.addControl(new L.Control.Draw({
      draw: { marker: true, polyline: false, polygon: false, rectangle: false, circle: false, circlemarker: false },
    }));
    map.on(L.Draw.Event.CREATED, function (event) {
      place(event.layer.getLatLng(), false);
      write(event.layer.getLatLng());
    });
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        var latlng = read();
        if (latlng) place(latlng, true);
      });
    });
  }

  function areaMode() {
    var form = document.getElementById("area-form");
    var shapeInput = form.elements.shape;
    var boxes = {};
    form.querySelectorAll("input[name=territories]").forEach(function (box) { boxes[box.value] = box; });
    var drawn = new L.FeatureGroup().addTo(map);
    var sectors = null;

    function style(feature) {
      var on = boxes[feature.id] && boxes[feature.id].checked;
      return {
        color: on ? "#7a1f5c" : "#0b5d8c",
        weight: on ? 2 : 1,
        fillColor: on ? "#d35fa8" : "#0b5d8c",
        fillOpacity: on ? 0.35 : 0.05,
      };
    }

    fetch(container.dataset.territoriesUrl)
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        sectors = L.geoJSON(data, {
          style: style,
          onEachFeature: function (feature, layer) {
            layer.bindTooltip(window.puenteTextNode(feature.properties.name));
            layer.on("click", function () {
              var box = boxes[feature.id];
              if (!box) return;
              box.checked = !box.checked;
              sectors.setStyle(style);
            });
          },
        }).addTo(map);
        sectors.bringToBack();
        if (sectors.getLayers().length) map.fitBounds(sectors.getBounds(), { animate: false });
        container.dataset.loaded = "true";
      });

    Object.keys(boxes).forEach(function (id) {
      boxes[id].addEventListener("change", function () { if (sectors) sectors.setStyle(style); });
    });

    map.addControl(new L.Control.Draw({
      draw: { marker: false, polyline: false, circle: false, circlemarker: false, polygon: { allowIntersection: false }, rectangle: {} },
      edit: { featureGroup: drawn, remove: true },
    }));

    function writeShape() {
      var layers = drawn.getLayers();
      if (!layers.length) { shapeInput.value = ""; return; }
      var polygons = layers.map(function (layer) { return layer.toGeoJSON().geometry.coordinates; });
      shapeInput.value = JSON.stringify({ type: "MultiPolygon", coordinates: polygons });
    }

    map.on(L.Draw.Event.CREATED, function (event) { drawn.addLayer(event.layer); writeShape(); });
    map.on(L.Draw.Event.EDITED, writeShape);
    map.on(L.Draw.Event.DELETED, writeShape);
  }

  if (container.dataset.mode === "site") siteMode();
  else areaMode();
})();
