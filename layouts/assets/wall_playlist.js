// A wall-screen follows its display link's playlist (/wall/playlist.json), on every wall page, when its address
// carries ?playlist= (the /display link adds it) and no ?rotate=. The page on screen follows the clock: the place in
// the cycle is the server's time modulo the cycle's length, so two screens, and a screen reloaded, agree. A new red
// alert shows the alert page once (remembered in localStorage). When the server does not answer, the page on screen
// stays and the screen tries again later, waiting longer each time (2 s, 4 s … at most a minute).
(function () {
  var SHOWN_KEY = "ioc.wall.redShown";
  var REREAD_MS = 30000;
  var MAX_BACKOFF_MS = 60000;
  var OWN = ["playlist", "period", "compare", "name"];  // what the playlist sets; other parameters (lang, date) stay
  var state = { playlist: null, offset: 0, nextRead: 0, readFailures: 0, reading: false,
                hold: null, nextGo: 0, goFailures: 0, moving: null };

  function params() { return new URLSearchParams(window.location.search); }
  function following() {
    var p = params();
    return window.location.pathname.indexOf("/wall") === 0 && p.has("playlist") && !p.has("rotate");
  }
  function backoff(failures) { return Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, failures)); }

  function shown() {
    try { return JSON.parse(window.localStorage.getItem(SHOWN_KEY) || "[]"); } catch (e) { return []; }
  }
  function remember(keys) {
    try { window.localStorage.setItem(SHOWN_KEY, JSON.stringify(keys.slice(-200))); } catch (e) { /* full */ }
  }

  function timed(url, options) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 10000);
    options.signal = controller.signal;
    return window.fetch(url, options).finally(function () { clearTimeout(timer); });
  }

  function read() {
    state.reading = true;
    var asked = Date.now();
    var url = "/wall/playlist.json?playlist=" + encodeURIComponent(params().get("playlist") || "");
    timed(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (answer) {
        if (!answer.entries || !answer.entries.length || !(answer.total > 0)) { throw new Error("empty playlist"); }
        var answered = Date.now();
        state.offset = answer.now - (asked + answered) / 2;
        state.playlist = answer;
        state.readFailures = 0;
        state.nextRead = answered + REREAD_MS;
        var seen = shown();
        var fresh = (answer.red || []).filter(function (key) { return seen.indexOf(key) === -1; });
        if (fresh.length) {
          state.hold = { href: answer.alert.href, until: answered + state.offset + answer.alert.seconds * 1000 };
          remember(seen.concat(fresh));
        }
      })
      .catch(function () {
        state.readFailures += 1;
        state.nextRead = Date.now() + backoff(state.readFailures);
      })
      .finally(function () { state.reading = false; });
  }

  function due(playlist, now) {
    var into = (now / 1000) % playlist.total;
    for (var i = 0; i < playlist.entries.length; i++) {
      if (into < playlist.entries[i].seconds) { return playlist.entries[i].href; }
      into -= playlist.entries[i].seconds;
    }
    return playlist.entries[playlist.entries.length - 1].href;
  }

  function showing(href) {
    var target = new URL(href, window.location.origin);
    if (target.pathname !== window.location.pathname) { return false; }
    var current = params();
    var same = true;
    target.searchParams.forEach(function (value, key) { if (current.get(key) !== value) { same = false; } });
    return same;
  }

  function address(href) {
    var target = new URL(href, window.location.origin);
    params().forEach(function (value, key) {
      if (OWN.indexOf(key) === -1 && !target.searchParams.has(key)) { target.searchParams.set(key, value); }
    });
    target.searchParams.set("playlist", params().get("playlist"));
    return target.pathname + target.search;
  }

  function failed() {
    // The page did not come: back to the address of the page still on screen, and try again later.
    if (state.moving) { window.history.replaceState({}, "", state.moving); }
    state.moving = null;
    state.goFailures += 1;
    state.nextGo = Date.now() + backoff(state.goFailures);
  }

  function go(href) {
    if (showing(href) || state.moving || Date.now() < state.nextGo) { return; }
    state.moving = window.location.pathname + window.location.search;
    var next = address(href);
    timed("/healthz", { cache: "no-store" })  // a navigation while the server is down would blank the screen
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        window.history.pushState({}, "", next);
        window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));  // as dcc.Link does: Dash's router follows
        setTimeout(function () { if (state.moving) { state.moving = null; state.goFailures = 0; } }, 10000);
      })
      .catch(failed);
  }

  // The router's answer for the new page: an error or no answer means the old page is still on screen.
  var fetchBefore = window.fetch.bind(window);
  window.fetch = function (resource, options) {
    var promise = fetchBefore(resource, options);
    var routed = state.moving && options && typeof options.body === "string"
      && options.body.indexOf("_pages_content") !== -1;
    if (routed) {
      promise.then(function (response) {
        if (!response.ok) { failed(); } else { state.moving = null; state.goFailures = 0; }
      }, failed);
    }
    return promise;
  };

  function tick() {
    if (!following()) { return; }
    var now = Date.now();
    if (!state.reading && now >= state.nextRead) { read(); }
    if (!state.playlist) { return; }
    var serverNow = now + state.offset;
    if (state.hold && serverNow >= state.hold.until) { state.hold = null; }
    go(state.hold ? state.hold.href : due(state.playlist, serverNow));
  }

  setInterval(tick, 500);
  tick();
})();
