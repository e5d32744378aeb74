// Keeps the app's shell (its page, style, script, manifest and icon) for offline use, nothing else:
// answers from /v1/ carry positions and live requests, so they always go to the network.
// The server writes the shell's content hash into VERSION, so a new version replaces the cache.
// Online, the shell comes from the network (the server answers 304 while nothing changed), so a
// new deployment shows on the next visit; the kept copy answers only when the network does not.
"use strict";

const VERSION = "nahbei-app-__VERSION__";
const SHELL = [
  "/app/", "/app/app.css", "/app/card.css", "/app/app.js", "/app/card.js", "/app/manifest.webmanifest", "/app/icon.svg",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== VERSION).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || !SHELL.includes(url.pathname)) {
    return; // not ours to keep: the browser asks the network as usual
  }
  event.respondWith(
    fetch(event.request).catch(() =>
      caches.open(VERSION)
        .then((cache) => cache.match(url.pathname))
        .then((kept) => kept || Response.error())),
  );
});
