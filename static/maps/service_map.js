/* The public service map. The server clusters the services in view for the zoom
   (directory/tiles.py), so the browser draws tens of bubbles, never 50,000 markers.
   Filters and the view (zoom/lat/lon) live in the URL: copying it shares this map. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("map-config").textContent);
  var t = JSON.parse(document.getElementById("map-i18n").textContent);
  var FILTERS = ["category", "age", "territory", "modality", "open_slots", "capacity_status"];
  var PER_PAGE = 20;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function filterParams(form) {
    var params = new URLSearchParams();
    FILTERS.forEach(function (name) {
      var field = form.elements[name];
      if (!field) return;
      if (field.type === "checkbox") {
        if (field.checked) params.set(name, "on");
      } else if (field.value !== "") {
        params.set(name, field.value);
      }
    });
    return params;
  }

  function parseView(raw) {
    var parts = (raw || "").split("/").map(parseFloat);
    if (parts.length !== 3 || parts.some(isNaN)) return null;
    return { zoom: parts[0], lat: parts[1], lon: parts[2] };
  }

  function cardUrl(id) {
    return config.card_url.replace(config.zero_id, id);
  }

  window.puenteServiceMap = function (map) {
    var form = document.getElementById("filters");
    var list = document.getElementById("service-list");
    var count = document.getElementById("result-count");
    var prev = document.getElementById("list-prev");
    var next = document.getElementById("list-next");
    var pageLabel = document.getElementById("list-page");
    var layer = L.layerGroup().addTo(map);
    var page = 1;
    var pending = null;
    var timer = null;
    var initial = parseView(new URLSearchParams(window.location.search).get("view"));

    function viewParam() {
      var c = map.getCenter();
      return map.getZoom() + "/" + c.lat.toFixed(5) + "/" + c.lng.toFixed(5);
    }

    function bboxParam() {
      var b = map.getBounds();
      return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map(function (v) { return v.toFixed(6); }).join(",");
    }

    function syncUrl() {
      var params = filterParams(form);
      params.set("view", viewParam());
      document.getElementById("f-view").value = params.get("view");
      window.history.replaceState(null, "", window.location.pathname + "?" + params.toString());
    }

    function openCard(latlng, id) {
      var box = el("div", "popup-card", t.loading);
      var popup = L.popup({ maxWidth: 340, minWidth: 240 }).setLatLng(latlng).setContent(box).openOn(map);
      fetch(cardUrl(id) + "?fragment=1", { headers: { Accept: "text/html" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
        .then(function (html) {
          // Rendered and escaped by Django's template engine.
          box.innerHTML = html;
          popup.update();  // also pans the map so the taller popup fits
          var title = box.querySelector(".card-title");
          if (title) { title.tabIndex = -1; title.focus(); }
        })
        .catch(function () { box.textContent = t.error; });
    }

    function openPlace(latlng, bounds) {
      var box = el("div", "popup-place", t.loading);
      L.popup({ maxWidth: 320 }).setLatLng(latlng).setContent(box).openOn(map);
      var params = filterParams(form);
      // A hair around the point: the members of a one-place cluster share it.
      var pad = 0.00001;
      params.set("bbox", [bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad].join(","));
      params.set("per_page", "50");
      fetch(config.list_url + "?" + params.toString())
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) {
          box.textContent = "";
          box.appendChild(el("strong", null, format(t.place, { count: data.items.length })));
          var ul = el("ul", "place-list");
          data.items.forEach(function (item) {
            var li = el("li");
            var button = el("button", "service-link", item.name);
            button.type = "button";
            button.addEventListener("click", function () { openCard(latlng, item.id); });
            li.appendChild(button);
            li.appendChild(el("div", "meta", item.organization));
            ul.appendChild(li);
          });
          box.appendChild(ul);
        })
        .catch(function () { box.textContent = t.error; });
    }

    function clusterMarker(feature) {
      var p = feature.properties;
      var latlng = L.latLng(feature.geometry.coordinates[1], feature.geometry.coordinates[0]);
      if (p.id) {
        var marker = L.marker(latlng, { title: p.name, alt: p.name, keyboard: true });
        marker.on("click", function () { openCard(latlng, p.id); });
        return marker;
      }
      var size = p.count < 10 ? "s" : p.count < 100 ? "m" : p.count < 1000 ? "l" : "xl";
      var label = p.single_place ? format(t.place, { count: p.count }) : format(t.cluster, { count: p.count });
      var bubble = L.marker(latlng, {
        icon: L.divIcon({
          className: "cluster-marker cluster-" + size,
          html: "<span>" + Number(p.count) + "</span>",
          iconSize: null,
        }),
        title: label,
        alt: label,
        keyboard: true,
      });
      bubble.on("click", function () {
        var b = p.bounds;
        if (p.single_place || map.getZoom() >= map.getMaxZoom()) {
          openPlace(latlng, b);
        } else {
          map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [40, 40], maxZoom: map.getMaxZoom() });
        }
      });
      return bubble;
    }

    function renderList(data) {
      list.textContent = "";
      data.items.forEach(function (item) {
        var li = el("li", "service-item");
        li.dataset.id = item.id;
        var button = el("button", "service-link", item.name);
        button.type = "button";
        button.addEventListener("click", function () {
          var latlng = L.latLng(item.lat, item.lon);
          map.setView(latlng, Math.max(map.getZoom(), 16), { animate: false });
          openCard(latlng, item.id);
        });
        li.appendChild(button);
        li.appendChild(el("div", "meta", item.organization));
        li.appendChild(el("div", "meta", item.address + " · " + item.territory));
        li.appendChild(el("div", "meta", item.categories.join(", ") + " · " + item.modality));
        li.appendChild(el("div", "slots", t.slots + ": " + item.capacity));
        list.appendChild(li);
      });
      prev.hidden = data.page <= 1;
      next.hidden = !data.has_next;
      pageLabel.textContent = (data.page > 1 || data.has_next) ? format(t.page, { page: data.page }) : "";
    }

    function load(listOnly) {
      if (pending) pending.abort();
      pending = new AbortController();
      var signal = pending.signal;
      var params = filterParams(form);
      var filters = params.toString();
      params.set("bbox", bboxParam());
      params.set("zoom", String(map.getZoom()));
      var listParams = new URLSearchParams(params);
      listParams.delete("zoom");
      listParams.set("page", String(page));
      listParams.set("per_page", String(PER_PAGE));
      var requests = [
        fetch(config.list_url + "?" + listParams.toString(), { signal: signal })
          .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
          // A newer view may have been asked for while this body was read: drop it.
          .then(function (data) { if (!signal.aborted) renderList(data); }),
      ];
      if (!listOnly) {
        requests.push(
          fetch(config.data_url + "?" + params.toString(), {
            signal: signal, headers: { Accept: "application/geo+json" },
          })
            .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
            .then(function (data) {
              if (signal.aborted) return;
              layer.clearLayers();
              data.features.forEach(function (f) { layer.addLayer(clusterMarker(f)); });
              count.textContent = data.total
                ? format(t.count, { services: data.total })
                : t.none;
            })
        );
      }
      Promise.all(requests).then(function () {
        // Both the bubbles and the list are drawn: tests and the benchmark wait for this,
        // and for which filters they were drawn (an older load may finish first).
        if (signal.aborted) return;
        var box = document.getElementById("servicemap");
        box.dataset.filters = filters;
        box.dataset.loaded = "true";
      }).catch(function (error) {
        if (error && error.name === "AbortError") return;
        count.textContent = t.error;
      });
    }

    function reload() {
      page = 1;
      syncUrl();
      load(false);
    }

    map.on("moveend", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(reload, 120);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      reload();
    });
    prev.addEventListener("click", function () { page = Math.max(1, page - 1); load(true); });
    next.addEventListener("click", function () { page += 1; load(true); });

    document.getElementById("print-map").addEventListener("click", function () { window.print(); });
    document.getElementById("share-link").addEventListener("click", function () {
      syncUrl();
      var status = document.getElementById("share-status");
      var url = window.location.href;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(
          function () { status.textContent = t.copied; },
          function () { status.textContent = url; }
        );
      } else {
        status.textContent = url;
      }
    });

    var territories = fetch(config.territories_url)
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return null;
        return L.geoJSON(data, {
          interactive: false,
          style: { color: "#0b5d8c", weight: 1, opacity: 0.6, fillColor: "#0b5d8c", fillOpacity: 0.04 },
        }).addTo(map).bringToBack();
      })
      .catch(function () { return null; });

    if (initial) {
      map.setView([initial.lat, initial.lon], initial.zoom, { animate: false });
      reload();
    } else {
      // Draw the services at the default view at once; fit the comuna when its
      // sectors arrive (a second, usually cheap, request if the view changes).
      var touched = false;
      map.once("movestart", function () { touched = true; });
      reload();
      territories.then(function (shapes) {
        if (!touched && shapes && shapes.getLayers().length) {
          map.fitBounds(shapes.getBounds(), { animate: false });
        }
      });
    }
  };
})();

window.puenteMap = window.puenteMakeMap("servicemap");
window.puenteServiceMap(window.puenteMap);
