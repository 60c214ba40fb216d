// Scale the 1920×1080 wall to the screen (a 3840×2160 screen doubles it); narrow screens stack instead (wall.css).
// Then fit each tile's figures to their tile: a value too wide for it ("1.234.567", "100,00 %") is set smaller until
// it fits (scrollWidth ≤ clientWidth), never cut. Sizes are in the wall's own 1920-wide pixels, so the scale does not
// change them.
(function () {
  var FITTED = ".wall .tile-value, .wall .tile-beside";
  var SMALLEST = 0.35;  // of the stylesheet's size

  function fitText(element) {
    var key = element.textContent + "|" + element.clientWidth;
    if (element.dataset.fitted === key) { return; }
    element.style.fontSize = "";
    var size = parseFloat(getComputedStyle(element).fontSize), least = size * SMALLEST;
    while (element.scrollWidth > element.clientWidth && size > least) {
      size = Math.max(least, size * Math.min(0.97, element.clientWidth / element.scrollWidth));
      element.style.fontSize = size + "px";
    }
    element.dataset.fitted = key;
  }

  function fit() {
    var wall = document.getElementById("wall");
    if (!wall) { return; }
    if (window.innerWidth < 1000) {
      wall.style.transform = "";
    } else {
      var scale = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
      wall.style.transform = "scale(" + scale + ")";
    }
    Array.prototype.forEach.call(document.querySelectorAll(FITTED), fitText);
  }
  window.addEventListener("resize", fit);
  new MutationObserver(fit).observe(document.documentElement, { childList: true, subtree: true, characterData: true });
})();
