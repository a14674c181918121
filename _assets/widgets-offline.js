// Offline support for saved ipywidgets state (no CDN): the ipywidgets embed manager and require.js are
// served from _vendor; third-party widget modules are not loaded from any CDN. The manager typesets labels
// with MathJax 2's `MathJax.Hub.Queue`; give MathJax 3 that entry point once it has loaded.
(function () {
  function shim() {
    if (window.MathJax && !window.MathJax.Hub && window.MathJax.typesetPromise) {
      window.MathJax.Hub = { Queue: function () { window.MathJax.typesetPromise(); } };
    }
  }
  shim();
  window.addEventListener("load", shim);
})();
