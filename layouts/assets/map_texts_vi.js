// Vietnamese for MapLibre's own labels on plotly.js maps (the map region's name for screen readers, the attribution
// button): plotly.js builds its maps without MapLibre's locale option, so on a Vietnamese page (?lang=vi, the default)
// the labels are rewritten as the maps appear.
(function () {
  const TEXTS = { "Map": "Bản đồ", "Toggle attribution": "Bật/tắt ghi công bản đồ", "Map feedback": "Góp ý bản đồ" };
  const ATTRIBUTES = ["aria-label", "title"];
  function vietnamese() {
    return (new URLSearchParams(window.location.search).get("lang") || "vi") === "vi";
  }
  function fix(el) {
    if (!el.closest || !el.closest(".maplibregl-map")) { return; }
    for (const name of ATTRIBUTES) {
      const value = el.getAttribute(name);
      if (value && Object.prototype.hasOwnProperty.call(TEXTS, value)) { el.setAttribute(name, TEXTS[value]); }
    }
  }
  function translate(root) {
    if (!vietnamese() || !root.querySelectorAll) { return; }
    fix(root);
    for (const el of root.querySelectorAll("[aria-label], [title]")) { fix(el); }
  }
  new MutationObserver(function (changes) {
    for (const change of changes) {
      if (change.type === "attributes") { translate(change.target); }
      for (const node of change.addedNodes || []) { translate(node); }
    }
  }).observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ATTRIBUTES });
})();
