/* Search page: plots the results listed beside the map and fills lat/lon from the device. */
(function () {
  "use strict";
  var t = JSON.parse(document.getElementById("search-i18n").textContent);

  // The popup of a result's marker: its name as a link to the service card, and who
  // offers it. Built from nodes with textContent: the names are data, never markup.
  function resultPopup(item, name) {
    var popup = document.createElement("div");
    popup.className = "result-popup";
    var link = document.createElement("a");
    link.href = item.dataset.cardUrl;
    link.textContent = name;
    var heading = document.createElement("strong");
    heading.appendChild(link);
    popup.appendChild(heading);
    var meta = item.querySelector(".meta");
    if (meta) popup.appendChild(window.puenteTextNode(meta.textContent, "div"));
    return popup;
  }

  window.puenteSearchMap = function (map) {
    var layer = L.featureGroup().addTo(map);
    document.querySelectorAll("#results .service-item[data-lat]").forEach(function (item) {
      var name = item.querySelector(".result-name").textContent;
      var marker = L.marker([parseFloat(item.dataset.lat), parseFloat(item.dataset.lon)], {
        title: name, alt: name,
      });
      marker.bindPopup(resultPopup(item, name));
      layer.addLayer(marker);
    });
    if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 16 });
  };

  var button = document.getElementById("use-location");
  var status = document.getElementById("location-status");
  button.addEventListener("click", function () {
    if (!navigator.geolocation) { status.textContent = t.unavailable; return; }
    status.textContent = t.locating;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        document.getElementById("id_lat").value = position.coords.latitude.toFixed(6);
        document.getElementById("id_lon").value = position.coords.longitude.toFixed(6);
        status.textContent = t.located;
      },
      function () { status.textContent = t.denied; },
      { timeout: 10000 }
    );
  });
})();

window.puenteMap = window.puenteMakeMap("searchmap");
window.puenteSearchMap(window.puenteMap);
