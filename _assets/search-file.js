/* Search on a site opened from disk (file://): the browser refuses to fetch other files of the site
   (CORS), so Sphinx's search would log one error per result while fetching its summary. Show the results
   without summaries there; a site served over http(s) keeps them. */
(function () {
  if (window.location.protocol !== "file:") return;
  function dropSummaries() {
    if (typeof DOCUMENTATION_OPTIONS !== "undefined") DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY = false;
  }
  dropSummaries();
  document.addEventListener("DOMContentLoaded", dropSummaries);
})();
