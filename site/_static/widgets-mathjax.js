// ipywidgets' HTML embedder typesets widget labels with MathJax 2's API (MathJax.Hub.Queue); this site loads
// MathJax 3, which has no Hub. Whatever object becomes window.MathJax (the configuration first, then MathJax
// itself) gets a small Hub that hands the element to MathJax 3's typesetter.
(function () {
  var current = window.MathJax;
  function withHub(mj) {
    if (mj && typeof mj === "object" && !mj.Hub) {
      mj.Hub = {Queue: function (job) {
        var el = job && job[2];
        if (el && window.MathJax && window.MathJax.typesetPromise) { window.MathJax.typesetPromise([el]); }
      }};
    }
    return mj;
  }
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (value) { current = withHub(value); }
  });
  withHub(current);
})();
