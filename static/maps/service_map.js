/* The public service map: markers on Leaflet and the same services listed beside it. */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function popupContent(props, t) {
    var box = el("div", "popup");
    box.appendChild(el("strong", null, props.name));
    box.appendChild(el("div", null, props.organization));
    box.appendChild(el("div", null, props.address));
    box.appendChild(el("div", null, props.categories.join(", ")));
    box.appendChild(el("div", null, t.slots + ": " + props.capacity));
    return box;
  }

  window.puenteServiceMap = function (map) {
    var t = JSON.parse(document.getElementById("map-i18n").textContent);
    var list = document.getElementById("service-list");
    var count = document.getElementById("result-count");
    var layer = L.featureGroup().addTo(map);
    var url = window.PUENTE_DATA_URL + window.location.search;

    fetch(window.PUENTE_TERRITORIES_URL)
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        L.geoJSON(data, {
          interactive: false,
          style: { color: "#0b5d8c", weight: 1, opacity: 0.6, fillColor: "#0b5d8c", fillOpacity: 0.04 },
        }).addTo(map).bringToBack();
      });

    fetch(url, { headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        list.textContent = "";
        data.features.forEach(function (feature) {
          var props = feature.properties;
          var coords = feature.geometry.coordinates;
          var marker = L.marker([coords[1], coords[0]], { title: props.name, alt: props.name });
          marker.bindPopup(popupContent(props, t));
          layer.addLayer(marker);

          var item = el("li", "service-item");
          item.dataset.serviceId = props.service_id;
          var button = el("button", "service-link", props.name);
          button.type = "button";
          button.addEventListener("click", function () {
            map.setView(marker.getLatLng(), Math.max(map.getZoom(), 15));
            marker.openPopup();
          });
          item.appendChild(button);
          item.appendChild(el("div", "meta", props.organization));
          item.appendChild(el("div", "meta", props.address + " · " + props.territory));
          item.appendChild(el("div", "meta", props.categories.join(", ")));
          item.appendChild(el("div", "slots", t.slots + ": " + props.capacity));
          list.appendChild(item);
        });
        var services = {};
        data.features.forEach(function (f) { services[f.properties.service_id] = true; });
        count.textContent = t.count
          .replace("%(services)s", Object.keys(services).length)
          .replace("%(places)s", data.features.length);
        if (data.features.length) map.fitBounds(layer.getBounds(), { padding: [20, 20] });
      })
      .catch(function () {
        count.textContent = t.error;
      });
  };
})();
