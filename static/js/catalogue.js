// The catalogue's filters sit behind a disclosure after the results. On a
// wide screen they have a column of their own beside the results, so they
// start open there; on a phone they stay closed until asked for. Without
// JavaScript the disclosure still opens and closes.
(function () {
  function openOnWideScreens() {
    var filters = document.getElementById("filters");
    if (filters && window.matchMedia("(min-width: 64rem)").matches) {
      filters.open = true;
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openOnWideScreens);
  } else {
    openOnWideScreens();
  }
})();
