// confcal's attendees' page: search, filters, now and next, "My agenda", offline.
// Same-site and framework-free; every page works without it. Text from the programme is set with
// textContent or attributes, never as markup. On the lists (days/, tracks/, rooms/) it only adds
// each session's time in the visitor's own zone.
(function () {
  "use strict";
  var doc = document;
  var ZONE = doc.documentElement.getAttribute("data-zone");
  var OWN = (function () {
    try { return new Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return null; }
  })();
  var DASH = "\u2013";

  // --- Times in the visitor's zone, in the page's 24-hour format --------------------------------

  function formats(zone) {
    var base = { timeZone: zone, hourCycle: "h23" };
    return {
      clock: new Intl.DateTimeFormat("en-GB", Object.assign({ hour: "2-digit", minute: "2-digit" }, base)),
      day: new Intl.DateTimeFormat("en-GB", Object.assign({ weekday: "short" }, base)),
      name: new Intl.DateTimeFormat("en-GB", Object.assign({ timeZoneName: "short" }, base))
    };
  }
  // Made when first needed, not as the page loads: each Intl format costs milliseconds.
  var here = null;
  var there = null;
  function visitorsZoneDiffers() {
    if (!OWN || OWN === ZONE) { return false; }
    if (!here) { here = formats(OWN); there = formats(ZONE); }
    return true;
  }

  function zoneName(date) {
    var parts = here.name.formatToParts(date);
    for (var i = 0; i < parts.length; i++) {
      if (parts[i].type === "timeZoneName") { return parts[i].value; }
    }
    return OWN;
  }

  // " (Tue 01:21–01:44 GMT+9, your time)", or "" where the visitor's clock shows the same.
  function yourTime(start, end) {
    if (!visitorsZoneDiffers() || isNaN(start) || isNaN(end)) { return ""; }
    var otherDay = here.day.format(start) !== there.day.format(start);
    if (!otherDay && here.clock.format(start) === there.clock.format(start)) { return ""; }
    var endDay = here.day.format(end) !== here.day.format(start) ? here.day.format(end) + " " : "";
    return " (" + (otherDay ? here.day.format(start) + " " : "") + here.clock.format(start) + DASH +
      endDay + here.clock.format(end) + " " + zoneName(start) + ", your time)";
  }

  function el(tag, attributes, children) {
    var node = doc.createElement(tag);
    for (var key in attributes) {
      if (attributes[key] !== null && attributes[key] !== undefined && attributes[key] !== false) {
        node.setAttribute(key, attributes[key]);
      }
    }
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined && child !== "") {
        node.appendChild(typeof child === "string" ? doc.createTextNode(child) : child);
      }
    });
    return node;
  }

  function hidden(text) { return el("span", { "class": "vh" }, [text]); }

  function addYourTimes(scope) {
    if (!visitorsZoneDiffers()) { return; }
    var items = scope.querySelectorAll(".when[data-start]");
    for (var i = 0; i < items.length; i++) {
      var text = yourTime(new Date(items[i].getAttribute("data-start")),
        new Date(items[i].getAttribute("data-end")));
      if (text) { items[i].appendChild(el("span", { "class": "yours" }, [text])); }
    }
  }

  // Printed with the abstracts unfolded, where the browser's print style cannot unfold them.
  window.addEventListener("beforeprint", function () {
    var folded = doc.querySelectorAll("details.abstract:not([open])");
    for (var i = 0; i < folded.length; i++) { folded[i].open = true; }
  });

  var app = doc.getElementById("app");
  if (!app) {
    addYourTimes(doc);
    return;
  }

  // --- The programme, from data/sessions.json -------------------------------------------------

  var data = null;
  var sessions = [];
  var abstracts = null;
  var abstractsLoading = null;
  // The abstracts could not be fetched (offline, never saved on this device): searches say so
  // rather than "loading" forever, and try again when the network is back.
  var abstractsMissing = false;
  var links = {};
  var PAGE = 40;
  var shown = PAGE;
  var state = {};
  var typing = false;
  var STARS = "confcal-stars:" + location.pathname.replace(/index\.html$/, "");

  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  // The file name Python's urllib.parse.quote gives the id (sessions/<id>.ics).
  function quote(id) {
    return encodeURIComponent(id).replace(/[!'()*]/g, function (c) {
      return "%" + c.charCodeAt(0).toString(16).toUpperCase();
    }).replace(/%2F/g, "/");
  }

  function load(json) {
    data = json;
    var f = {};
    json.fields.forEach(function (name, n) { f[name] = n; });
    sessions = json.sessions.map(function (row, n) {
      var s = {
        n: n, id: row[f.id], title: row[f.title], day: json.days[row[f.day]][0],
        start: row[f.start], end: row[f.end], when: row[f.when],
        room: json.rooms[row[f.room]] || "", track: json.tracks[row[f.track]] || "",
        type: json.types[row[f.type]] || "", speakers: row[f.speakers], lang: row[f.lang],
        status: row[f.status], url: row[f.url], abstract: row[f.abstract]
      };
      return s;
    });
  }

  // What a search looks in, folded (lower case, no accents): made on the first search, not
  // before the first view; the abstracts added once loaded.
  var folded = false;
  function searchable() {
    if (folded) { return; }
    folded = true;
    sessions.forEach(function (s) {
      s.text = fold([s.title, s.speakers.join(" "), s.room, s.track, s.type].join(" \n "));
      if (abstracts) { s.text += " \n " + fold(abstracts[s.n] || ""); }
    });
  }

  function loadAbstracts() {
    if (!abstractsLoading) {
      abstractsLoading = fetch("data/abstracts.json").then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.json();
      }).then(function (texts) {
        abstracts = texts;
        abstractsMissing = false;
        if (folded) { sessions.forEach(function (s) { s.text += " \n " + fold(texts[s.n] || ""); }); }
      });
      abstractsLoading.catch(function () { abstractsLoading = null; abstractsMissing = true; });
    }
    return abstractsLoading;
  }

  function now() { return Date.now() / 1000; }

  // --- Stars: kept in this browser only ---------------------------------------------------------
  // Only stars of sessions in this programme count: one gone from a rebuilt programme is dropped
  // quietly (from storage too, with the next star). Where the browser keeps nothing (storage
  // disabled, or full), stars are kept in memory for this visit, and the page says so once.

  var memory = null;  // the stars, where localStorage refuses them
  var known = null;   // the ids of this programme's sessions

  function stars() {
    var list = memory;
    if (!list) {
      try { list = JSON.parse(localStorage.getItem(STARS) || "[]"); } catch (e) { list = []; }
      if (!Array.isArray(list)) { list = []; }
    }
    if (!known) {
      known = {};
      sessions.forEach(function (s) { known[s.id] = true; });
    }
    return list.filter(function (id) { return known[id] === true; });
  }
  function starred(id) { return stars().indexOf(id) >= 0; }
  function toggleStar(id) {
    var list = stars();
    var at = list.indexOf(id);
    if (at >= 0) { list.splice(at, 1); } else { list.push(id); }
    if (memory) { memory = list; return at < 0; }
    try {
      localStorage.setItem(STARS, JSON.stringify(list));
    } catch (e) {  // private mode, storage disabled or full
      memory = list;
      note("Your stars cannot be saved on this device (its browser keeps no data for this " +
        "page): they are kept until you close or reload the page.");
    }
    return at < 0;
  }

  // --- State: in the URL, so a view can be shared and the back button works ---------------------

  var KEYS = ["q", "day", "track", "room", "type", "view"];

  function fromURL() {
    var params = new URLSearchParams(location.search);
    var result = {};
    KEYS.forEach(function (key) { result[key] = params.get(key) || ""; });
    return result;
  }

  function toURL(s) {
    var params = new URLSearchParams();
    KEYS.forEach(function (key) { if (s[key]) { params.set(key, s[key]); } });
    var query = params.toString();
    return location.pathname + (query ? "?" + query : "");
  }

  function change(changes, fromTyping) {
    var next = Object.assign({}, state, changes);
    if (toURL(next) === toURL(state)) { return; }
    state = next;
    if (fromTyping && typing) {
      history.replaceState({ typing: true }, "", toURL(state));
    } else {
      history.pushState({ typing: !!fromTyping }, "", toURL(state));
    }
    typing = !!fromTyping;
    shown = PAGE;
    render();
  }

  // The conference day of the visitor's "now", if the conference is on; else the first day.
  function today() {
    var t = now();
    var best = data.days.length ? data.days[0][0] : "";
    data.days.forEach(function (day) {
      var first = Infinity;
      sessions.forEach(function (s) { if (s.day === day[0] && s.start !== null && s.start < first) { first = s.start; } });
      if (first - 6 * 3600 <= t) { best = day[0]; }
    });
    var last = 0;
    sessions.forEach(function (s) { if (s.end !== null && s.end > last) { last = s.end; } });
    return t > last ? data.days[0][0] : best;
  }

  // A cancelled session is never "on now" (nor makes the conference "on").
  function isOn(s, t) {
    return s.start !== null && s.status !== "cancelled" && s.start <= t && t < s.end;
  }

  function conferenceOn() {
    var t = now();
    return sessions.some(function (s) { return s.start !== null && s.status !== "cancelled" && s.start - 3600 <= t && t < s.end; });
  }

  function currentDay() {
    if (state.view === "agenda") { return ""; }
    if (state.day === "all") { return ""; }
    // A day the programme does not have (a link shared before a rebuild, last year's): as if
    // none were named, today or the first day.
    if (state.day && isDay(state.day)) { return state.day; }
    return state.q ? "" : today();
  }

  function isDay(date) {
    return data.days.some(function (day) { return day[0] === date; });
  }

  function matches(s, terms, day, starSet) {
    if (day && s.day !== day) { return false; }
    if (state.track && s.track !== state.track) { return false; }
    if (state.room && s.room !== state.room) { return false; }
    if (state.type && s.type !== state.type) { return false; }
    if (starSet && !starSet[s.id]) { return false; }
    for (var i = 0; i < terms.length; i++) {
      if (s.text.indexOf(terms[i]) < 0) { return false; }
    }
    return true;
  }

  function selected(day) {
    var terms = fold(state.q).split(/\s+/).filter(Boolean);
    if (terms.length) { searchable(); }
    var starSet = null;
    if (state.view === "agenda") {
      starSet = {};
      stars().forEach(function (id) { starSet[id] = true; });
    }
    return sessions.filter(function (s) { return matches(s, terms, day, starSet); });
  }

  // --- Drawing ---------------------------------------------------------------------------------

  function card(s) {
    var chars = Array.from(s.title);  // by code point: an emoji is not cut in two
    var short = chars.length > 40 ? chars.slice(0, 39).join("") + "\u2026" : s.title;
    var when = el("p", { "class": "when" }, [s.when]);
    if (s.start !== null) {
      var yours = yourTime(new Date(s.start * 1000), new Date(s.end * 1000));
      if (yours) { when.appendChild(el("span", { "class": "yours" }, [yours])); }
      if (isOn(s, now())) { when.appendChild(el("span", { "class": "now" }, [" \u00b7 on now"])); }
    }
    var meta = [["Room", s.room], ["Track", s.track], ["Type", s.type]].filter(function (m) { return m[1]; });
    var metaLine = el("p", { "class": "meta" });
    meta.forEach(function (m, i) {
      if (i) { metaLine.appendChild(doc.createTextNode(" \u00b7 ")); }
      metaLine.appendChild(hidden(m[0] + ": "));
      metaLine.appendChild(el("bdi", {}, [m[1]]));  // its own direction: an RLO stays in it
    });
    var star = el("button", { type: "button", "class": "star", "aria-pressed": String(starred(s.id)), "data-id": s.id }, [
      el("span", { "aria-hidden": "true" }, [starred(s.id) ? "\u2605 " : "\u2606 "]), "Star", hidden(" \u201c" + short + "\u201d")
    ]);
    var ics = "sessions/" + quote(s.id) + ".ics";
    var add = el("details", { "class": "add", "data-n": String(s.n) }, [
      el("summary", {}, ["Add to calendar", hidden(" \u201c" + short + "\u201d")]),
      el("ul", { "class": "links" }, [
        el("li", {}, [el("a", { href: ics }, ["Download", hidden(" \u201c" + short + "\u201d"), " (.ics)"])]),
        s.status === "cancelled" ? null : el("li", {}, [el("a", { "class": "google" }, ["Google Calendar", hidden(" for \u201c" + short + "\u201d")])]),
        s.status === "cancelled" ? null : el("li", {}, [el("a", { "class": "outlook" }, ["Outlook.com", hidden(" for \u201c" + short + "\u201d")])])
      ])
    ]);
    var abstract = s.abstract ? el("details", { "class": "abstract", lang: s.lang || null, "data-n": String(s.n) }, [
      el("summary", {}, ["Abstract", hidden(" of \u201c" + short + "\u201d")])
    ]) : null;
    var status = s.status === "cancelled" || s.status === "tentative" ? el("span", { "class": "status" }, [s.status]) : null;
    return el("article", { "class": "card" + (s.status === "cancelled" ? " cancelled" : "") }, [
      when,
      el("h3", {}, [el("span", { "class": "title", lang: s.lang || null }, [s.title]), status ? " " : null, status]),
      meta.length ? metaLine : null,
      s.speakers.length ? el("ul", { "class": "speakers", "aria-label": (s.speakers.length > 1 ? "Speakers: " : "Speaker: ") + s.speakers.join(", ") },
        s.speakers.map(function (name) { return el("li", {}, [name]); })) : null,
      abstract,
      el("div", { "class": "actions" }, [
        star, add,
        s.url ? el("a", { href: s.url }, ["Session page", hidden(" of \u201c" + short + "\u201d")]) : null
      ])
    ]);
  }

  function dayLabel(date) {
    for (var i = 0; i < data.days.length; i++) { if (data.days[i][0] === date) { return data.days[i]; } }
    return [date, date, date];
  }

  function drawList(list, into, limit) {
    var heading = null;
    var fragment = doc.createDocumentFragment();
    list.slice(0, limit).forEach(function (s) {
      if (s.day !== heading) {
        heading = s.day;
        fragment.appendChild(el("h2", {}, [dayLabel(s.day)[1]]));
      }
      fragment.appendChild(card(s));
    });
    into.textContent = "";
    into.appendChild(fragment);
  }

  function drawNowNext() {
    var box = doc.getElementById("nownext");
    var t = now();
    if (state.q || state.view === "agenda" || !conferenceOn()) { box.hidden = true; return; }
    var candidates = selected("");
    var on = candidates.filter(function (s) { return isOn(s, t); });
    var upcoming = candidates.filter(function (s) { return s.start !== null && s.start > t; });
    var soon = upcoming.length ? upcoming[0].start : null;
    var next = upcoming.filter(function (s) { return s.start <= Math.max(soon, t + 3600); });
    var list = doc.getElementById("nownext-list");
    list.textContent = "";
    [["On now", on], ["Next", next]].forEach(function (part) {
      if (!part[1].length) { return; }
      list.appendChild(el("h3", {}, [part[0] + " (" + part[1].length + ")"]));
      part[1].slice(0, 12).forEach(function (s) { list.appendChild(card(s)); });
      if (part[1].length > 12) { list.appendChild(el("p", { "class": "hint" }, [(part[1].length - 12) + " more in the list below."])); }
    });
    box.hidden = !on.length && !next.length;
  }

  function drawBar(day) {
    var bar = doc.getElementById("days");
    var items = [["all", "All days"]].concat(data.days.map(function (d) { return [d[0], d[2]]; }));
    bar.textContent = "";
    var actual = today();
    items.forEach(function (item) {
      var target = Object.assign({}, state, { day: item[0], view: "" });
      var current = state.view !== "agenda" && (item[0] === "all" ? !day : item[0] === day);
      var label = item[1] + (item[0] === actual && conferenceOn() ? " (today)" : "");
      bar.appendChild(el("li", {}, [el("a", { href: toURL(target), "data-day": item[0], "aria-current": current ? "true" : null }, [label])]));
    });
    var count = stars().length;
    var agenda = Object.assign({}, state, { view: "agenda", day: "" });
    bar.appendChild(el("li", {}, [el("a", { href: toURL(agenda), "data-view": "agenda", "aria-current": state.view === "agenda" ? "true" : null },
      ["\u2605 My agenda" + (count ? " (" + count + ")" : "")])]));
  }

  function describe(count, day) {
    var parts = [count + (count === 1 ? " session" : " sessions")];
    if (state.view === "agenda") { parts.push("in my agenda"); }
    if (state.q) { parts.push("matching \u201c" + state.q + "\u201d" + abstractsState()); }
    if (day) { parts.push("on " + dayLabel(day)[2]); }
    ["track", "room", "type"].forEach(function (key) { if (state[key]) { parts.push(key + " " + state[key]); } });
    return parts.join(", ");
  }

  function abstractsState() {
    if (abstracts) { return ""; }
    return abstractsMissing ? " (abstracts not searched: they are not available offline)" : " (abstracts loading)";
  }

  var lastList = [];
  function render() {
    var day = currentDay();
    drawBar(day);
    ["track", "room", "type"].forEach(function (key) {
      var select = doc.getElementById(key);
      if (select) { select.value = state[key]; }
    });
    var q = doc.getElementById("q");
    if (q.value.trim() !== state.q) { q.value = state.q; }  // not while a space is being typed
    if (state.track || state.room || state.type) { doc.getElementById("filters").open = true; }
    lastList = selected(day);
    doc.getElementById("count").textContent = describe(lastList.length, day);
    drawNowNext();
    drawList(lastList, doc.getElementById("results"), shown);
    doc.querySelector(".more").hidden = lastList.length <= shown;
    doc.getElementById("more").textContent = "Show " + Math.min(100, lastList.length - shown) + " more of " + (lastList.length - shown);
    doc.getElementById("agenda-actions").hidden = state.view !== "agenda" || !lastList.length;
    // Offline, titles, speakers, rooms and tracks only; said once the abstracts fail to come.
    if (state.q && !abstracts && !abstractsMissing) { loadAbstracts().then(render, render); }
  }

  function fillSelect(key, values) {
    var select = doc.getElementById(key);
    if (!select) { return; }
    values.forEach(function (value) { select.appendChild(el("option", { value: value }, [value])); });
    select.addEventListener("change", function () {
      var changes = {};
      changes[key] = select.value;
      change(changes, false);
    });
  }

  // --- Add to calendar, abstracts: loaded when opened ------------------------------------------

  function opened(details) {
    // Only a card's abstract and "Add to calendar": not the filter panel, also a <details>.
    if (!details.classList.contains("abstract") && !details.classList.contains("add")) { return; }
    var n = Number(details.getAttribute("data-n"));
    if (details.classList.contains("abstract")) {
      if (details.querySelector("p")) { return; }
      var loading = el("p", {}, ["Loading\u2026"]);
      details.appendChild(loading);
      loadAbstracts().then(function () {
        loading.textContent = abstracts[n];
      }, function () { loading.textContent = "The abstract could not be loaded (offline?)."; });
      return;
    }
    var chunk = Math.floor(n / data.links_chunk);
    if (!links[chunk]) {
      links[chunk] = fetch("data/links-" + chunk + ".json").then(function (r) { return r.json(); });
      links[chunk].catch(function () { links[chunk] = null; });
    }
    links[chunk].then(function (rows) {
      var row = rows[n % data.links_chunk];
      if (!row) { return; }
      details.querySelector(".google").setAttribute("href", row[0]);
      details.querySelector(".outlook").setAttribute("href", row[1]);
    });
  }

  // --- My agenda as one calendar: the session files' VEVENTs, the whole calendar's VTIMEZONEs -----

  function downloadAgenda() {
    var ids = {};
    stars().forEach(function (id) { ids[id] = true; });
    var chosen = sessions.filter(function (s) { return ids[s.id]; });
    Promise.all(chosen.map(function (s) {
      return fetch("sessions/" + quote(s.id) + ".ics").then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.text();
      });
    })).then(function (files) {
      var events = files.map(function (text) {
        return (text.match(/^BEGIN:VEVENT\r\n[\s\S]*?^END:VEVENT\r\n/gm) || []).join("");
      });
      var body = data.agenda.head + data.agenda.zones + events.join("") + "END:VCALENDAR\r\n";
      var link = el("a", { href: URL.createObjectURL(new Blob([body], { type: "text/calendar" })), download: "my-agenda.ics" });
      doc.body.appendChild(link);
      link.click();
      link.remove();
    }, function () { note("Your agenda could not be downloaded: a session\u2019s calendar is not on this device yet and the network is not reachable."); });
  }

  // --- Offline: the service worker keeps the site; the page says what it shows -----------------

  function note(text, action) {
    var box = doc.getElementById("note");
    box.textContent = text;
    if (action) { box.appendChild(doc.createTextNode(" ")); box.appendChild(action); }
    box.hidden = !text;
  }

  function offline() {
    note("You are offline: this is the programme as saved on this device, updated " +
      doc.querySelector("footer time").textContent + ".");
  }

  function registerWorker() {
    var worker = doc.querySelector("[data-worker]");
    if (!worker || !("serviceWorker" in navigator) || !/^https?:$/.test(location.protocol)) { return; }
    var hadController = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (hadController) {
        var reload = el("button", { type: "button", "class": "chip" }, ["Reload"]);
        reload.addEventListener("click", function () { location.reload(); });
        note("The programme has been updated.", reload);
      }
      hadController = true;
    });
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.saved) { doc.getElementById("saved").hidden = false; }
    });
    navigator.serviceWorker.register(worker.getAttribute("data-worker")).then(function (registration) {
      if (hadController) { registration.update().catch(offline); }
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      registration.active.postMessage("save-all");
    }).catch(function () { /* no worker: the page still works online */ });
    window.addEventListener("offline", offline);
    window.addEventListener("online", function () { note(""); });
    if (navigator.onLine === false) { offline(); }
  }

  function start(json) {
    load(json);
    fillSelect("track", data.tracks);
    fillSelect("room", data.rooms);
    fillSelect("type", data.types);
    if (!data.types.length) { doc.getElementById("type").parentNode.hidden = true; }
    state = fromURL();
    app.hidden = false;
    doc.getElementById("search").hidden = false;
    render();
    var q = doc.getElementById("q");
    var timer = null;
    q.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { change({ q: q.value.trim() }, true); }, 150);
    });
    q.addEventListener("focus", function () { loadAbstracts().catch(function () {}); }, { once: true });
    doc.getElementById("days").addEventListener("click", function (event) {
      var link = event.target.closest("a");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
      event.preventDefault();
      if (link.getAttribute("data-view")) { change({ view: "agenda", day: "" }, false); }
      else { change({ day: link.getAttribute("data-day"), view: "" }, false); }
    });
    app.addEventListener("click", function (event) {
      var star = event.target.closest(".star");
      if (star) {
        var on = toggleStar(star.getAttribute("data-id"));
        doc.querySelectorAll('.star[data-id="' + CSS.escape(star.getAttribute("data-id")) + '"]').forEach(function (button) {
          button.setAttribute("aria-pressed", String(on));
          button.firstChild.textContent = on ? "\u2605 " : "\u2606 ";
        });
        drawBar(currentDay());
        doc.getElementById("agenda-actions").hidden = state.view !== "agenda" || !stars().length;
      }
    });
    app.addEventListener("toggle", function (event) {
      if (event.target.open) { opened(event.target); }
    }, true);
    doc.getElementById("more").addEventListener("click", function () {
      var before = shown;
      shown += 100;
      drawList(lastList, doc.getElementById("results"), shown);
      doc.querySelector(".more").hidden = lastList.length <= shown;
      doc.getElementById("more").textContent = "Show " + Math.min(100, lastList.length - shown) + " more of " + (lastList.length - shown);
      var first = doc.querySelectorAll("#results article")[before];
      if (first) { first.querySelector("button").focus(); }
    });
    doc.getElementById("download-agenda").addEventListener("click", downloadAgenda);
    window.addEventListener("popstate", function () {
      state = fromURL();
      typing = false;
      shown = PAGE;
      render();
    });
    window.addEventListener("online", function () {
      abstractsMissing = false;
      if (state.q && !abstracts) { render(); }
    });
    setInterval(function () { if (!state.q) { drawNowNext(); } }, 60000);
    if (window.performance && performance.mark) { performance.mark("confcal-sessions-shown"); }
  }

  // The worker is registered once the page has loaded and drawn its sessions: its first
  // downloads would otherwise compete with the first view.
  var loaded = new Promise(function (resolve) {
    if (doc.readyState === "complete") { resolve(); } else { window.addEventListener("load", resolve); }
  });
  fetch("data/sessions.json").then(function (r) {
    if (!r.ok) { throw new Error(r.status); }
    return r.json();
  }).then(start).catch(function () { /* no data (a page opened from disk): the lists remain */ })
    .then(function () { return loaded; }).then(registerWorker);
})();
