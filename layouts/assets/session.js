// When the server answers a callback with 401 (the session ended: signed out elsewhere, the user disabled, the
// password changed, 12 hours passed, or a wall-screen's display link revoked), reload the page: the server then shows
// the sign-in form instead of a page that silently stops updating.
(function () {
  const send = window.fetch;
  window.fetch = function (resource, options) {
    return send.call(this, resource, options).then(function (response) {
      const url = typeof resource === "string" ? resource : (resource && resource.url) || "";
      if (response.status === 401 && url.indexOf("/_dash-update-component") !== -1) {
        window.location.reload();
      }
      return response;
    });
  };
})();
