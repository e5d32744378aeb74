// Nahbei's companion on the web: where you are -> GET /v1/nearby -> the requests near you, as cards.
//
// What stays in this browser (localStorage, never sent): the language chosen, when each request was
// last shown (for its cooldown_s), the requests marked "not interested", and when requests were
// shown in the last hour (for the cap). What leaves it: the position, only to /v1/nearby, and
// anonymous event counts (shown, opened, acted) to /v1/prompts/{id}/events.
import { cardPart, promptCard } from "./card.js";

// Nearby Notifications died of spam: at most this many new requests an hour, whatever the sites.
const MAX_NEW_PER_HOUR = 6;
// Ask the backend again only after a real move: this far, or the fix's own uncertainty if larger...
const MOVE_M = 25;
// ...or after this long, so a request published meanwhile shows up.
const REFRESH_MS = 5 * 60 * 1000;
// How far around the visitor a site counts as near: a few minutes' walk.
const RADIUS_M = 500;
const HOUR_MS = 3600 * 1000;

const WORDS = {
  de: {
    title: "Hilfe in Ihrer Nähe",
    why: "Nahbei zeigt Ihnen, wo Einrichtungen in Ihrer Nähe gerade Hilfe brauchen: ein Hospiz, eine Tafel, ein Sportverein. Dafür braucht es Ihren Standort.",
    look: "Umgebung ansehen",
    privacy: "Ihr Standort geht nur an diesen Server, um Einrichtungen in der Nähe zu finden, und wird nicht gespeichert. Was Sie gesehen oder ausgeblendet haben, bleibt auf Ihrem Gerät.",
    deniedTitle: "Ohne Standort",
    denied: "Ohne Ihren Standort kann Nahbei nicht wissen, was in Ihrer Nähe ist. Sie können den Standort in den Einstellungen Ihres Browsers für diese Seite erlauben.",
    poster: "Oder: Einrichtungen, die mitmachen, haben ein Plakat an der Tür. Sein QR-Code öffnet die Seite der Einrichtung mit ihren Aufrufen, ganz ohne Standort.",
    offline: "Sie sind offline. Sobald Sie wieder Netz haben, zeigt Nahbei, was in Ihrer Nähe ist.",
    looking: "Nahbei sieht sich um …",
    none: "Gerade braucht niemand in Ihrer Nähe Hilfe. Nahbei sieht wieder nach, wenn Sie weitergehen.",
    found: (n) => (n === 1 ? "1 Aufruf in Ihrer Nähe." : `${n} Aufrufe in Ihrer Nähe.`),
    failed: "Nahbei hat gerade keine Antwort bekommen. Es versucht es wieder, wenn Sie weitergehen.",
    noFix: "Ihr Standort ist gerade nicht zu bestimmen.",
    here: "direkt hier",
    away: (m) => `etwa ${m} entfernt`,
    paused: (n) => (n === 1
      ? "1 Aufruf, den Sie schon gesehen haben, pausiert eine Weile."
      : `${n} Aufrufe, die Sie schon gesehen haben, pausieren eine Weile.`),
    capped: "Für diese Stunde hat Nahbei Ihnen genug gezeigt; weitere Aufrufe kommen später.",
  },
  en: {
    title: "Help near you",
    why: "Nahbei shows you where organisations near you need help right now: a hospice, a food bank, a sports club. For that it needs your location.",
    look: "Look around me",
    privacy: "Your location goes only to this server, to find sites near you, and is not stored. What you have seen or hidden stays on your device.",
    deniedTitle: "Without location",
    denied: "Without your location Nahbei cannot know what is near you. You can allow location for this page in your browser's settings.",
    poster: "Or: sites that take part have a poster on their door. Its QR code opens the site's page with its requests, no location needed.",
    offline: "You are offline. As soon as you are back online, Nahbei shows what is near you.",
    looking: "Nahbei is looking around …",
    none: "Nobody near you needs help right now. Nahbei looks again as you walk on.",
    found: (n) => (n === 1 ? "1 request near you." : `${n} requests near you.`),
    failed: "Nahbei got no answer just now. It tries again as you walk on.",
    noFix: "Your location cannot be found just now.",
    here: "right here",
    away: (m) => `about ${m} away`,
    paused: (n) => (n === 1
      ? "1 request you have already seen is paused for a while."
      : `${n} requests you have already seen are paused for a while.`),
    capped: "Nahbei has shown you enough for this hour; more requests come later.",
  },
};

// --- what stays in the browser -------------------------------------------------------------------

function load(key, fallback) {
  try {
    const value = JSON.parse(localStorage.getItem("nahbei." + key));
    return value === null ? fallback : value;
  } catch (_) {
    return fallback;
  }
}

function save(key, value) {
  try {
    localStorage.setItem("nahbei." + key, JSON.stringify(value));
  } catch (_) { /* private mode or full: the app works, it only forgets */ }
}

function pickLanguage() {
  const chosen = load("lang", null);
  if (chosen in WORDS) return chosen;
  return (navigator.language || "de").toLowerCase().startsWith("en") ? "en" : "de";
}

let lang = pickLanguage();
const t = (key) => WORDS[lang][key];

// --- pure rules ----------------------------------------------------------------------------------

function metresBetween(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371000 * Math.asin(Math.sqrt(h));
}

// A phone's fix scatters by tens of metres: a number finer than this would promise too much.
function distanceInWords(m) {
  if (m < 15) return t("here");
  let text;
  if (m < 100) text = `${Math.round(m / 10) * 10} m`;
  else if (m < 1000) text = `${Math.round(m / 50) * 50} m`;
  else text = `${(m / 1000).toLocaleString(lang, { maximumFractionDigits: 1 })} km`;
  return t("away")(text);
}

function shouldAsk(last, fix, now) {
  if (last === null) return true;
  if (now - last.at >= REFRESH_MS) return true;
  return metresBetween(last, fix) >= Math.max(MOVE_M, fix.accuracy || 0);
}

// Which requests go on screen: nearest first, none marked "not interested", none within its
// cooldown unless it is on screen already, none beyond its own distance limit, and new ones only
// while the hour's cap allows.
function choose(sites, memory, onScreen, now) {
  const chosen = [];
  let paused = 0;
  let capped = false;
  let shownThisHour = memory.shownAt.filter((at) => now - at < HOUR_MS).length;
  for (const entry of sites) {
    for (const prompt of entry.prompts) {
      const distance = entry.distance_m;
      if (memory.hidden.includes(prompt.id)) continue;
      if (prompt.max_distance_m !== null && distance !== null && distance > prompt.max_distance_m) continue;
      if (!onScreen.has(prompt.id)) {
        const last = memory.lastShown[prompt.id];
        if (last !== undefined && now - last < prompt.cooldown_s * 1000) {
          paused += 1;
          continue;
        }
        if (shownThisHour >= MAX_NEW_PER_HOUR) {
          capped = true;
          continue;
        }
        shownThisHour += 1;
      }
      chosen.push({ prompt, site: entry.site, distance });
    }
  }
  return { chosen, paused, capped };
}

// --- the page ------------------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);
const onScreen = new Set(); // in the list now
const counted = new Set(); // in the list now, and its "shown" sent: it was half in view once
const opened = new Set(); // read in this visit
const inView = "IntersectionObserver" in window
  ? new IntersectionObserver((entries) => entries.forEach((entry) => entry.isIntersecting && sighted(entry.target)), {
    threshold: 0.5,
  })
  : null;
let lastAsk = null;
let lastFix = null;
let watching = null;

function memory() {
  return { hidden: load("hidden", []), lastShown: load("lastShown", {}), shownAt: load("shownAt", []) };
}

function report(promptId, type) {
  fetch(`/v1/prompts/${promptId}/events`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type }),
    credentials: "omit",
    keepalive: true,
  }).catch(() => { /* a lost count is not worth a retry */ });
}

function say(text) {
  $("status").textContent = text;
}

function sighted(article) {
  const id = Number(article.dataset.prompt);
  if (inView) inView.unobserve(article);
  if (!counted.has(id)) {
    counted.add(id);
    report(id, "shown");
  }
}

function card({ prompt, site, distance }) {
  // The site's name leads to its public page (who it is, all its requests, its privacy notice).
  const page = `/s/${encodeURIComponent(site.slug)}?lang=${lang}`;
  const article = promptCard(lang, prompt, site.name, page);
  article.dataset.prompt = String(prompt.id);
  if (distance !== null) cardPart(article, "where").append(` · ${distanceInWords(distance)}`);
  const details = article.querySelector("details");
  details.open = opened.has(prompt.id); // a card being read stays open when the list is renewed
  details.addEventListener("toggle", () => {
    if (details.open && !opened.has(prompt.id)) {
      opened.add(prompt.id);
      report(prompt.id, "opened");
    }
  });
  const link = cardPart(article, "action");
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  link.addEventListener("click", () => report(prompt.id, "acted"));
  cardPart(article, "dismiss").addEventListener("click", () => {
    save("hidden", [...memory().hidden, prompt.id]);
    onScreen.delete(prompt.id);
    article.remove();
  });
  return article;
}

function show(sites) {
  const now = Date.now();
  const mem = memory();
  const { chosen, paused, capped } = choose(sites, mem, onScreen, now);
  // A cooldown is at most 30 days (the API's limit): older entries can go.
  const lastShown = Object.fromEntries(Object.entries(mem.lastShown).filter(([, at]) => now - at < 30 * 24 * HOUR_MS));
  const shownAt = mem.shownAt.filter((at) => now - at < HOUR_MS);
  const articles = chosen.map(card);
  $("prompts").replaceChildren(...articles);
  const listed = new Set(chosen.map((c) => c.prompt.id));
  for (const { prompt } of chosen) {
    lastShown[prompt.id] = now;
    if (!onScreen.has(prompt.id)) shownAt.push(now);
  }
  onScreen.clear();
  listed.forEach((id) => onScreen.add(id));
  [...counted].filter((id) => !listed.has(id)).forEach((id) => counted.delete(id));
  articles.forEach((article) => (inView ? inView.observe(article) : sighted(article)));
  save("lastShown", lastShown);
  save("shownAt", shownAt);
  say(chosen.length ? t("found")(chosen.length) : t("none"));
  const note = [paused ? t("paused")(paused) : "", capped ? t("capped") : ""].filter(Boolean).join(" ");
  $("paused").textContent = note;
  $("paused").hidden = !note;
}

async function ask(fix) {
  if (!navigator.onLine) {
    say(""); // the offline notice says it; a kept answer would show what may be gone
    return;
  }
  const query = new URLSearchParams({
    lat: fix.lat.toFixed(5),
    lon: fix.lon.toFixed(5),
    radius_m: String(RADIUS_M),
    lang,
  });
  try {
    const response = await fetch(`/v1/nearby?${query}`, { credentials: "omit" });
    if (!response.ok) throw new Error(String(response.status));
    const answer = (await response.json()).sites;
    lastAsk = { ...fix, at: Date.now() };
    show(answer);
  } catch (_) {
    say(navigator.onLine ? t("failed") : t("offline"));
  }
}

function onFix(position) {
  const fix = { lat: position.coords.latitude, lon: position.coords.longitude, accuracy: position.coords.accuracy };
  lastFix = fix;
  if (shouldAsk(lastAsk, fix, Date.now())) ask(fix);
}

function onFixError(error) {
  if (error.code === error.PERMISSION_DENIED) {
    stopWatching();
    $("ask").hidden = false;
    $("denied").hidden = false;
    say("");
  } else {
    say(t("noFix"));
  }
}

function startWatching() {
  if (watching !== null || !("geolocation" in navigator)) return;
  $("ask").hidden = true;
  $("denied").hidden = true;
  say(t("looking"));
  watching = navigator.geolocation.watchPosition(onFix, onFixError, {
    enableHighAccuracy: false,
    maximumAge: 30000,
    timeout: 30000,
  });
}

function stopWatching() {
  if (watching !== null) navigator.geolocation.clearWatch(watching);
  watching = null;
}

function translate() {
  document.documentElement.lang = lang;
  document.title = `Nahbei: ${t("title")}`;
  document.querySelectorAll("[data-t]").forEach((node) => {
    node.textContent = t(node.dataset.t);
  });
  document.querySelectorAll("[data-lang]").forEach((button) => {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
  });
}

function switchLanguage(code) {
  lang = code;
  save("lang", code);
  translate();
  if (lastAsk !== null) ask(lastAsk); // the requests' texts come in the new language
  else if ($("status").textContent) say(watching === null ? "" : t("looking"));
}

function showConnection() {
  $("offline").hidden = navigator.onLine;
  if (navigator.onLine && lastFix !== null) ask(lastFix);
}

async function permission() {
  try {
    return (await navigator.permissions.query({ name: "geolocation" })).state;
  } catch (_) {
    return "prompt"; // no Permissions API: ask on tap
  }
}

async function start() {
  translate();
  document.querySelectorAll("[data-lang]").forEach((button) => {
    button.addEventListener("click", () => switchLanguage(button.dataset.lang));
  });
  $("look").addEventListener("click", startWatching);
  window.addEventListener("online", showConnection);
  window.addEventListener("offline", showConnection);
  showConnection();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(() => {});
  }
  const state = await permission();
  if (state === "granted") {
    startWatching(); // allowed before: look at once, no second tap
    return;
  }
  $("ask").hidden = false; // the visitor may have allowed it in the settings since: the tap tries again
  $("denied").hidden = state !== "denied";
}

start();
