/* The ledger import page: dcc.Upload gives its file input no label, so it is named by the field's label above it. */
(function () {
  "use strict";

  function nameUploadInput() {
    var input = document.querySelector("#import-upload input[type=file]:not([aria-labelledby])");
    if (input) { input.setAttribute("aria-labelledby", "import-upload-label"); }
  }

  new MutationObserver(nameUploadInput).observe(document.documentElement, {childList: true, subtree: true});
})();
