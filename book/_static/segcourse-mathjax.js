/* Start MathJax once the page is parsed (book/_ext replaces MathJax's own script tag with this one).
 *
 * Loaded with "defer" or "async", MathJax runs before or during the page's DOMContentLoaded and typesets every
 * formula there: on the metrics lesson that held the page back by most of a second. Started from here it
 * typesets right after, and the text is readable (and the page interactive) without waiting for it.
 */
"use strict";
(() => {
  const source = new URL("mathjax/tex-chtml.js", document.currentScript.src).href;
  const start = () => {
    const script = document.createElement("script");
    script.src = source;
    script.async = true;
    document.head.appendChild(script);
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
