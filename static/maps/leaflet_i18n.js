/* Leaflet's and Leaflet.draw's own words in the page's language. The strings come from
   the site's catalog as JSON (#leaflet-i18n, templates/leaflet/_i18n.html); this file
   runs after leaflet.js (and leaflet.draw.js) and before any map is made, so every map
   of the page, and every toolbar drawn on it, starts with them. */
(function () {
  "use strict";
  var source = document.getElementById("leaflet-i18n");
  if (!source || !window.L) return;
  var t = JSON.parse(source.textContent);

  function escapeHtml(text) {
    var node = document.createElement("span");
    node.textContent = text;
    return node.innerHTML;
  }

  // The zoom buttons' titles and labels; the marker's alt text when none is given.
  L.Control.Zoom.prototype.options.zoomInTitle = t.zoom_in;
  L.Control.Zoom.prototype.options.zoomOutTitle = t.zoom_out;
  L.Marker.prototype.options.alt = t.marker;
  // The attribution's "Leaflet" link keeps its flag and address; its title is translated.
  var attribution = L.Control.Attribution.prototype.options;
  if (typeof attribution.prefix === "string") {
    attribution.prefix = attribution.prefix.replace(/title="[^"]*"/, 'title="' + escapeHtml(t.leaflet_title) + '"');
  }
  // Leaflet writes "Close popup" on the popup's close button itself.
  L.Map.addInitHook(function () {
    this.on("popupopen", function (event) {
      var button = event.popup.getElement() && event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (button) button.setAttribute("aria-label", t.close_popup);
    });
  });

  // Leaflet.draw reads L.drawLocal when it builds a toolbar or a tooltip. Its tooltips
  // are set as HTML, so every string goes in escaped.
  function merge(target, strings) {
    Object.keys(strings).forEach(function (key) {
      var value = strings[key];
      if (value && typeof value === "object") {
        if (!target[key] || typeof target[key] !== "object") target[key] = {};
        merge(target[key], value);
      } else if (typeof value === "string" && key in target) {
        target[key] = escapeHtml(value);
      }
    });
  }
  if (L.drawLocal) {
    var polyline = t.draw.handlers.polyline;
    merge(L.drawLocal.draw, t.draw);
    merge(L.drawLocal.edit, t.edit);
    L.drawLocal.draw.handlers.polyline.error =
      "<strong>" + escapeHtml(polyline.error_label) + "</strong> " + escapeHtml(polyline.error);
  }
})();
