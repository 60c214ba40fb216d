// Scale the 1920×1080 wall to the screen (a 3840×2160 screen doubles it); narrow screens stack instead (wall.css).
(function () {
  function fit() {
    var wall = document.getElementById("wall");
    if (!wall) { return; }
    if (window.innerWidth < 1000) { wall.style.transform = ""; return; }
    var scale = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
    wall.style.transform = "scale(" + scale + ")";
  }
  window.addEventListener("resize", fit);
  new MutationObserver(fit).observe(document.documentElement, { childList: true, subtree: true });
})();
