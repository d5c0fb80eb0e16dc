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
  // "Filter these courses" (phones) jumps to the filters and opens them.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-opens]");
    var filters = link && document.getElementById(link.dataset.opens);
    if (filters) {
      filters.open = true;
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openOnWideScreens);
  } else {
    openOnWideScreens();
  }
})();
