// The search page: Pagefind's UI, fed from ?q= so a search can be linked and bookmarked.
(function () {
  var el = document.getElementById("gk-search");
  if (!el || typeof PagefindUI === "undefined") return;
  var ui = new PagefindUI({
    element: "#gk-search",
    bundlePath: el.getAttribute("data-bundle"),
    showSubResults: false,
    showImages: false,
    resetStyles: false,
    translations: {
      placeholder: "搜索公开信息",
      clear_search: "清除",
      load_more: "加载更多结果",
      search_label: "搜索本站",
      filters_label: "筛选",
      zero_results: "没有找到与 [SEARCH_TERM] 相关的公开信息",
      many_results: "找到 [COUNT] 条与 [SEARCH_TERM] 相关的公开信息",
      one_result: "找到 [COUNT] 条与 [SEARCH_TERM] 相关的公开信息",
      alt_search: "没有找到与 [SEARCH_TERM] 相关的结果，以下是 [DIFFERENT_TERM] 的结果",
      search_suggestion: "没有找到与 [SEARCH_TERM] 相关的结果，可以换个关键词试试：",
      searching: "正在搜索 [SEARCH_TERM]……"
    }
  });
  var q = new URLSearchParams(window.location.search).get("q");
  if (q) ui.triggerSearch(q);
  var header = document.getElementById("gk-q");
  if (header && q) header.value = q;
})();
