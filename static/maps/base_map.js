/* A Leaflet map built from the settings the page hands over in #map-settings (JSON),
   so no inline script is needed under the Content-Security-Policy. */
(function () {
  "use strict";
  window.puenteMakeMap = function (id) {
    var settings = JSON.parse(document.getElementById("map-settings").textContent);
    var map = L.map(id, {
      center: settings.center,
      zoom: settings.zoom,
      minZoom: settings.min_zoom,
      maxZoom: settings.max_zoom,
      keyboard: true,
    });
    if (settings.tiles) {
      L.tileLayer(settings.tiles, { attribution: settings.attribution, maxZoom: settings.max_zoom }).addTo(map);
    }
    map.getContainer().setAttribute("role", "application");
    return map;
  };
})();
