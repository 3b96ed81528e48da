/* Keeps the overview's search in the address (?q=), so that a filtered list can be shared. */
(function () {
  "use strict";

  function syncSearch(value) {
    var url = new URL(window.location.href);
    if (value) { url.searchParams.set("q", value); } else { url.searchParams.delete("q"); }
    window.history.replaceState(window.history.state, "", url.toString());
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.overview = {syncSearch: syncSearch};
})();
