// The search page of a county site: Pagefind over records indexed as Han-character
// bigrams (see gongkai/search.py). The query goes through the same transform, so a name,
// a compound or any substring of a record's text meets the index exactly.
(function () {
  "use strict";
  var HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g;
  var PAGE = 20;

  function code(run) {
    var out = "k";
    for (var i = 0; i < run.length; i++) out += ("0000" + run.charCodeAt(i)).slice(-5);
    return out;
  }

  // Must match gongkai.search.bigrams().
  function bigrams(text) {
    return text.replace(/[^\p{L}\p{N}_]+/gu, " ").replace(HAN, function (run) {
      if (run.length === 1) return " " + code(run) + " ";
      var out = [];
      for (var i = 0; i < run.length - 1; i++) out.push(code(run.slice(i, i + 2)));
      return " " + out.join(" ") + " ";
    }).replace(/\s+/g, " ").trim();
  }

  // Each whitespace-separated term is searched as an exact phrase; results must match all.
  function terms(q) {
    return q.replace(/["“”]/g, " ").split(/\s+/).map(bigrams).filter(Boolean);
  }

  var root = document.getElementById("gk-search");
  if (!root) return;
  var bundle = new URL(root.getAttribute("data-bundle"), window.location.href).href;
  var base = new URL(root.getAttribute("data-root"), window.location.href).pathname;
  var params = new URLSearchParams(window.location.search);

  root.innerHTML =
    '<form class="gk-search-form" role="search">' +
    '<label for="gk-search-q">搜索公开信息</label>' +
    '<input id="gk-search-q" name="q" type="search" autocomplete="off" placeholder="人名、村名、事项、文号、单位名称……">' +
    '<button type="submit">搜索</button>' +
    '<div class="gk-filters" id="gk-filters"></div></form>' +
    '<p class="gk-status" id="gk-status" role="status" aria-live="polite"></p>' +
    '<ol class="gk-results" id="gk-results"></ol>' +
    '<button type="button" class="gk-more" id="gk-more" hidden>显示更多结果</button>';
  var form = root.querySelector("form");
  var input = document.getElementById("gk-search-q");
  var filtersBox = document.getElementById("gk-filters");
  var status = document.getElementById("gk-status");
  var list = document.getElementById("gk-results");
  var more = document.getElementById("gk-more");
  var FILTERS = ["类别", "单位", "事项", "年份"];
  var pagefind = null;
  var shown = [];
  var pending = [];

  function text(tag, cls, value) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    el.textContent = value;
    return el;
  }

  function chosenFilters() {
    var out = {};
    FILTERS.forEach(function (name) {
      var sel = document.getElementById("gk-filter-" + name);
      if (sel && sel.value) out[name] = sel.value;
    });
    return out;
  }

  function renderFilters(available) {
    FILTERS.forEach(function (name) {
      var values = Object.keys(available[name] || {}).sort();
      if (!values.length) return;
      var label = text("label", "gk-filter", name + " ");
      var sel = document.createElement("select");
      sel.id = "gk-filter-" + name;
      sel.appendChild(text("option", "", "全部"));
      sel.firstChild.value = "";
      values.forEach(function (v) {
        var opt = text("option", "", v);
        opt.value = v;
        if (params.get(name) === v) opt.selected = true;
        sel.appendChild(opt);
      });
      sel.addEventListener("change", run);
      label.appendChild(sel);
      filtersBox.appendChild(label);
    });
  }

  function showMore() {
    var batch = pending.splice(0, PAGE);
    return Promise.all(batch.map(function (r) { return r.data(); })).then(function (items) {
      items.forEach(function (d) {
        var li = document.createElement("li");
        var a = text("a", "gk-result-link", d.meta.title || d.url);
        a.href = d.url;
        li.appendChild(a);
        li.appendChild(text("div", "gk-sub", (d.meta.unit || "") + " · " + (d.meta.date || "")));
        if (d.meta.summary) li.appendChild(text("p", "gk-summary", d.meta.summary));
        list.appendChild(li);
      });
      more.hidden = pending.length === 0;
      root.setAttribute("data-shown", String(list.children.length));
    });
  }

  function search(phrases, filters) {
    if (!phrases.length) return pagefind.search(null, { filters: filters }).then(function (r) { return r.results; });
    return Promise.all(phrases.map(function (p) {
      return pagefind.search('"' + p + '"', { filters: filters });
    })).then(function (all) {
      var first = all[0].results;
      var rest = all.slice(1).map(function (s) {
        return new Set(s.results.map(function (r) { return r.id; }));
      });
      return first.filter(function (r) { return rest.every(function (ids) { return ids.has(r.id); }); });
    });
  }

  function run(event) {
    if (event && event.preventDefault) event.preventDefault();
    var q = input.value.trim();
    var filters = chosenFilters();
    var url = new URLSearchParams();
    if (q) url.set("q", q);
    Object.keys(filters).forEach(function (k) { url.set(k, filters[k]); });
    window.history.replaceState(null, "", "?" + url.toString());
    list.innerHTML = "";
    more.hidden = true;
    root.removeAttribute("data-shown");
    root.removeAttribute("data-total");
    if (!q && !Object.keys(filters).length) { status.textContent = ""; return; }
    status.textContent = "正在搜索……";
    return search(terms(q), filters).then(function (results) {
      pending = results.slice();
      root.setAttribute("data-total", String(results.length));
      status.textContent = results.length
        ? "找到 " + results.length + " 条公开信息" + (q ? "（" + q + "）" : "")
        : "没有找到" + (q ? "与「" + q + "」" : "") + "相关的公开信息。可以减少关键词，或换一个说法。";
      return showMore();
    });
  }

  form.addEventListener("submit", run);
  more.addEventListener("click", showMore);
  input.value = params.get("q") || "";
  var header = document.getElementById("gk-q");
  if (header) header.value = input.value;

  import(bundle + "pagefind.js").then(function (pf) {
    pagefind = pf;
    return pagefind.options({ baseUrl: base }).then(function () { return pagefind.filters(); });
  }).then(function (available) {
    renderFilters(available);
    root.setAttribute("data-ready", "true");
    if (input.value || FILTERS.some(function (n) { return params.get(n); })) return run();
  }).catch(function (err) {
    status.textContent = "搜索暂时无法使用：" + err;
  });
})();
