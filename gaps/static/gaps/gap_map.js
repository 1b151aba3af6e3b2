/* The gap map: territories coloured by the chosen measure, hotspots as circles.
   The figures come from /api/gaps/map/ already suppressed; the same ones are in the table. */
(function () {
  "use strict";

  var box = document.getElementById("gap-map");
  if (!box || !window.L) return;
  var status = document.getElementById("map-status");
  var t = JSON.parse(document.getElementById("gap-map-i18n").textContent);

  var map = L.map(box, { scrollWheelZoom: false }).setView(
    [parseFloat(box.dataset.lat) || 0, parseFloat(box.dataset.lon) || 0],
    parseInt(box.dataset.zoom, 10) || 12
  );
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, { attribution: box.dataset.attribution, maxZoom: 19 }).addTo(map);
  }

  // Whole numbers (hotspot sizes) in the page's language; a territory's figure comes
  // written by the server as its table and legend write it (value_label).
  var whole = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    maximumFractionDigits: 0,
  });

  function shown(value) {
    if (value === null || value === undefined || value === "") return "—";
    if (typeof value === "number") return whole.format(value);
    return String(value);
  }

  function figure(props) {
    return props.value_label !== undefined ? props.value_label : shown(props.value);
  }

  // Leaflet parses string tooltips as HTML: names from data go in as text nodes.
  function text(value) {
    var node = document.createElement("span");
    node.textContent = value;
    return node;
  }

  function popup(props, measure) {
    var node = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = props.name;
    node.appendChild(title);
    var line = document.createElement("div");
    line.textContent = measure + ": " + figure(props);
    node.appendChild(line);
    return node;
  }

  fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    })
    .then(function (data) {
      var measure = data.measure.label;
      var territories = L.geoJSON(data.territories, {
        style: function (feature) {
          return {
            color: "#44505c", weight: 1, opacity: 0.9,
            fillColor: feature.properties.colour, fillOpacity: 0.75,
            className: "gap-territory gap-class-" + (feature.properties["class"] || "none"),
          };
        },
        onEachFeature: function (feature, layer) {
          layer.bindTooltip(text(feature.properties.name + ": " + figure(feature.properties)));
          layer.bindPopup(popup(feature.properties, measure));
        },
      }).addTo(map);
      var spots = L.featureGroup().addTo(map);
      data.hotspots.features.forEach(function (feature, index) {
        var p = feature.properties;
        var site = [p.suggested_site[1], p.suggested_site[0]];
        var label = t.hotspot.replace("%(number)s", index + 1).replace("%(size)s", shown(p.size));
        L.circle(site, {
          radius: Math.max(p.radius_m, 100), color: "#6a1b9a", weight: 2, fillOpacity: 0.08,
          className: "gap-hotspot",
        }).bindTooltip(text(label)).addTo(spots);
        L.circleMarker(site, {
          radius: 5, color: "#6a1b9a", fillColor: "#6a1b9a", fillOpacity: 1, weight: 1,
          className: "gap-site",
        }).bindTooltip(text(label + " · " + t.site)).addTo(spots);
      });
      if (territories.getLayers().length) {
        map.fitBounds(territories.getBounds(), { padding: [10, 10] });
      }
      box.dataset.state = "ready";
      box.dataset.territories = String(data.territories.features.length);
      box.dataset.hotspots = String(data.hotspots.features.length);
      status.textContent = "";
    })
    .catch(function () {
      box.dataset.state = "error";
      status.textContent = t.error;
    });
})();
