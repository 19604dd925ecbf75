// The search page of a county site. It reads the static index that gongkai/search.py
// writes (search-index/): the query is cut into the same units (each Han character; each
// run of other letters and digits) and each query term is looked up by its runs of up to
// three units, in small files fetched only when needed. The functions before the page
// code must give exactly what their Python namesakes give (tests/test_search_index.py pins it).
(function () {
  "use strict";
  var HAN = "\\u3007\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{3134f}";
  var UNIT = new RegExp("[" + HAN + "]|(?:(?![" + HAN + "])[\\p{L}\\p{N}])+", "gu");
  var WORD_CHAR = new RegExp("^(?![" + HAN + "])[\\p{L}\\p{N}]", "u");
  var SEPARATORS = /[^\p{L}\p{N}]+/gu;
  // Python drops a space after or before a Han character with one lookbehind; Safari before
  // 16.4 has no lookbehind, so here it takes two steps (the spaces are single by then).
  var SPACE_AFTER_HAN = new RegExp("([" + HAN + "]) ", "gu");
  var SPACE_BEFORE_HAN = new RegExp(" (?=[" + HAN + "])", "gu");
  var LONG = 8;
  var MAX_KEYS = 16;

  // The text as the index sees it: NFKC, lower case, punctuation and spaces dropped
  // except one space between two words.
  function canonical(text) {
    return text.normalize("NFKC").toLowerCase().replace(SEPARATORS, " ")
      .replace(SPACE_AFTER_HAN, "$1").replace(SPACE_BEFORE_HAN, "").trim();
  }

  function units(text) {
    return canonical(text).match(UNIT) || [];
  }

  function key(run) {
    return canonical(run.join(" "));
  }

  // The keys looked up for one query term: itself up to three units, else its three-unit
  // runs, every one up to LONG units and every other one beyond (the last ends the term),
  // at most MAX_KEYS of them, spread over the term.
  function queryKeys(term) {
    var us = units(term);
    if (us.length <= 3) return us.length ? [key(us)] : [];
    var starts = [], step = us.length <= LONG ? 1 : 2;
    for (var i = 0; i < us.length - 3; i += step) starts.push(i);
    starts.push(us.length - 3);
    if (starts.length > MAX_KEYS) {
      var all = starts;
      starts = [];
      for (var j = 0; j < MAX_KEYS; j++) starts.push(all[Math.floor(j * (all.length - 1) / (MAX_KEYS - 1))]);
    }
    return starts.map(function (s) { return key(us.slice(s, s + 3)); });
  }

  var encoder = new TextEncoder();

  // 32-bit FNV-1a of the key's UTF-8 bytes, modulo the bucket count.
  function bucketOf(k, buckets) {
    var bytes = encoder.encode(k);
    var h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
    return h % buckets;
  }

  function reader(bytes) {
    var r = { pos: 0 };
    r.varint = function () {
      var n = 0, scale = 1, b;
      do {
        b = bytes[r.pos++];
        n += (b & 0x7f) * scale;
        scale *= 128;
      } while (b & 0x80);
      return n;
    };
    return r;
  }

  // A set of record ids, after a varint header: a bitmap (odd header), kept as it is so
  // dense sets meet as bytes, or gaps between ids as varints (even header).
  function readPosting(bytes, pos) {
    var r = reader(bytes);
    r.pos = pos;
    var header = r.varint();
    var end = r.pos + Math.floor(header / 2);
    if (header % 2) return { bits: bytes.subarray(r.pos, end), end: end };
    var out = [];
    for (var id = -1; r.pos < end;) out.push(id += r.varint());
    return { ids: Uint32Array.from(out), end: end };
  }

  function skipIds(bytes, r) {
    var header = r.varint();
    r.pos += Math.floor(header / 2);
  }

  // A bucket: how many keys, then each key (UTF-8) with its records and its heading
  // records. A lookup walks it comparing bytes; only the key asked for is read.
  function parseBucket(bytes) {
    return {
      get: function (k) {
        var want = encoder.encode(k);
        var r = reader(bytes);
        for (var n = r.varint(); n > 0; n--) {
          var len = r.varint(), start = r.pos, same = len === want.length;
          for (var j = 0; same && j < len; j++) same = bytes[start + j] === want[j];
          r.pos += len;
          if (same) {
            var all = readPosting(bytes, r.pos);
            return { all: all, heading: readPosting(bytes, all.end) };
          }
          skipIds(bytes, r);
          skipIds(bytes, r);
        }
        return null;
      },
    };
  }

  // The ids of a posting, in order.
  function idsOf(p) {
    if (p.ids) return p.ids;
    var n = 0, i, b;
    for (i = 0; i < p.bits.length; i++) for (b = p.bits[i]; b; b &= b - 1) n++;
    var out = new Uint32Array(n), k = 0;
    for (i = 0; i < p.bits.length; i++) {
      for (var bit = 0, v = p.bits[i]; v; bit++, v >>= 1) if (v & 1) out[k++] = i * 8 + bit;
    }
    return (p.ids = out);
  }

  function intersect(a, b) {
    if (a.bits && b.bits) {
      var both = new Uint8Array(Math.min(a.bits.length, b.bits.length));
      for (var i = 0; i < both.length; i++) both[i] = a.bits[i] & b.bits[i];
      return { bits: both };
    }
    if (a.bits) { var t = a; a = b; b = t; }
    var out = [];
    if (b.bits) {
      a.ids.forEach(function (id) { if (b.bits[id >> 3] & (1 << (id & 7))) out.push(id); });
    } else {
      for (var x = 0, y = 0; x < a.ids.length && y < b.ids.length;) {
        if (a.ids[x] < b.ids[y]) x++;
        else if (a.ids[x] > b.ids[y]) y++;
        else { out.push(a.ids[x]); x++; y++; }
      }
    }
    return { ids: Uint32Array.from(out) };
  }

  function isWordChar(c) {
    return WORD_CHAR.test(c);
  }

  // Whether a canonical text holds a canonical term on unit boundaries (12号 is not in 112号).
  function contains(text, term) {
    if (!term) return true;
    var first = isWordChar(term.charAt(0)), last = isWordChar(term.charAt(term.length - 1));
    for (var at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + 1)) {
      var end = at + term.length;
      if (first && at > 0 && isWordChar(text.charAt(at - 1))) continue;
      if (last && end < text.length && isWordChar(text.charAt(end))) continue;
      return true;
    }
    return false;
  }

  // Query terms: each quoted phrase, and each other whitespace-separated word.
  function terms(q) {
    var out = [];
    var re = /["“”「」『』]([^"“”「」『』]*)["“”「」『』]?|([^\s"“”「」『』]+)/g;
    for (var m = re.exec(q); m; m = re.exec(q)) {
      var t = (m[1] !== undefined ? m[1] : m[2]).trim();
      if (canonical(t)) out.push(t);
    }
    return out;
  }

  var api = {
    canonical: canonical, units: units, key: key, queryKeys: queryKeys, bucketOf: bucketOf,
    parseBucket: parseBucket, idsOf: idsOf, intersect: intersect, contains: contains, terms: terms,
  };
  if (typeof module === "object" && module.exports) module.exports = api;
  if (typeof window !== "undefined") window.gongkaiSearch = api;
  if (typeof document === "undefined") return;

  // The page -----------------------------------------------------------------------------

  var root = document.getElementById("gk-search");
  if (!root) return;
  var bundle = new URL(root.getAttribute("data-bundle"), window.location.href).href;
  var siteRoot = new URL(root.getAttribute("data-root"), window.location.href).href;
  var params = new URLSearchParams(window.location.search);
  var FIRST = 10; // results in the first batch; each 显示更多结果 adds MORE
  var MORE = 20;
  var FILTERS = ["类别", "单位", "事项", "年份"];

  root.innerHTML =
    '<form class="gk-search-form" role="search">' +
    '<label for="gk-search-q">搜索公开信息</label>' +
    '<input id="gk-search-q" name="q" type="search" autocomplete="off" enterkeyhint="search" placeholder="人名、村名、事项、文号、单位名称……">' +
    '<button type="submit">搜索</button>' +
    '<div class="gk-filters" id="gk-filters"></div></form>' +
    '<p class="gk-search-hint">按原文查找：人名、村名、补贴名称、文号、索引号、金额都可以搜；多个词用空格分开，结果须同时包含这些词。</p>' +
    '<p class="gk-status" id="gk-status" role="status" aria-live="polite"></p>' +
    '<ol class="gk-results" id="gk-results"></ol>' +
    '<button type="button" class="gk-more" id="gk-more" hidden>显示更多结果</button>';
  var form = root.querySelector("form");
  var input = document.getElementById("gk-search-q");
  var filtersBox = document.getElementById("gk-filters");
  var status = document.getElementById("gk-status");
  var list = document.getElementById("gk-results");
  var more = document.getElementById("gk-more");
  var meta = null;
  var buckets = new Map();
  var blocks = new Map();
  var details = new Map();
  var current = null; // the search on screen: its terms, result ids, how many shown, count
  var runs = 0;

  function load(path, as) {
    return fetch(bundle + path).then(function (r) {
      if (!r.ok) throw new Error(path + "：" + r.status);
      return as === "json" ? r.json() : r.arrayBuffer().then(function (b) { return new Uint8Array(b); });
    });
  }

  // Each file is fetched once per visit; a failed fetch is tried again next time.
  function cached(cache, k, make) {
    if (!cache.has(k)) {
      var p = make();
      p.catch(function () { cache.delete(k); });
      cache.set(k, p);
    }
    return cache.get(k);
  }

  var NONE = { all: { ids: new Uint32Array(0) }, heading: { ids: new Uint32Array(0) } };

  function lookup(k) {
    var n = bucketOf(k, meta.buckets);
    return cached(buckets, n, function () { return load("t/" + n + ".bin").then(parseBucket); }).then(function (b) {
      return b.get(k) || NONE;
    });
  }

  // What a result shows: from the file of the block of records it belongs to.
  function card(id) {
    var n = Math.floor(id / meta.block);
    return cached(blocks, n, function () { return load("c/" + n + ".json", "json"); }).then(function (b) {
      var c = b.cards[id - n * meta.block];
      return { id: id, url: c[0], title: c[1], unit: b.units[c[2]], date: c[3] };
    });
  }

  // A record's file: what a result shows, and the summary and text for its excerpt.
  function detail(id) {
    return cached(details, id, function () { return load("r/" + id + ".json", "json"); });
  }

  // What these results show: from block files when the results share them (a common
  // query's newest results sit close together), else from each record's own file, which
  // the excerpt needs anyway (a rare query's results are far apart).
  function cards(ids) {
    var shared = new Set(ids.map(function (id) { return Math.floor(id / meta.block); })).size * 2 <= ids.length;
    return Promise.all(ids.map(function (id) {
      return shared ? card(id) : detail(id).then(function (r) {
        return { id: id, url: r.url, title: r.title, unit: r.unit, date: r.date };
      });
    }));
  }

  // Every record that holds every term and passes every filter; records whose heading
  // (title, 文号, 索引号) holds more of the terms first, then the newest first.
  function find(phrases, filters) {
    var perTerm = phrases.map(function (p) { return Promise.all(queryKeys(p).map(lookup)); });
    var perFilter = Object.keys(filters).map(function (name) { return lookup(name + "=" + filters[name]); });
    return Promise.all([Promise.all(perTerm), Promise.all(perFilter)]).then(function (found) {
      var result = null;
      var score = new Map();
      found[0].forEach(function (postings) {
        var heading = null;
        postings.forEach(function (p) {
          result = result ? intersect(result, p.all) : p.all;
          heading = heading ? intersect(heading, p.heading) : p.heading;
        });
        idsOf(heading).forEach(function (id) { score.set(id, (score.get(id) || 0) + 1); });
      });
      found[1].forEach(function (p) { result = result ? intersect(result, p.all) : p.all; });
      var order = idsOf(result);
      if (!score.size) return order;
      var ranks = [];
      for (var i = 0; i < order.length; i++) {
        var n = score.get(order[i]) || 0;
        (ranks[n] = ranks[n] || []).push(order[i]);
      }
      return ranks.reverse().reduce(function (out, r) { return r ? out.concat(r) : out; }, []);
    });
  }

  function text(tag, cls, value) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (value) el.textContent = value;
    return el;
  }

  // A few lines of the record around the first place its text (after the title, which is
  // shown anyway) holds the first term, with the term marked; else the record's summary.
  function excerpt(p, rec, title, phrase) {
    var shown = rec.text;
    var skip = title && shown.indexOf(title) === 0 ? title.length : 0;
    var want = phrase ? units(phrase) : [];
    var spans = [];
    var re = new RegExp(UNIT.source, "gu");
    re.lastIndex = skip;
    // Units of the text as written (full-width commas stay), compared in their index form.
    for (var m = want.length ? re.exec(shown) : null; m; m = re.exec(shown)) {
      spans.push([m[0].normalize("NFKC").toLowerCase(), m.index, m.index + m[0].length]);
    }
    for (var i = 0; want.length && i + want.length <= spans.length; i++) {
      var k = 0;
      while (k < want.length && spans[i + k][0] === want[k]) k++;
      if (k < want.length) continue;
      var start = spans[i][1], end = spans[i + want.length - 1][2];
      var from = Math.max(skip, start - 30), to = Math.min(shown.length, end + 60);
      p.appendChild(document.createTextNode((from > skip ? "……" : "") + shown.slice(from, start).trim()));
      p.appendChild(text("mark", "", shown.slice(start, end)));
      p.appendChild(document.createTextNode(shown.slice(end, to) + (to < shown.length ? "……" : "")));
      return;
    }
    p.textContent = rec.summary || "";
  }

  function render(c) {
    var li = document.createElement("li");
    var a = text("a", "gk-result-link", c.title || c.url);
    a.href = siteRoot + c.url;
    li.appendChild(text("h2", "gk-result-title")).appendChild(a);
    li.appendChild(text("div", "gk-sub", [c.unit, c.date].filter(Boolean).join(" · ")));
    li.appendChild(text("p", "gk-summary"));
    return li;
  }

  function setStatus(s, q) {
    root.setAttribute("data-total", String(s.total));
    root.setAttribute("data-shown", String(list.children.length));
    // A term longer than three units was found by its parts: until every result has been
    // checked against its text, the count is an upper bound.
    var about = !s.exact && s.checked < s.order.length ? "约 " : "";
    status.textContent = s.total
      ? "找到 " + about + s.total + " 条公开信息" + (q ? "（" + q + "）" : "")
      : "没有找到" + (q ? "与「" + q + "」" : "") + "相关的公开信息。可以减少关键词，或换一个说法。";
  }

  // The next `size` results: first what each shows (title, unit, date), then each record's
  // text, for its excerpt and to check a term longer than three units (found by its parts;
  // the text says whether they stand together). A result that fails the check leaves the
  // list. Resolves to the first new item, once all are on screen.
  function showMore(s, q, size) {
    if (s.busy) return s.busy;
    var ids = Array.prototype.slice.call(s.order, s.next, s.next + size);
    s.next += ids.length;
    s.busy = cards(ids).then(function (shown) {
      s.busy = null;
      if (s !== current) return null;
      var items = shown.map(function (c) {
        var li = render(c);
        list.appendChild(li);
        return { li: li, card: c };
      });
      more.hidden = s.next >= s.order.length;
      setStatus(s, q);
      s.checking = Promise.all(items.map(function (item) {
        return detail(item.card.id).then(function (rec) {
          if (s !== current) return;
          s.checked++;
          var canon = canonical(rec.text);
          // A very long record's file holds only the start of its text ("cut"): trust the index.
          if (s.exact || rec.cut || s.canonical.every(function (t) { return contains(canon, t); })) {
            excerpt(item.li.querySelector(".gk-summary"), rec, item.card.title, s.phrases[0]);
          } else {
            item.li.remove();
            s.total--;
          }
        });
      })).then(function () {
        if (s === current) setStatus(s, q);
      });
      return items.length ? items[0].li : null;
    }, function (err) {
      s.busy = null;
      throw err;
    });
    return s.busy;
  }

  function chosenFilters() {
    var out = {};
    FILTERS.forEach(function (name) {
      var sel = document.getElementById("gk-filter-" + name);
      if (sel && sel.value) out[name] = sel.value;
    });
    return out;
  }

  function renderFilters() {
    FILTERS.forEach(function (name) {
      var values = meta.filters[name] || [];
      if (!values.length) return;
      var label = text("label", "gk-filter", name + " ");
      var sel = document.createElement("select");
      sel.id = "gk-filter-" + name;
      sel.appendChild(text("option", "", "全部"));
      sel.firstChild.value = "";
      (name === "年份" ? values.slice().reverse() : values).forEach(function (pair) {
        var opt = text("option", "", pair[0] + "（" + pair[1] + "）");
        opt.value = pair[0];
        if (params.get(name) === pair[0]) opt.selected = true;
        sel.appendChild(opt);
      });
      sel.addEventListener("change", run);
      label.appendChild(sel);
      filtersBox.appendChild(label);
    });
  }

  function run(event) {
    if (event && event.preventDefault) event.preventDefault();
    var q = input.value.trim();
    var filters = chosenFilters();
    var address = new URLSearchParams();
    if (q) address.set("q", q);
    Object.keys(filters).forEach(function (k) { address.set(k, filters[k]); });
    window.history.replaceState(null, "", "?" + address.toString());
    var header = document.getElementById("gk-q");
    if (header) header.value = q;
    list.innerHTML = "";
    more.hidden = true;
    root.removeAttribute("data-shown");
    root.removeAttribute("data-total");
    var phrases = terms(q);
    current = null;
    if (!phrases.length && !Object.keys(filters).length) { status.textContent = ""; return; }
    status.textContent = "正在搜索……";
    var mine = ++runs;
    performance.mark("gk-search-start");
    return find(phrases, filters).then(function (order) {
      if (mine !== runs) return;
      var s = current = {
        phrases: phrases, canonical: phrases.map(canonical), order: order, next: 0, checked: 0, total: order.length,
        exact: phrases.every(function (p) { return units(p).length <= 3; }), busy: null, checking: null,
      };
      root.gkResults = order; // every result id, for the search benchmark and tests
      return showMore(s, q, FIRST).then(function () {
        // The benchmark reads these: from the query to the first results on screen, and to
        // their excerpts under them.
        if (mine === runs) performance.measure("gk-search", "gk-search-start");
        return s.checking;
      }).then(function () {
        if (mine === runs) performance.measure("gk-search-excerpts", "gk-search-start");
      });
    }).catch(function (err) {
      if (mine === runs) status.textContent = "搜索出错，请稍后再试：" + err.message;
    });
  }

  form.addEventListener("submit", run);
  more.addEventListener("click", function () {
    if (!current) return;
    showMore(current, input.value.trim(), MORE).then(function (first) {
      // Keyboard and screen-reader users continue at the first new result.
      if (first) first.querySelector("a").focus();
    }).catch(function (err) {
      status.textContent = "搜索出错，请稍后再试：" + err.message;
    });
  });
  input.value = params.get("q") || "";
  var header = document.getElementById("gk-q");
  if (header) header.value = input.value;

  load("meta.json", "json").then(function (m) {
    meta = m;
    renderFilters();
    root.setAttribute("data-ready", "true");
    if (input.value || FILTERS.some(function (n) { return params.get(n); })) return run();
    input.focus();
  }).catch(function (err) {
    status.textContent = "搜索暂时无法使用：" + err.message;
  });
})();
