// The site's service worker: after the first visit, the page, its data, its lists and its
// calendars are read from this device, so the programme stays there when the Wi-Fi does not.
// The lines above (written by confcal) name the files and a VERSION that changes with any of
// them: a rebuilt site installs a new worker, which replaces the saved copy, and the page offers
// to reload. Only this site's own files are kept: nothing from elsewhere is ever fetched.
"use strict";
var SCOPE = self.registration.scope;
var CACHE = "confcal " + SCOPE + " " + VERSION;

self.addEventListener("install", function (event) {
  // The page, its script, data and lists: small, and enough to read the programme offline.
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(CORE);
  }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf("confcal " + SCOPE + " ") === 0 && key !== CACHE;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () {
    return self.clients.claim();
  }));
});

function quote(id) {
  return encodeURIComponent(id).replace(/[!'()*]/g, function (c) {
    return "%" + c.charCodeAt(0).toString(16).toUpperCase();
  }).replace(/%2F/g, "/");
}

// The rest of the site (abstracts, lists, every calendar), fetched a few at a time once the page
// has shown and asks, so that the first visit is not slowed by it.
function saveCalendars() {
  return caches.open(CACHE).then(function (cache) {
    return cache.match("data/sessions.json").then(function (response) {
      return response ? response.json() : { sessions: [] };
    }).then(function (data) {
      var wanted = REST.concat(data.sessions.map(function (row) {
        return SESSIONS + quote(row[0]) + ".ics";
      }));
      return cache.keys().then(function (requests) {
        var have = {};
        requests.forEach(function (request) { have[request.url] = true; });
        var todo = wanted.filter(function (path) { return !have[new URL(path, SCOPE).href]; });
        function next() {
          var batch = todo.splice(0, 6);
          if (!batch.length) { return Promise.resolve(); }
          return Promise.all(batch.map(function (path) {
            return fetch(path).then(function (response) {
              if (response.ok) { return cache.put(path, response); }
            });
          })).then(next);
        }
        return next();
      });
    });
  });
}

self.addEventListener("message", function (event) {
  if (event.data !== "save-all") { return; }
  event.waitUntil(saveCalendars().then(function () {
    return event.source && event.source.postMessage({ saved: true });
  }, function () { /* offline before all were saved: the rest on the next visit */ }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || request.url.indexOf(SCOPE) !== 0) { return; }
  event.respondWith(caches.open(CACHE).then(function (cache) {
    // A view of the page (?day=...&q=...) is the page: its state is read by the script.
    var options = request.mode === "navigate" ? { ignoreSearch: true } : undefined;
    return cache.match(request, options).then(function (saved) {
      return saved || fetch(request).then(function (response) {
        if (response.ok && response.type === "basic") { cache.put(request, response.clone()); }
        return response;
      });
    });
  }));
});
