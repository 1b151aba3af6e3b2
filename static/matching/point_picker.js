/* A small map beside the latitude/longitude fields: a click sets the point.
   The fields work on their own; the map only helps to fill them. */
(function () {
  "use strict";

  window.puentePointPicker = function (map) {
    var lat = document.getElementById("id_latitude");
    var lon = document.getElementById("id_longitude");
    if (!lat || !lon) return;
    var t = JSON.parse(document.getElementById("point-i18n").textContent);
    var marker = null;

    function place(latlng, pan) {
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.marker(latlng, { title: t.home, alt: t.home }).addTo(map);
      }
      if (pan) map.setView(latlng, Math.max(map.getZoom(), 14));
    }

    function fromFields(pan) {
      var y = parseFloat(lat.value);
      var x = parseFloat(lon.value);
      if (isFinite(y) && isFinite(x) && Math.abs(y) <= 90 && Math.abs(x) <= 180) {
        place(L.latLng(y, x), pan);
      }
    }

    map.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(6);
      lon.value = event.latlng.lng.toFixed(6);
      place(event.latlng, false);
    });
    ["change", "input"].forEach(function (type) {
      lat.addEventListener(type, function () { fromFields(type === "change"); });
      lon.addEventListener(type, function () { fromFields(type === "change"); });
    });
    fromFields(true);
  };
})();
