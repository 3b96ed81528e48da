/* The unit edit form: characters left in the note, and clearing whoever is recorded in a unit set vacant. */
(function () {
  "use strict";

  /* The text is the form's message (data-text), its %(count)s filled in. */
  function noteLeft(note, limit, text) {
    return String(text).replace("%(count)s", String(Number(limit) - String(note || "").length));
  }

  function clearOccupant(clicks) {
    if (!clicks) { return [window.dash_clientside.no_update, window.dash_clientside.no_update, window.dash_clientside.no_update]; }
    return ["", 0, 0];
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.unitForm = {noteLeft: noteLeft, clearOccupant: clearOccupant};
})();
