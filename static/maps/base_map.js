/* A Leaflet map built from the settings the page hands over in #map-settings (JSON),
   so no inline script is needed under the Content-Security-Policy. */
(function () {
  "use strict";
  // Leaflet's bindPopup/bindTooltip/setContent parse a string as HTML: text from data
  // goes in as a node whose textContent it is, so markup in a name stays text.
  window.puenteTextNode = function (text, tag) {
    var node = document.createElement(tag || "span");
    node.textContent = text;
    return node;
  };

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
