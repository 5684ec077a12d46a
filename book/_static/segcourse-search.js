/* Search snippets from the text stored at build time (segcourse-search-text.js, written by book/_ext).
 *
 * Sphinx's search page fetches every result page to cut a snippet out of it; a browser refuses those requests
 * when the book is opened from file:// (CORS), and with this theme the snippet would start with the sidebar's
 * table of contents. The book turns that off (html_show_search_summary = False) and this script adds to each
 * result the passage around the search words, cut by Sphinx's own Search.makeSearchSummary from the stored
 * text of the result's section. Loaded on the search page only (book/_templates/layout.html).
 */
"use strict";
(() => {
  const TEXT = window.SEGCOURSE_SEARCH_TEXT || {};  // docname -> {text, anchors: {id: offset}}
  let terms = new Set();
  let highlights = new Set();

  /* The stored text of the page from the result's anchor (a section, a glossary term) on. */
  const storedText = (docname, anchor) => {
    const page = TEXT[docname];
    if (!page) return "";
    const start = (anchor && page.anchors[decodeURIComponent(anchor.slice(1))]) || 0;
    return page.text.slice(start);
  };

  const addSnippet = (item) => {
    const link = item.querySelector("a");
    if (!link || item.querySelector("p.context")) return;
    const [path, hash] = link.getAttribute("href").split("#");
    const docname = path.replace(/\.html$/, "");
    const anchor = hash ? `#${hash}` : "";
    // Search.makeSearchSummary(html, keywords, anchor) reads its text through Search.htmlToText.
    const summary = Search.makeSearchSummary(storedText(docname, anchor), terms, anchor);
    if (!summary) return;
    item.appendChild(summary);
    if (typeof _highlightText === "function")
      highlights.forEach((term) => _highlightText(summary, term, "highlighted"));
  };

  if (typeof Search === "undefined") return;  // not the search page
  Search.htmlToText = (text) => text;  // the "page" handed over is already the stored text
  const parse = Search._parseQuery;
  Search._parseQuery = (query) => {
    const parsed = parse(query);
    [, terms, , highlights] = parsed;
    return parsed;
  };

  // Sphinx lists the results from its DOMContentLoaded handler on: snippets for those already there, then for
  // each one it adds.
  document.addEventListener("DOMContentLoaded", () => {
    const results = document.getElementById("search-results");
    if (!results) return;
    results.querySelectorAll("li").forEach(addSnippet);
    new MutationObserver((changes) => changes.forEach((change) => change.addedNodes.forEach((node) => {
      if (node.nodeName === "LI") addSnippet(node);
      else if (node.querySelectorAll) node.querySelectorAll("li").forEach(addSnippet);
    }))).observe(results, { childList: true, subtree: true });
  });
})();
