/* Accessible names for three controls of the theme (found by axe-core, see tests/browser/test_a11y.py):
   - the search buttons read "Search Ctrl+K" but were named "Search" (a spoken command must match what is shown);
   - the colour-mode button's icons carry titles ("Light", "Dark") that contradict its name "Color mode";
   - the sidebar's expand toggles (<summary>) had no name at all. */
(function () {
  // The icon titles must go before Font Awesome's deferred script turns each <i> into an <svg> with a <title>:
  // strip them as the parser adds the icons, and again from any svg made before that.
  function quietIcons(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll(".theme-switch-button .theme-switch, .theme-switch-button svg").forEach(function (icon) {
      icon.removeAttribute("title");
      icon.removeAttribute("aria-labelledby");
      icon.setAttribute("aria-hidden", "true");
      icon.querySelectorAll("title").forEach(function (t) { t.remove(); });
    });
  }
  var observer = new MutationObserver(function (records) {
    records.forEach(function (r) {
      r.addedNodes.forEach(function (n) {
        if (n.nodeType === 1 && (n.matches(".theme-switch, svg") || n.querySelector(".theme-switch, svg"))
            && n.closest(".theme-switch-button")) quietIcons(n.closest(".theme-switch-button").parentElement);
      });
    });
  });
  observer.observe(document.documentElement, {childList: true, subtree: true});

  function fix() {
    quietIcons(document);
    document.querySelectorAll("button.search-button-field[aria-label]").forEach(function (b) {
      b.removeAttribute("aria-label");
    });
    document.querySelectorAll("nav summary, .bd-sidebar summary").forEach(function (s) {
      if (s.textContent.trim() || s.getAttribute("aria-label")) return;
      var link = s.closest("li") && s.closest("li").querySelector(":scope > a");
      s.setAttribute("aria-label", "Sections of " + (link ? link.textContent.trim() : "this chapter"));
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fix);
  else fix();
  // Font Awesome may replace icons after DOMContentLoaded: fix once more when everything has loaded, then stop.
  window.addEventListener("load", function () { fix(); setTimeout(function () { fix(); observer.disconnect(); }, 1000); });
})();
