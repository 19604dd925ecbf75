/* The form editor's preview (Decap CMS): the record drawn as the site will draw it, with
   the totals the check recomputes, so a clerk sees an unbalanced ledger before saving.
   Which fields are tables, which columns are summed and which checks an item has come from
   preview.json, generated from the catalogues beside config.yml. */
(function () {
  "use strict";
  if (!window.CMS || !window.h || !window.createClass) return;
  var h = window.h;
  var cents = function (x) { return Math.round(Number(x) * 100); };
  var money = function (c) { return (c / 100).toFixed(2); };
  var isNum = function (x) { return x !== undefined && x !== null && x !== "" && !isNaN(Number(x)); };

  function sumOf(rows, column) {
    return (rows || []).reduce(function (t, r) { return t + (r && isNum(r[column]) ? cents(r[column]) : 0); }, 0);
  }

  // The same named rules as gongkai/checks.py, for what a form can see on its own.
  var CHECKS = {
    ledger_balances: function (d, out) {
      [["income", "income_total", "收入"], ["expense", "expense_total", "支出"]].forEach(function (k) {
        if (isNum(d[k[1]]) && sumOf(d[k[0]], "amount") !== cents(d[k[1]])) {
          out.push(k[2] + "明细之和为 " + money(sumOf(d[k[0]], "amount")) + " 元，但" + k[2] + "合计写的是 " + money(cents(d[k[1]])) + " 元");
        }
      });
      if (["opening_balance", "income_total", "expense_total", "closing_balance"].every(function (k) { return isNum(d[k]); })) {
        var expected = cents(d.opening_balance) + cents(d.income_total) - cents(d.expense_total);
        if (expected !== cents(d.closing_balance)) {
          out.push("账不平：期初余额 + 本期收入 − 本期支出 = " + money(expected) + " 元，但期末余额写的是 " + money(cents(d.closing_balance)) + " 元");
        }
      }
    },
    list_total: function (d, out) {
      if (isNum(d.total_amount) && sumOf(d.recipients, "amount") !== cents(d.total_amount)) {
        out.push("名单金额之和为 " + money(sumOf(d.recipients, "amount")) + " 元，但合计写的是 " + money(cents(d.total_amount)) + " 元");
      }
      if (isNum(d.total_count) && (d.recipients || []).length !== Number(d.total_count)) {
        out.push("名单共 " + (d.recipients || []).length + " 人（户），但「总人数」写的是 " + d.total_count);
      }
    }
  };

  // Personal numbers a clerk may type into any text field: the check on the pull request
  // names them (gongkai/pii.py, which knows many more disguises); the preview warns at once,
  // under the same label (发放对象·第1行·村民小组) the check's finding will use.
  var ID = /(^|[^0-9])([0-9]{17}[0-9Xx])(?![0-9])/;
  var MOBILE = /(^|[^0-9])(1[3-9][0-9]{9})(?![0-9])/;
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  function isIdNumber(s) {
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += Number(s[i]) * WEIGHTS[i];
    return "10X98765432"[sum % 11] === s[17].toUpperCase();
  }
  function labelOf(s) { return s.label + (s.unit ? "（" + s.unit + "）" : ""); }
  function personal(specs, data, prefix, out) {
    (specs || []).forEach(function (s) {
      var v = data ? data[s.name] : undefined;
      var where = prefix.concat([labelOf(s)]);
      if (typeof v === "string") {
        var id = v.match(ID), mobile = v.match(MOBILE);
        if (id && isIdNumber(id[2])) out.push("「" + where.join("·") + "」里像是未遮挡的身份证号码：公开前须只留前六位和后四位，例如 411023********1234");
        if (mobile) out.push("「" + where.join("·") + "」里像是未遮挡的手机号码：公开前须遮挡中间四位，例如 138****5678");
      } else if (s.columns && Array.isArray(v)) {
        v.forEach(function (row, i) { personal(s.columns, row, where.concat(["第" + (i + 1) + "行"]), out); });
      } else if (s.fields && v && typeof v === "object") {
        personal(s.fields, v, where, out);
      }
    });
  }

  function text(value, unit) {
    if (value === undefined || value === null || value === "") return "";
    if (typeof value === "boolean") return value ? "是" : "否";
    if (Array.isArray(value)) return value.join("、");
    return String(value) + (unit ? " " + unit : "");
  }

  function table(spec, rows) {
    var cols = spec.columns;
    var head = h("tr", {}, cols.map(function (c) { return h("th", { key: c.name }, c.label + (c.unit ? "（" + c.unit + "）" : "")); }));
    var body = (rows || []).map(function (r, i) {
      return h("tr", { key: i }, cols.map(function (c) { return h("td", { key: c.name }, text(r && r[c.name])); }));
    });
    var summed = cols.some(function (c) { return c.sum; });
    var foot = summed ? h("tr", { className: "total" }, cols.map(function (c, i) {
      return h("td", { key: c.name }, h("strong", {}, c.sum ? money(sumOf(rows, c.name)) : i === 0 ? "明细合计" : ""));
    })) : null;
    return h("table", {}, h("thead", {}, head), h("tbody", {}, body, foot));
  }

  function fields(specs, data) {
    return h("dl", {}, specs.map(function (s) {
      var v = data ? data[s.name] : undefined;
      if (v === undefined || v === null || v === "") return null;
      var shown = s.columns ? table(s, v) : s.fields ? fields(s.fields, v) : text(v, s.unit);
      return h("div", { key: s.name }, h("dt", {}, s.label), h("dd", {}, shown));
    }));
  }

  function register(name, spec) {
    window.CMS.registerPreviewTemplate(name, window.createClass({
      render: function () {
        var d = this.props.entry.get("data").toJS();
        var problems = [];
        (spec.checks || []).forEach(function (c) { if (CHECKS[c]) CHECKS[c](d, problems); });
        personal(spec.fields.concat([{ name: "title", label: "标题" }, { name: "body", label: "正文" }]), d, [], problems);
        var verdict = problems.length
          ? h("div", { className: "problems", role: "alert" }, h("strong", {}, "提交前请核对："), h("ul", {}, problems.map(function (p, i) { return h("li", { key: i }, p); })))
          : (spec.checks || []).some(function (c) { return CHECKS[c]; }) ? h("p", { className: "ok" }, "合计与明细一致。") : null;
        return h("article", { className: "gongkai-preview" },
          h("style", {}, ".gongkai-preview{font:15px/1.6 sans-serif;padding:1em}.gongkai-preview table{border-collapse:collapse}" +
            ".gongkai-preview td,.gongkai-preview th{border:1px solid #ccc;padding:.2em .5em}.gongkai-preview .problems{color:#b00020;border:2px solid #b00020;padding:.5em}" +
            ".gongkai-preview .ok{color:#1b5e20}.gongkai-preview dt{font-weight:bold;margin-top:.5em}"),
          h("h1", {}, d.title || ""),
          h("p", {}, text(d.published)),
          verdict,
          fields(spec.fields, d),
          h("div", {}, this.props.widgetFor("body")));
      }
    }));
  }

  fetch("preview.json").then(function (r) { return r.json(); }).then(function (specs) {
    Object.keys(specs).forEach(function (name) { register(name, specs[name]); });
  });
})();
