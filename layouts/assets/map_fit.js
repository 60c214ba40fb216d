// Fits IOC's maps to their real size (layouts/map_parts.py). A map figure carries, in layout.meta.fit, the box each
// of its map subplots must show whole (the mainland; the outlying islands in the inset "map2") and where its labels
// point. A figure's own centre and zoom are fitted for a nominal size; once plotly has drawn it, this asks maplibre
// for the camera that fits the box in the map's actual pixels (cameraForBounds, the library's own fitting) and
// moves the labels with it, so a phone's narrow map is not over-zoomed and the wall's mainland is never clipped.
(function () {
  "use strict";
  const WORLD_PX = 512; // maplibre's world at zoom 0
  const CLOSE = 1e-4;

  function mercator(lon, lat) {
    const limited = Math.max(-85.0511, Math.min(85.0511, lat));
    const y = Math.log(Math.tan(Math.PI / 4 + (limited * Math.PI) / 360));
    return [(lon + 180) / 360, (1 - y / Math.PI) / 2];
  }

  function camera(gd, key, spec) {
    const options = gd._fullLayout[key];
    const sub = options && options._subplot;
    const map = sub && sub.map;
    if (!map || !map.cameraForBounds) { return null; }
    const box = map.getContainer();
    const width = box.clientWidth, height = box.clientHeight;
    if (!width || !height) { return null; }
    const b = spec.bounds, pad = spec.padding || 0;
    const found = map.cameraForBounds([[b[0], b[1]], [b[2], b[3]]], {
      padding: { top: pad * height, bottom: pad * height, left: pad * width, right: pad * width },
    });
    if (!found) { return null; }
    const centre = found.center.toArray ? found.center.toArray() : [found.center.lng, found.center.lat];
    return { lon: centre[0], lat: centre[1], zoom: found.zoom, width: width, height: height, domain: options.domain };
  }

  function fit(gd) {
    const layout = gd._fullLayout;
    const spec = gd.layout && gd.layout.meta && gd.layout.meta.fit;
    if (!layout || !spec || !layout._size || !window.Plotly) { return; }
    const update = {};
    const cameras = {};
    ["map", "map2"].forEach(function (key) {
      if (!spec[key]) { return; }
      const view = camera(gd, key, spec[key]);
      if (!view) { return; }
      cameras[key] = view;
      const now = layout[key];
      if (Math.abs(now.zoom - view.zoom) > CLOSE || Math.abs(now.center.lon - view.lon) > CLOSE
          || Math.abs(now.center.lat - view.lat) > CLOSE) {
        update[key + ".zoom"] = view.zoom;
        update[key + ".center"] = { lon: view.lon, lat: view.lat };
      }
    });
    (spec.labels || []).forEach(function (label) {
      const view = cameras[label.subplot];
      const annotation = (gd.layout.annotations || [])[label.annotation];
      if (!view || !annotation) { return; }
      const scale = WORLD_PX * Math.pow(2, view.zoom);
      const point = mercator(label.lon, label.lat), centre = mercator(view.lon, view.lat);
      const px = view.width / 2 + (point[0] - centre[0]) * scale;
      const py = view.height / 2 + (point[1] - centre[1]) * scale;
      const x = view.domain.x[0] + px / layout._size.w, y = view.domain.y[1] - py / layout._size.h;
      if (Math.abs(annotation.x - x) > CLOSE || Math.abs(annotation.y - y) > CLOSE) {
        update["annotations[" + label.annotation + "].x"] = x;
        update["annotations[" + label.annotation + "].y"] = y;
      }
    });
    if (Object.keys(update).length) { window.Plotly.relayout(gd, update); }
  }

  function later(gd) {
    clearTimeout(gd.__iocFitTimer);
    gd.__iocFitTimer = setTimeout(function () { fit(gd); }, 30);
  }

  function hook() {
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      if (gd.__iocFit || typeof gd.on !== "function") { return; }
      gd.__iocFit = true;
      gd.on("plotly_afterplot", function () { later(gd); });
      later(gd);
    });
  }

  setInterval(hook, 300);
  window.addEventListener("resize", function () {
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) { if (gd.__iocFit) { later(gd); } });
  });
})();
