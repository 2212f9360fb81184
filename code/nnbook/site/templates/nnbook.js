/* nnbook (inline at the end of every page by layout.html; runs before the theme's deferred
   scripts): the controls a reader uses, on every screen, by touch and by keyboard. */
(() => {
  "use strict";
  const article = document.querySelector("article.bd-article");
  const sections = (parent) => [...parent.children].filter((c) => c.tagName === "SECTION");

  /* Touch screens: no Bootstrap tooltips (they stay up after a tap and cover the header's
     buttons). Removed before the theme's script makes them; the labels stay. */
  if (matchMedia("(hover: none)").matches) {
    document.querySelectorAll('[data-bs-toggle="tooltip"]')
      .forEach((el) => el.removeAttribute("data-bs-toggle"));
  }

  /* The language switcher keeps the reader's place. Section ids differ by language (they come
     from the headings' words), so a link carries the section's position instead, "1.3" (the
     third section of the chapter), and the page it opens turns that into its own id. */
  const PLACE = "#nnbook-section-";
  const position = (section) => {
    const path = [];
    for (let s = section; s; s = s.parentElement.closest("article section")) {
      path.unshift(sections(s.parentElement).indexOf(s) + 1);
    }
    return path.join(".");
  };
  const readerAt = () => {  // the innermost section that holds the top quarter of the screen
    const header = document.querySelector(".bd-header-article");
    const top = (header ? Math.max(0, header.getBoundingClientRect().bottom) : 0)
      + innerHeight / 4;
    let found = null;
    for (const s of article.querySelectorAll("section[id]")) {
      const r = s.getBoundingClientRect();
      if (r.top <= top && r.bottom > top) found = s;
    }
    return found;
  };
  const switcher = document.querySelectorAll(".nnbook-languages a[hreflang]");
  const onSearchPage = !!document.getElementById("search-results");
  let pending = false;
  const update = () => {
    pending = false;
    const s = article && readerAt();
    const place = s && s.parentElement.closest("article section") ? PLACE + position(s) : "";
    switcher.forEach((a) => {
      const url = new URL(a.href);
      url.hash = place;
      if (onSearchPage) url.search = location.search;  // the same search in the other language
      a.href = url.href;
    });
  };
  if (switcher.length) {
    const later = () => { if (!pending) { pending = true; requestAnimationFrame(update); } };
    addEventListener("scroll", later, { passive: true });
    addEventListener("hashchange", later);
    addEventListener("load", update);
    update();
  }
  const asked = location.hash.match(/^#nnbook-section-(\d+(?:\.\d+)*)$/);
  if (asked && article) {
    let target = null;
    let level = sections(article);
    for (const n of asked[1].split(".").map(Number)) {  // as deep as this page has it
      if (!level[n - 1]) break;
      target = level[n - 1];
      level = sections(target);
    }
    if (target) {
      history.replaceState(null, "", "#" + target.id);
      target.scrollIntoView();
    }
  }

  /* The keyboard keeps its place: the book theme takes focus off a toggle when it is clicked
     (for its tooltip), so after Enter on one, or after closing a drawer, focus returns to it. */
  const CONTROLS = ".primary-toggle, .secondary-toggle, .theme-switch-button";
  document.addEventListener("click", (e) => {
    const control = e.target.closest && e.target.closest(CONTROLS);
    if (control && e.detail === 0) {  // a click from the keyboard
      setTimeout(() => { if (document.activeElement === document.body) control.focus(); });
    }
  }, true);  // before the theme's handlers, one of which stops the event
  for (const [modal, toggle] of [["pst-primary-sidebar-modal", ".primary-toggle"],
                                 ["pst-secondary-sidebar-modal", ".secondary-toggle"]]) {
    const dialog = document.getElementById(modal);
    if (!dialog) continue;
    let section = null;
    dialog.addEventListener("close", () => setTimeout(() => {
      if (section) {  // the keyboard goes on from the section the reader chose
        if (section.tabIndex < 0) section.setAttribute("tabindex", "-1");
        section.focus({ preventScroll: true });
      } else if (document.activeElement === document.body) {
        document.querySelector(toggle)?.focus();
      }
      section = null;
    }));
    /* A drawer's link to a place on this page (the page's contents) closes the drawer, which
       otherwise stays open over the section the reader asked for. */
    dialog.addEventListener("click", (e) => {
      const link = e.target.closest && e.target.closest("a[href]");
      if (link && link.pathname === location.pathname && link.hash) {
        section = document.getElementById(decodeURIComponent(link.hash.slice(1)));
        setTimeout(() => dialog.close());
      }
    });
  }

  /* Search results quote the chapter's text, not the page's menus: Sphinx takes a result's
     snippet from the whole [role=main], which here also holds the language switcher, the
     download menu and the contents. */
  if (onSearchPage && typeof Search !== "undefined") {
    const CHROME = ".headerlink, script, style, .bd-header-article, #jb-print-docs-body, "
      + ".bd-sidebar-secondary, .prev-next-footer, .bd-footer-article, .bd-footer-content";
    Search.htmlToText = (html, anchor) => {
      const doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll(CHROME).forEach((el) => el.remove());
      const main = doc.querySelector("article.bd-article") || doc.querySelector("[role=main]");
      const part = anchor ? doc.getElementById(anchor.replace(/^#/, "")) : null;
      return ((part && main && main.contains(part)) ? part : main)?.textContent || "";
    };
  }
})();
