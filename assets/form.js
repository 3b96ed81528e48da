/* The unit edit form: characters left in the note, and clearing whoever is recorded in a unit set vacant. */
(function () {
  "use strict";

  function noteLeft(note, limit) {
    return (Number(limit) - String(note || "").length) + " characters left";
  }

  function clearOccupant(clicks) {
    if (!clicks) { return [window.dash_clientside.no_update, window.dash_clientside.no_update, window.dash_clientside.no_update]; }
    return ["", 0, 0];
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.unitForm = {noteLeft: noteLeft, clearOccupant: clearOccupant};
})();
