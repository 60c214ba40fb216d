// Starts IOC's plotly.js bundle early (layouts/plotly_bundle.py). Its tag names the bundle (data-bundle) and the
// paths of the pages that open with graphs (data-pages, prefixes separated by spaces).
// - On those pages it downloads at once, beside the page's other scripts (a preload), and runs as soon as the page
//   has asked the server for its content, while the page waits for the answer: the graphs draw when it arrives.
// - Anywhere else, dcc.Graph loads it when a graph first needs it, as it would load Dash's own full plotly.js.
(function () {
  const tag = document.currentScript;
  const bundle = tag && tag.dataset.bundle;
  if (!bundle) { return; }
  Object.defineProperty(window, "_dashPlotlyJSURL", { get: function () { return bundle; }, set: function () {} });
  const pages = (tag.dataset.pages || "").split(" ").filter(Boolean);
  if (!pages.some(function (page) { return window.location.pathname.indexOf(page) === 0; })) { return; }
  const preload = document.createElement("link");
  preload.rel = "preload";
  preload.as = "script";
  preload.href = bundle;
  document.head.appendChild(preload);
  let started = false;
  function start() {
    if (started || window.Plotly || document.querySelector('script[src="' + bundle + '"]')) { return; }
    started = true;
    const script = document.createElement("script");
    script.src = bundle;
    document.head.appendChild(script);
  }
  const send = window.fetch;
  window.fetch = function (resource) {
    const answer = send.apply(this, arguments);
    const url = typeof resource === "string" ? resource : (resource && resource.url) || "";
    if (!started && url.indexOf("/_dash-update-component") !== -1) { setTimeout(start, 0); }
    return answer;
  };
})();
