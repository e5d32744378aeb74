// The staff pages' map (Leaflet, vendored). The coordinate fields are the truth: the map only
// fills them ("pick"), shows them ("show"), or marks the sites listed on the page ("sites").
(function () {
  "use strict";
  var box = document.querySelector("[data-map]");
  if (!box || !window.L) {
    return;
  }
  var mode = box.dataset.map;
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var map = L.map(box, { scrollWheelZoom: false, zoomControl: false });
  L.control.zoom({ zoomInTitle: box.dataset.zoomIn, zoomOutTitle: box.dataset.zoomOut }).addTo(map);
  L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: box.dataset.attribution }).addTo(map);
  var marker = null;

  function typed() {
    if (!lat || !lon) {
      return null;
    }
    var a = parseFloat(lat.value.replace(",", "."));
    var b = parseFloat(lon.value.replace(",", "."));
    return isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180 ? L.latLng(a, b) : null;
  }

  function mark(position, zoom) {
    if (marker) {
      marker.setLatLng(position);
    } else {
      marker = L.marker(position, { alt: box.dataset.marker, keyboard: false }).addTo(map);
    }
    map.setView(position, zoom || Math.max(map.getZoom() || 0, 16));
  }

  function fill(position) {
    var p = position.wrap();
    lat.value = p.lat.toFixed(6);
    lon.value = p.lng.toFixed(6);
    mark(p);
  }

  if (mode === "sites") {
    var bounds = [];
    document.querySelectorAll(".sites [data-lat]").forEach(function (item) {
      var at = L.latLng(parseFloat(item.dataset.lat), parseFloat(item.dataset.lon));
      var link = item.querySelector("a");
      var label = document.createElement("a");
      label.href = link.href;
      label.textContent = link.textContent;
      L.marker(at, { alt: link.textContent, keyboard: false }).bindPopup(label).addTo(map);
      bounds.push(at);
    });
    if (bounds.length) {
      // A marker stands 41 px above its point: more room at the top keeps it inside the box.
      map.fitBounds(bounds, { maxZoom: 15, paddingTopLeft: [30, 50], paddingBottomRight: [30, 20] });
    } else {
      map.setView([51.16, 10.45], 5);
    }
    return;
  }

  var start = typed();
  if (start) {
    mark(start, 16);
  } else {
    map.setView([51.16, 10.45], 5); // Germany, where most of Nahbei's sites are
  }
  if (mode !== "pick") {
    return;
  }
  map.on("click", function (event) {
    fill(event.latlng);
  });
  [lat, lon].forEach(function (field) {
    field.addEventListener("change", function () {
      var position = typed();
      if (position) {
        mark(position);
      }
    });
  });

  var here = document.getElementById("here");
  var said = document.getElementById("here-status");
  if (here && navigator.geolocation) {
    here.hidden = false;
    here.addEventListener("click", function () {
      said.textContent = box.dataset.hereLocating;
      navigator.geolocation.getCurrentPosition(
        function (found) {
          fill(L.latLng(found.coords.latitude, found.coords.longitude));
          said.textContent = box.dataset.hereFound;
        },
        function () {
          said.textContent = box.dataset.hereFailed;
        },
        { enableHighAccuracy: true, timeout: 20000 }
      );
    });
  }
})();
