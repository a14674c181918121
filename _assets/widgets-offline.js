// Offline support for saved ipywidgets state (no CDN). Loaded after require.js and before the embed manager.
// 1. The manager's modules are defined inline in embed-amd.js, but their CSS finds its icon fonts relative to
//    the module path "@jupyter-widgets/html-manager/dist": map that path to the vendored copy beside this file.
// 2. The manager typesets labels with MathJax 2's `MathJax.Hub.Queue`; give MathJax 3 that entry point.
(function () {
  var here = document.currentScript && document.currentScript.src;
  if (here && window.require && window.require.config) {
    var base = here.replace(/[^\/]*$/, "");
    window.require.config({ paths: { "@jupyter-widgets/html-manager/dist": base + "html-manager" } });
  }
  function shim() {
    if (window.MathJax && !window.MathJax.Hub && window.MathJax.typesetPromise) {
      window.MathJax.Hub = { Queue: function () { window.MathJax.typesetPromise(); } };
    }
  }
  shim();
  window.addEventListener("load", shim);
})();
