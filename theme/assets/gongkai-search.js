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
  var HAN_CHAR = new RegExp("^[" + HAN + "]", "u");
  // Where runs of units stop: line breaks and Chinese sentence punctuation, as written
  // (search.BARRIERS): a term never runs across them, in the index or in a record's text.
  var BARRIER = /[\n\r，。、；：！？]/;
  var BARRIER_ALL = /[\n\r，。、；：！？]/g;
  var LONG = 8;
  var MAX_KEYS = 16;
  var PREFIX = 4;
  var MORE = "*";

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

  // Whether a term of these units is found by its beginning: its last unit is a number or
  // word, and something comes before it (a number alone stays whole).
  function continues(us) {
    return us.length >= 2 && !HAN_CHAR.test(us[us.length - 1]);
  }

  // The keys looked up for one query term: itself up to three units, else its three-unit
  // runs, every one up to LONG units and every other one beyond (the last ends the term),
  // at most MAX_KEYS of them, spread over the term. With `prefix` (an unquoted term) a last
  // number or word may continue: its run is looked up by the word's first PREFIX characters.
  function queryKeys(term, prefix) {
    var us = units(term);
    var more = !!prefix && continues(us);
    if (more) us = us.slice(0, -1).concat([us[us.length - 1].slice(0, PREFIX)]);
    if (us.length <= 3) return us.length ? [key(us) + (more ? MORE : "")] : [];
    var starts = [], step = us.length <= LONG ? 1 : 2;
    for (var i = 0; i < us.length - 3; i += step) starts.push(i);
    starts.push(us.length - 3);
    if (starts.length > MAX_KEYS) {
      var all = starts;
      starts = [];
      for (var j = 0; j < MAX_KEYS; j++) starts.push(all[Math.floor(j * (all.length - 1) / (MAX_KEYS - 1))]);
    }
    var found = starts.map(function (s) { return key(us.slice(s, s + 3)); });
    if (more) found[found.length - 1] += MORE;
    return found;
  }

  // Whether the keys of a term find exactly the records that hold it (else each result
  // shown is checked against the record's text).
  function queryIsExact(term, prefix) {
    var us = units(term);
    return us.length <= 3 && !(prefix && continues(us) && us[us.length - 1].length > PREFIX);
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

  // A query word cut where no key runs: at the barriers, and at half-width sentence
  // punctuation outside a number (4,063.90 stays whole), as search.query_pieces does.
  function queryPieces(term) {
    var out = [];
    term.split(BARRIER_ALL).forEach(function (part) {
      var from = 0;
      for (var i = 0; i < part.length; i++) {
        if (",.;:!?".indexOf(part.charAt(i)) < 0) continue;
        if (/\d/.test(part.charAt(i - 1)) && /\d/.test(part.charAt(i + 1))) continue;
        out.push(part.slice(from, i));
        from = i + 1;
      }
      out.push(part.slice(from));
    });
    return out;
  }

  // A whole date typed in another spelling than the index holds, as 2013年6月21日
  // (search.date_spelling): 2013年06月21日, 2013年6月21号, 2013/6/21, 2013.06.21.
  var TYPED_DATE = /^((?:19|20)[0-9]{2})\s*(?:年\s*([0-9]{1,2})\s*月(?:\s*([0-9]{1,2})\s*[日号])?|([./-])\s*([0-9]{1,2})(?:\s*\4\s*([0-9]{1,2}))?)$/;
  function dateSpelling(term) {
    var m = TYPED_DATE.exec(term.normalize("NFKC").trim());
    if (!m || (m[4] === "-" && m[5].length === 2 && (m[6] === undefined || m[6].length === 2))) return term;
    var month = parseInt(m[2] || m[5], 10), day = m[3] !== undefined ? m[3] : m[6];
    if (month < 1 || month > 12 || (day !== undefined && (parseInt(day, 10) < 1 || parseInt(day, 10) > 31))) return term;
    return m[1] + "年" + month + "月" + (day !== undefined ? parseInt(day, 10) + "日" : "");
  }

  // A record's text as contains() reads it: each segment canonical, one per line, so that no
  // term is found across a line break or sentence punctuation.
  function segmentsCanonical(text) {
    return text.split(BARRIER).map(canonical).join("\n");
  }

  // Whether a canonical text holds a canonical term on unit boundaries (12号 is not in 112号);
  // with `prefix`, the term's last number or word may continue (许政2013 1 is in 许政2013 12).
  function contains(text, term, prefix) {
    if (!term) return true;
    var first = isWordChar(term.charAt(0)), last = isWordChar(term.charAt(term.length - 1));
    for (var at = text.indexOf(term); at >= 0; at = text.indexOf(term, at + 1)) {
      var end = at + term.length;
      if (first && at > 0 && isWordChar(text.charAt(at - 1))) continue;
      if (last && !prefix && end < text.length && isWordChar(text.charAt(end))) continue;
      return true;
    }
    return false;
  }

  // Query terms: each quoted phrase, and each other whitespace-separated word, as [term,
  // prefix]: an unquoted term's last number may continue (许政〔2013〕1), a quoted one's not.
  function terms(q) {
    var out = [];
    var re = /["“”「」『』]([^"“”「」『』]*)["“”「」『』]?|([^\s"“”「」『』]+)/g;
    for (var m = re.exec(q); m; m = re.exec(q)) {
      var quoted = m[1] !== undefined;
      // Sentence punctuation ends a term as a space does (no key runs across it).
      queryPieces(quoted ? m[1] : m[2]).forEach(function (piece) {
        var t = dateSpelling(piece).trim();
        if (canonical(t)) out.push([t, !quoted && continues(units(t))]);
      });
    }
    return out;
  }

  var api = {
    canonical: canonical, units: units, key: key, queryKeys: queryKeys, queryIsExact: queryIsExact, bucketOf: bucketOf,
    parseBucket: parseBucket, idsOf: idsOf, intersect: intersect, contains: contains, terms: terms,
    newestFirst: newestFirst, allIds: allIds, queryPieces: queryPieces,
  };
  if (typeof module === "object" && module.exports) module.exports = api;
  if (typeof window !== "undefined") window.gongkaiSearch = api;
  if (typeof document === "undefined") return;

  // The page -----------------------------------------------------------------------------
  // A county's search page reads its county's index; the portal's reads every county's
  // (data-sources: each county's name, index and site) and merges their results.

  var root = document.getElementById("gk-search");
  if (!root) return;
  var several = root.hasAttribute("data-sources");
  var sources = (several ? JSON.parse(root.getAttribute("data-sources"))
    : [{ name: "", bundle: root.getAttribute("data-bundle"), root: root.getAttribute("data-root") }]
  ).map(function (c, i) {
    return {
      index: i, name: c.name, bundle: new URL(c.bundle, window.location.href).href,
      root: new URL(c.root, window.location.href).href,
      meta: null, buckets: new Map(), blocks: new Map(), details: new Map(), columns: null,
    };
  });
  var params = new URLSearchParams(window.location.search);
  var FIRST = 10; // results in the first batch; each 显示更多结果 adds NEXT
  var NEXT = 20;
  var COUNTY = "县区"; // the portal's filter by county
  var FILTERS = (several ? [COUNTY] : []).concat(["类别", "单位", "事项", "年份"]);
  var FILTER_NAMES = { "县区": "县（市、区）" };

  root.innerHTML =
    '<form class="gk-search-form" role="search" aria-label="搜索公开信息">' +
    '<label for="gk-search-q">' + (several ? "搜索各县（市、区）公开信息" : "搜索公开信息") + '</label>' +
    '<input id="gk-search-q" name="q" type="search" autocomplete="off" enterkeyhint="search" placeholder="人名、村名、事项、文号、单位名称……">' +
    '<button type="submit">搜索</button>' +
    '<div class="gk-filters" id="gk-filters"></div></form>' +
    '<p class="gk-search-hint">按原文查找：人名、村名、补贴名称、文号、索引号、金额都可以搜；数字可以只输入开头（如 许政〔2013〕1）；多个词用空格分开，结果须同时包含这些词。' +
    (several ? '各县（市、区）的结果合在一起，每条注明所属县（市、区）。' : '') + '</p>' +
    '<p class="gk-status" id="gk-status" role="status" aria-live="polite"></p>' +
    '<div class="gk-empty" id="gk-empty" hidden></div>' +
    '<ol class="gk-results" id="gk-results"></ol>' +
    '<button type="button" class="gk-more" id="gk-more" hidden>显示更多结果</button>';
  var form = root.querySelector("form");
  var input = document.getElementById("gk-search-q");
  var filtersBox = document.getElementById("gk-filters");
  var status = document.getElementById("gk-status");
  var emptyBox = document.getElementById("gk-empty");
  var list = document.getElementById("gk-results");
  var more = document.getElementById("gk-more");
  var current = null; // the search on screen: its terms, each county's results, how many shown
  var runs = 0;

  function load(src, path, as) {
    return fetch(src.bundle + path).then(function (r) {
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

  function lookup(src, k) {
    var n = bucketOf(k, src.meta.buckets);
    return cached(src.buckets, n, function () { return load(src, "t/" + n + ".bin").then(parseBucket); }).then(function (b) {
      return b.get(k) || NONE;
    });
  }

  // What a result shows: from the file of the block of records it belongs to.
  function card(src, id) {
    var n = Math.floor(id / src.meta.block);
    return cached(src.blocks, n, function () { return load(src, "c/" + n + ".json", "json"); }).then(function (b) {
      var c = b.cards[id - n * src.meta.block];
      return { src: src, id: id, url: c[0], title: c[1], unit: b.units[c[2]], date: c[3] };
    });
  }

  // A record's file: what a result shows, and the summary and text for its excerpt.
  function detail(src, id) {
    return cached(src.details, id, function () { return load(src, "r/" + id + ".json", "json"); });
  }

  // What these results show: from block files when the results share them (a common
  // query's newest results sit close together), else from each record's own file, which
  // the excerpt needs anyway (a rare query's results are far apart).
  function cards(src, ids) {
    var shared = new Set(ids.map(function (id) { return Math.floor(id / src.meta.block); })).size * 2 <= ids.length;
    return Promise.all(ids.map(function (id) {
      return shared ? card(src, id) : detail(src, id).then(function (r) {
        return { src: src, id: id, url: r.url, title: r.title, unit: r.unit, date: r.date };
      });
    }));
  }

  // Each filter's value for each record of a county (filters.bin, gzip): to count the
  // current results by filter value. Where the browser cannot unpack it, counts stay those
  // of the whole site.
  function columns(src) {
    if (!src.columns) {
      src.columns = load(src, "filters.bin").then(function (bytes) {
        if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes; // the server unpacked it already
        if (typeof DecompressionStream === "undefined") return null;
        var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
        return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); });
      }).then(function (bytes) {
        if (!bytes) return null;
        var out = {}, pos = 0, n = src.meta.records;
        (src.meta.columns || []).forEach(function (c) {
          var col = new Uint16Array(n);
          for (var i = 0; i < n; i++) col[i] = c[1] === 1 ? bytes[pos + i] : bytes[pos + 2 * i] | bytes[pos + 2 * i + 1] << 8;
          pos += n * c[1];
          out[c[0]] = col;
        });
        return out;
      });
      src.columns.catch(function () { src.columns = null; });
    }
    return src.columns;
  }

  // In one county: the records that hold every term (`base`; null when there is no term:
  // every record), and those of them that pass every filter, records whose heading (title,
  // 文号, 索引号) holds more of the terms first, then the newest first.
  function find(src, phrases, filters) {
    var perTerm = phrases.map(function (p) {
      return Promise.all(queryKeys(p[0], p[1]).map(function (k) { return lookup(src, k); }));
    });
    var names = Object.keys(filters).filter(function (n) { return n !== COUNTY; });
    var perFilter = names.map(function (name) { return lookup(src, name + "=" + filters[name]); });
    return Promise.all([Promise.all(perTerm), Promise.all(perFilter)]).then(function (found) {
      var base = null;
      var score = new Map();
      found[0].forEach(function (postings) {
        var heading = null;
        postings.forEach(function (p) {
          base = base ? intersect(base, p.all) : p.all;
          heading = heading ? intersect(heading, p.heading) : p.heading;
        });
        idsOf(heading).forEach(function (id) { score.set(id, (score.get(id) || 0) + 1); });
      });
      var result = base;
      found[1].forEach(function (p) { result = result ? intersect(result, p.all) : p.all; });
      var order = filters[COUNTY] && filters[COUNTY] !== src.name ? new Uint32Array(0) : result ? newestFirst(src, idsOf(result)) : allIds(src);
      if (score.size) {
        var ranks = [];
        for (var i = 0; i < order.length; i++) {
          var n = score.get(order[i]) || 0;
          (ranks[n] = ranks[n] || []).push(order[i]);
        }
        order = ranks.reverse().reduce(function (out, r) { return r ? out.concat(r) : out; }, []);
      }
      return { src: src, base: base, order: order, score: score, next: 0, cards: new Map() };
    });
  }

  // Record ids run oldest first (a new record takes the next id, and no other moves): the
  // highest, the newest, come first. A bundle of format 1 (a county not rebuilt since) ran
  // them newest first.
  function oldestFirst(src) {
    return (src.meta.format || 1) >= 2;
  }

  function newestFirst(src, ids) {
    return oldestFirst(src) ? Uint32Array.from(ids).reverse() : ids;
  }

  function allIds(src) {
    var ids = new Uint32Array(src.meta.records);
    var old = oldestFirst(src);
    for (var i = 0; i < ids.length; i++) ids[i] = old ? ids.length - 1 - i : i;
    return ids;
  }

  // Results of several counties in one order: more of the terms in the heading first, then
  // the newest, then the counties in the portal's order (each county's own order is kept).
  function before(a, b) {
    if (a.score !== b.score) return a.score > b.score;
    if (a.card.date !== b.card.date) return a.card.date > b.card.date;
    return a.src.index < b.src.index;
  }

  // The next `size` results over every county: the next `size` of each county (what each
  // shows, for its date), then the best of their heads, one by one.
  function nextResults(s, size) {
    return Promise.all(s.lists.map(function (l) {
      var ids = Array.prototype.slice.call(l.order, l.next, l.next + size).filter(function (id) { return !l.cards.has(id); });
      return cards(l.src, ids).then(function (shown) { shown.forEach(function (c) { l.cards.set(c.id, c); }); });
    })).then(function () {
      var out = [];
      while (out.length < size) {
        var best = null;
        s.lists.forEach(function (l) {
          if (l.next >= l.order.length) return;
          var id = l.order[l.next];
          var head = { list: l, src: l.src, score: l.score.get(id) || 0, card: l.cards.get(id) };
          if (!best || before(head, best)) best = head;
        });
        if (!best) break;
        best.list.next++;
        out.push(best.card);
      }
      return out;
    });
  }

  function remaining(s) {
    return s.lists.some(function (l) { return l.next < l.order.length; });
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
    var want = phrase ? units(phrase[0]) : [];
    var spans = [];
    var re = new RegExp(UNIT.source, "gu");
    re.lastIndex = skip;
    // Units of the text as written (full-width commas stay), compared in their index form;
    // a term's last number may be the beginning of the text's.
    for (var m = want.length ? re.exec(shown) : null; m; m = re.exec(shown)) {
      spans.push([m[0].normalize("NFKC").toLowerCase(), m.index, m.index + m[0].length]);
    }
    var last = want.length - 1;
    for (var i = 0; want.length && i + want.length <= spans.length; i++) {
      var k = 0;
      while (k < last && spans[i + k][0] === want[k]) k++;
      var tail = spans[i + last];
      if (k < last || !(tail[0] === want[last] || (phrase[1] && tail[0].indexOf(want[last]) === 0))) continue;
      var start = spans[i][1], end = tail[2];
      if (BARRIER.test(shown.slice(start, end))) continue; // the search does not cross a line either
      var from = Math.max(skip, start - 30), to = Math.min(shown.length, end + 60);
      // The space (or line) before the match stays: 7 王秀梅 is a count and a name, 7王秀梅 is not.
      p.appendChild(document.createTextNode((from > skip ? "……" : "") + shown.slice(from, start).replace(/\s+/g, " ").replace(/^ /, "")));
      p.appendChild(text("mark", "", shown.slice(start, end)));
      p.appendChild(document.createTextNode(shown.slice(end, to).replace(/\s+/g, " ") + (to < shown.length ? "……" : "")));
      return;
    }
    p.textContent = rec.summary || "";
  }

  function render(c) {
    var li = document.createElement("li");
    var a = text("a", "gk-result-link", c.title || c.url);
    a.href = c.src.root + c.url;
    li.appendChild(text("h2", "gk-result-title")).appendChild(a);
    var sub = text("div", "gk-sub");
    if (several) sub.appendChild(text("span", "gk-county", c.src.name));
    sub.appendChild(document.createTextNode((several ? " · " : "") + [c.unit, c.date].filter(Boolean).join(" · ")));
    li.appendChild(sub);
    li.appendChild(text("p", "gk-summary"));
    return li;
  }

  function describe(filters) {
    return Object.keys(filters).map(function (n) { return (FILTER_NAMES[n] || n) + "：" + filters[n]; }).join("；");
  }

  function setStatus(s, q) {
    root.setAttribute("data-total", String(s.total));
    root.setAttribute("data-shown", String(list.children.length));
    // A term longer than three units was found by its parts: until every result has been
    // checked against its text, the count is an upper bound.
    var about = !s.exact && s.checked < s.found ? "约 " : "";
    var chosen = Object.keys(s.filters).length;
    status.textContent = s.total
      ? "找到 " + about + s.total + " 条公开信息" + (q ? "（" + q + "）" : "")
      : chosen && s.unfiltered
        ? "按所选条件（" + describe(s.filters) + "）没有找到" + (q ? "与「" + q + "」相关的" : "") + "公开信息；不限条件可找到 " +
          (s.exact ? "" : "约 ") + s.unfiltered + " 条。"
        : "没有找到" + (q ? "与「" + q + "」" : "") + "相关的公开信息。可以减少关键词，或换一个说法。";
    showClear(s);
  }

  // Where the filters leave nothing, a button takes each away, and one takes all away.
  function showClear(s) {
    emptyBox.innerHTML = "";
    var names = Object.keys(s.filters);
    emptyBox.hidden = !!s.total || !names.length || !s.unfiltered;
    if (emptyBox.hidden) return;
    names.forEach(function (n) {
      var b = text("button", "gk-clear", "不限" + (FILTER_NAMES[n] || n) + "（去掉「" + s.filters[n] + "」）");
      b.type = "button";
      b.addEventListener("click", function () { clearFilters([n]); });
      emptyBox.appendChild(b);
    });
    if (names.length > 1) {
      var all = text("button", "gk-clear", "清除全部筛选条件");
      all.type = "button";
      all.addEventListener("click", function () { clearFilters(names); });
      emptyBox.appendChild(all);
    }
  }

  function clearFilters(names) {
    names.forEach(function (n) {
      var sel = document.getElementById("gk-filter-" + n);
      if (sel) sel.value = "";
    });
    var done = run();
    input.focus();
    return done;
  }

  // The next `size` results: first what each shows (title, county, unit, date), then each
  // record's text, for its excerpt and to check a term the index found by its parts (the
  // text says whether they stand together). A result that fails the check leaves the list.
  // Resolves to the first new item, once all are on screen.
  function showMore(s, q, size, refill) {
    if (s.busy) return s.busy;
    // How many results the reader asked to see: a page more than are on screen.
    if (!refill) s.goal = list.children.length + size;
    s.busy = nextResults(s, size).then(function (shown) {
      s.busy = null;
      if (s !== current) return null;
      if (!s.size) root.gkFirst = shown.map(function (c) { return [c.src.index, c.id]; }); // for the benchmark
      var items = shown.map(function (c) {
        var li = render(c);
        list.appendChild(li);
        return { li: li, card: c };
      });
      s.size += items.length;
      more.hidden = !remaining(s);
      setStatus(s, q);
      s.checking = Promise.all(items.map(function (item) {
        return detail(item.card.src, item.card.id).then(function (rec) {
          if (s !== current) return;
          s.checked++;
          var canon = segmentsCanonical(rec.also ? rec.text + "\n" + rec.also : rec.text);
          // A very long record's file holds only the start of its text ("cut"): trust the index.
          if (s.exact || rec.cut || s.terms.every(function (t) { return contains(canon, t[0], t[1]); })) {
            excerpt(item.li.querySelector(".gk-summary"), rec, item.card.title, s.phrases[0]);
          } else {
            item.li.remove();
            s.total--;
          }
        });
      })).then(function () {
        if (s !== current) return;
        setStatus(s, q);
        // The check dropped candidates and left the screen short (part of a 索引号 is looked
        // up by its first digits, and most candidates hold other numbers): fetch more until
        // the page is full or none are left, a bounded number of times.
        if (!s.exact && list.children.length < s.goal && remaining(s) && (s.refills = (s.refills || 0) + 1) <= 30) {
          return showMore(s, q, size, true);
        }
        if (!s.total && !remaining(s)) {
          s.settled = true;
          zeroFilters(); // nothing is left: no filter value may still say it would find one
        }
        root.setAttribute("data-checked", "true");
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

  // Filter values over every county: [value, count], in the order of the first county
  // that has each (年份 newest first); the county filter lists the counties.
  function filterValues(name) {
    if (name === COUNTY) return sources.map(function (src) { return [src.name, src.meta.records]; });
    var seen = new Map();
    sources.forEach(function (src) {
      (src.meta.filters[name] || []).forEach(function (pair) { seen.set(pair[0], (seen.get(pair[0]) || 0) + pair[1]); });
    });
    var out = Array.from(seen.entries());
    out.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
    return name === "年份" ? out.reverse() : out;
  }

  // A filter's options: 全部 with how many the other filters leave, then each value with how
  // many results it would leave (`counts`: value -> count; null: the whole site's counts).
  // Values that would leave nothing are left out, except the one chosen.
  // approx: the counts are of the candidates of a query the index cannot answer exactly
  // (each result is checked against its text only when shown), so they may be too high.
  function fillOptions(sel, name, counts, all, approx) {
    var chosen = sel.value || params.get(name) || "";
    var about = approx ? "约" : "";
    sel.innerHTML = "";
    var first = text("option", "", "全部" + (all === null ? "" : "（" + about + all + "）"));
    first.value = "";
    sel.appendChild(first);
    var values = filterValues(name);
    if (chosen && !values.some(function (p) { return p[0] === chosen; })) values.push([chosen, 0]);
    values.forEach(function (pair) {
      var n = counts ? counts.get(pair[0]) || 0 : pair[1];
      if (!n && pair[0] !== chosen) return;
      var opt = text("option", "", pair[0] + "（" + (counts ? about : "") + n + "）");
      opt.value = pair[0];
      sel.appendChild(opt);
    });
    sel.value = chosen;
  }

  // Every filter says 全部（0）: the query's candidates were all checked and none holds it.
  function zeroFilters() {
    FILTERS.forEach(function (n) {
      var sel = document.getElementById("gk-filter-" + n);
      if (sel) fillOptions(sel, n, new Map(), 0, false);
    });
  }

  function renderFilters() {
    FILTERS.forEach(function (name) {
      if (!filterValues(name).length || (name === COUNTY && sources.length < 2)) return;
      var label = text("label", "gk-filter", (FILTER_NAMES[name] || name) + " ");
      var sel = document.createElement("select");
      sel.id = "gk-filter-" + name;
      sel.name = name;
      fillOptions(sel, name, null, null);
      sel.addEventListener("change", run);
      label.appendChild(sel);
      filtersBox.appendChild(label);
    });
    params = new URLSearchParams(); // the address was read once; the choices live in the form now
  }

  // How many of the current results (the terms, every county) each filter value would
  // leave, the other filters chosen as they are: read from each county's filters.bin.
  function countFilters(s) {
    return Promise.all(s.lists.map(function (l) { return columns(l.src); })).then(function (cols) {
      if (s !== current || cols.some(function (c) { return !c; })) return;
      var counts = {}, all = {};
      FILTERS.forEach(function (n) { counts[n] = new Map(); all[n] = 0; });
      var names = FILTERS.filter(function (n) { return n !== COUNTY; });
      s.lists.forEach(function (l, k) {
        var col = cols[k], meta = l.src.meta;
        // Each chosen value's number in this county's list (-1: the county has none).
        var want = names.map(function (n) {
          if (!s.filters[n]) return 0;
          var i = (meta.filters[n] || []).findIndex(function (p) { return p[0] === s.filters[n]; });
          return i < 0 ? -1 : i + 1;
        });
        var inCounty = !s.filters[COUNTY] || s.filters[COUNTY] === l.src.name;
        var ids = l.base ? idsOf(l.base) : allIds(l.src);
        for (var j = 0; j < ids.length; j++) {
          var id = ids[j], failed = inCounty ? 0 : 1, miss = inCounty ? -1 : names.length;
          for (var f = 0; f < names.length && failed < 2; f++) {
            if (want[f] && (!col[names[f]] || col[names[f]][id] !== want[f])) { failed++; miss = f; }
          }
          if (failed > 1) continue;
          if (several && (!failed || miss === names.length)) {
            counts[COUNTY].set(l.src.name, (counts[COUNTY].get(l.src.name) || 0) + 1);
            all[COUNTY]++;
          }
          for (f = 0; f < names.length; f++) {
            if (failed && miss !== f) continue;
            var v = col[names[f]] ? col[names[f]][id] : 0;
            all[names[f]]++;
            if (v) {
              var value = meta.filters[names[f]][v - 1][0];
              counts[names[f]].set(value, (counts[names[f]].get(value) || 0) + 1);
            }
          }
        }
      });
      if (s.settled && !s.total) {
        zeroFilters();
      } else {
        FILTERS.forEach(function (n) {
          var sel = document.getElementById("gk-filter-" + n);
          if (sel) fillOptions(sel, n, counts[n], all[n], !s.exact);
        });
      }
      root.setAttribute("data-counted", "true");
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
    emptyBox.hidden = true;
    root.removeAttribute("data-shown");
    root.removeAttribute("data-total");
    root.removeAttribute("data-counted");
    root.removeAttribute("data-checked");
    var phrases = terms(q);
    current = null;
    if (!phrases.length && !Object.keys(filters).length) {
      // Only punctuation, symbols or spaces: nothing the index holds. Say so, not nothing.
      status.textContent = q ? "「" + q + "」中没有可以搜索的文字：请输入汉字、字母或数字。" : "";
      FILTERS.forEach(function (n) {
        var sel = document.getElementById("gk-filter-" + n);
        if (sel) fillOptions(sel, n, null, null);
      });
      return;
    }
    status.textContent = "正在搜索……";
    var mine = ++runs;
    performance.mark("gk-search-start");
    return Promise.all(sources.map(function (src) { return find(src, phrases, filters); })).then(function (lists) {
      if (mine !== runs) return;
      var total = lists.reduce(function (n, l) { return n + l.order.length; }, 0);
      var s = current = {
        phrases: phrases, terms: phrases.map(function (p) { return [canonical(p[0]), p[1]]; }), filters: filters,
        lists: lists, size: 0, checked: 0, found: total, total: total, busy: null, checking: null,
        unfiltered: lists.reduce(function (n, l) { return n + (l.base ? idsOf(l.base).length : l.src.meta.records); }, 0),
        exact: phrases.every(function (p) { return queryIsExact(p[0], p[1]); }),
      };
      // Every result id (by county on the portal), for the search benchmark and tests.
      root.gkResults = lists[0].order;
      root.gkResultsBy = lists.map(function (l) { return Array.from(l.order); });
      return showMore(s, q, FIRST).then(function () {
        // The benchmark reads these: from the query to the first results on screen, and to
        // their excerpts under them.
        if (mine === runs) performance.measure("gk-search", "gk-search-start");
        return s.checking;
      }).then(function () {
        if (mine === runs) performance.measure("gk-search-excerpts", "gk-search-start");
        return countFilters(s);
      });
    }).catch(function (err) {
      if (mine === runs) status.textContent = "搜索出错，请稍后再试：" + err.message;
    });
  }

  form.addEventListener("submit", run);
  more.addEventListener("click", function () {
    if (!current) return;
    showMore(current, input.value.trim(), NEXT).then(function (first) {
      // Keyboard and screen-reader users continue at the first new result.
      if (first) first.querySelector("a").focus();
    }).catch(function (err) {
      status.textContent = "搜索出错，请稍后再试：" + err.message;
    });
  });
  input.value = params.get("q") || "";
  var header = document.getElementById("gk-q");
  if (header) header.value = input.value;

  // A county whose index cannot be read (not published yet) is left out, and named.
  Promise.all(sources.map(function (src) {
    return load(src, "meta.json", "json").then(function (m) { src.meta = m; }, function (err) { src.error = err; });
  })).then(function () {
    var missing = sources.filter(function (src) { return src.error; });
    sources = sources.filter(function (src) { return !src.error; });
    if (!sources.length) throw missing[0].error;
    if (missing.length) {
      root.insertBefore(text("p", "gk-search-hint", "暂时无法搜索：" + missing.map(function (src) { return src.name; }).join("、") +
        "（其网站的搜索索引暂时无法读取），以下结果不含这些县（市、区）。"), list);
    }
    var asked = input.value || FILTERS.some(function (n) { return params.get(n); });
    renderFilters();
    root.setAttribute("data-ready", "true");
    if (asked) return run();
    input.focus();
  }).catch(function (err) {
    status.textContent = "搜索暂时无法使用：" + err.message;
  });
})();
