// 长者模式: larger text, switched by a button and remembered in localStorage, so it
// survives navigation on a static site (no server, no cookie). The class is put on <html>
// before the page is drawn by the few lines in theme/main.html's head; this file wires
// the button once the page is there.
(function () {
  "use strict";
  var KEY = "gongkai-large-text";
  var root = document.documentElement;
  function on() { return root.classList.contains("gk-large"); }
  function show(button) {
    button.setAttribute("aria-pressed", on() ? "true" : "false");
    button.textContent = on() ? "长者模式：开" : "长者模式：关";
  }
  document.querySelectorAll("[data-gk-large]").forEach(function (button) {
    button.hidden = false;
    show(button);
    button.addEventListener("click", function () {
      root.classList.toggle("gk-large");
      try { localStorage.setItem(KEY, on() ? "1" : "0"); } catch (e) { /* private mode: this page only */ }
      show(button);
    });
  });
})();

// The menu drawer on a phone: the toolbar's links come between the menu button and the
// drawer in the page, so a keyboard user who opens the menu is taken into it, and Escape
// closes it and gives the focus back to the button.
(function () {
  "use strict";
  var drawer = document.getElementById("__drawer");
  var button = document.querySelector("label[for='__drawer'][tabindex]");
  if (!drawer || !button) return;
  var narrow = window.matchMedia("(max-width: 76.234375em)");  // where Material hides the drawer
  drawer.addEventListener("change", function () {
    if (!drawer.checked || !narrow.matches) return;
    var first = document.querySelector(".md-sidebar--primary a[href]");
    if (first) first.focus();
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape" || !drawer.checked || !narrow.matches) return;
    drawer.checked = false;
    drawer.dispatchEvent(new Event("change"));
    button.focus();
  });
})();

// A wide table in a record's text: Material's script wraps it in a box that scrolls
// sideways. The box becomes a Tab stop with a name, so a keyboard can scroll it too
// (WCAG 2.1.1; axe: scrollable-region-focusable). Material wraps the tables after this
// file runs, so each box is marked as it appears.
(function () {
  "use strict";
  var content = document.querySelector(".md-content");
  if (!content || !window.MutationObserver) return;
  function mark() {
    content.querySelectorAll(".md-typeset__scrollwrap:not([tabindex])").forEach(function (box) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "表格（可左右滚动）");
    });
  }
  mark();
  new MutationObserver(mark).observe(content, { childList: true, subtree: true });
})();
