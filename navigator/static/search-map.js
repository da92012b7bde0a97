// Draws the search map from the JSON block beside it (no inline script: CSP is 'self' only).
// With a tile URL configured, points sit on map tiles; without one, they are drawn on a plain
// background, which still shows how far apart services are. Without JavaScript the list is the map.
(function () {
  "use strict";

  function readPoints(container) {
    var block = document.getElementById(container.getAttribute("data-points-id"));
    if (!block) { return null; }
    try { return JSON.parse(block.textContent); } catch (e) { return null; }
  }

  function escapeText(text) {
    var span = document.createElement("span");
    span.textContent = text == null ? "" : String(text);
    return span.innerHTML;
  }

  function draw(container) {
    var data = readPoints(container);
    var canvas = container.querySelector(".app-search-map__canvas");
    if (!data || !canvas || !data.points || !data.points.length || !window.L) { return; }
    container.classList.add("app-search-map--ready");
    var L = window.L;
    var map = L.map(canvas, { scrollWheelZoom: false, attributionControl: true });
    var tileUrl = container.getAttribute("data-tile-url");
    if (tileUrl) {
      L.tileLayer(tileUrl, {
        maxZoom: 18,
        attribution: escapeText(container.getAttribute("data-tile-attribution") || "")
      }).addTo(map);
    } else {
      canvas.classList.add("app-search-map__canvas--plain");
    }
    var serviceUrl = container.getAttribute("data-service-url") || "";
    var bounds = [];
    data.points.forEach(function (point) {
      var latLng = [point.lat, point.lon];
      bounds.push(latLng);
      L.circleMarker(latLng, { radius: 8, color: "#1d70b8", weight: 2, fillOpacity: 0.8 })
        .addTo(map)
        .bindPopup(
          '<a class="govuk-link" href="' + serviceUrl.replace("SERVICE_ID", encodeURIComponent(point.service_id)) + '">' +
          escapeText(point.service_name) + "</a><br>" + escapeText(point.address || point.name || "")
        );
    });
    if (data.centre) {
      bounds.push(data.centre);
      L.circleMarker(data.centre, { radius: 10, color: "#d4351c", weight: 3, fill: false })
        .addTo(map).bindTooltip("Centre of your search");
    }
    if (bounds.length === 1) {
      map.setView(bounds[0], 13);
    } else {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
    }
  }

  var containers = document.querySelectorAll('[data-module="app-search-map"]');
  Array.prototype.forEach.call(containers, draw);
})();
