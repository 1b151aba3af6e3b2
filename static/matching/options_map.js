/* Referral options on a map: the child's home, the eligible services numbered by rank,
   and the excluded ones greyed out with their reasons on hover. The list beside the
   map holds the same information and works without this script. */
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /* The option's own "Refer" form from the list, copied into the popup: it posts to the
     same view with the same CSRF token and fields, so the map adds no second path. */
  function referForm(option) {
    var source = document.querySelector("#option-" + option.id + " form.refer-form");
    if (!source) return null;
    var wrapper = el("div", "popup-refer");
    var label = document.getElementById("refer-from-map-label");
    wrapper.appendChild(el("strong", null, label ? label.textContent : ""));
    var form = source.cloneNode(true);
    form.classList.add("popup-refer-form");
    form.querySelectorAll("[id]").forEach(function (node) { node.id = "map-" + node.id; });
    form.querySelectorAll("label[for]").forEach(function (node) {
      node.htmlFor = "map-" + node.htmlFor;
    });
    form.querySelectorAll("[aria-describedby]").forEach(function (node) {
      node.setAttribute("aria-describedby", node.getAttribute("aria-describedby")
        .split(" ").map(function (id) { return "map-" + id; }).join(" "));
    });
    wrapper.appendChild(form);
    return wrapper;
  }

  function popup(option, t) {
    var box = el("div", "popup");
    box.appendChild(el("strong", null, option.name));
    box.appendChild(el("div", null, option.organization));
    box.appendChild(el("div", null, option.site + " · " + option.distance));
    if (option.eligible) {
      box.appendChild(el("div", null, t.score + ": " + option.score));
      box.appendChild(el("div", null, t.slots + ": " + option.free_slots));
      var refer = referForm(option);
      if (refer) box.appendChild(refer);
    } else {
      box.appendChild(el("div", "excluded-label", t.excluded));
      var list = el("ul", "excluded-reasons");
      option.excluded_because.forEach(function (reason) { list.appendChild(el("li", null, reason)); });
      box.appendChild(list);
    }
    return box;
  }

  window.puenteOptionsMap = function (map) {
    var data = JSON.parse(document.getElementById("options-map-data").textContent);
    var t = data.i18n;
    var layer = L.featureGroup().addTo(map);

    var home = L.circleMarker([data.home.lat, data.home.lon], {
      radius: 9, color: "#7a1f5c", weight: 3, fillColor: "#d35fa8", fillOpacity: 0.9,
      className: "home-marker",
    });
    home.bindTooltip(window.puenteTextNode(t.home));
    layer.addLayer(home);

    var rank = 0;
    data.options.forEach(function (option) {
      var marker;
      if (option.eligible) {
        rank += 1;
        marker = L.marker([option.lat, option.lon], {
          title: rank + ". " + option.name, alt: rank + ". " + option.name, riseOnHover: true,
        });
      } else {
        var why = option.name + " — " + t.excluded + ": " + option.excluded_because.join(" ");
        marker = L.marker([option.lat, option.lon], { title: why, alt: why, opacity: 0.45 });
        // Leaflet 1.9 opens a tooltip on keyboard focus as well as on hover.
        marker.bindTooltip(window.puenteTextNode(option.excluded_because.join(" ")), { className: "excluded-tooltip" });
      }
      marker.bindPopup(popup(option, t), { minWidth: 260, maxWidth: 340 });
      layer.addLayer(marker);
      var icon = marker.getElement();
      if (icon) {
        icon.classList.add(option.eligible ? "option-marker" : "option-marker-excluded");
        icon.dataset.option = option.id;
      }
    });
    var bounds = layer.getBounds();
    if (bounds.getNorthEast().equals(bounds.getSouthWest())) {
      map.setView(bounds.getCenter(), 15, { animate: false });
    } else {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16, animate: false });
    }
  };
})();

window.puenteOptionsMap(window.puenteMakeMap("optionsmap"));
