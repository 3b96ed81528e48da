/* Navigation helpers: the overview's search kept in the address (?q=), and drill-down from area charts. */
(function () {
  "use strict";

  function syncSearch(value) {
    var url = new URL(window.location.href);
    if (value) { url.searchParams.set("q", value); } else { url.searchParams.delete("q"); }
    window.history.replaceState(window.history.state, "", url.toString());
  }

  /* A click on an area's bar opens that area's page. */
  function openArea(clickData) {
    var point = clickData && clickData.points && clickData.points[0];
    if (point && Number(point.customdata) > 0) { window.location.assign("/area/" + Number(point.customdata)); }
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.overview = {syncSearch: syncSearch, openArea: openArea};
})();
