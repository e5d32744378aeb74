// The prompt form's preview: the app's own card (/app/card.js, filling the page's empty card),
// redrawn as staff type, in the language chosen above the phone. Without this script the preview
// shows the saved prompt and the language links reload the page.
import { cardPart, promptCard } from "/app/card.js";

const form = document.getElementById("prompt-form");
const preview = document.getElementById("preview");
const screen = preview.querySelector("[data-screen]");
const fallback = document.getElementById("preview-fallback");
const near = document.getElementById("near-hint");
const languages = JSON.parse(preview.dataset.languages);
const labels = JSON.parse(preview.dataset.labels);
const bands = JSON.parse(near.dataset.bands);
let lang = preview.dataset.lang;
let opened = true; // the body shows, as after a tap on "read more"; a tap in the preview folds it

const value = (name) => (form.elements[name] ? form.elements[name].value.trim() : "");
const textIn = (code) => ({
  title: value(`title_${code}`),
  body: value(`body_${code}`),
  label: value(`action_label_${code}`),
});

// The language a phone set to `lang` is shown: its own if there is a text, else the site's, else any.
function shownLanguage() {
  if (textIn(lang).title) return lang;
  const site = preview.dataset.defaultLang;
  if (languages.includes(site) && textIn(site).title) return site;
  return languages.find((code) => textIn(code).title) || null;
}

function draw() {
  const code = shownLanguage();
  fallback.hidden = code === null || code === lang;
  if (code === null) { // no title in any language: no card yet, as the app would show none
    const empty = document.createElement("p");
    empty.className = "muted";
    empty.textContent = preview.dataset.empty;
    screen.replaceChildren(empty);
    return;
  }
  const text = textIn(code);
  const url = value("action_url");
  const prompt = { lang: code, title: text.title, body: text.body, action: url ? { label: text.label || labels[code], url } : null };
  const card = promptCard(lang, prompt, preview.dataset.site, `${preview.dataset.page}?lang=${lang}`);
  const details = card.querySelector("details");
  details.open = opened;
  details.addEventListener("toggle", () => { opened = details.open; });
  const link = cardPart(card, "action");
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  screen.replaceChildren(card);
}

function sayNearness() {
  const metres = Number(value("max_distance_m").replace(",", "."));
  if (!value("max_distance_m") || !(metres > 0)) {
    near.textContent = near.dataset.none;
    return;
  }
  const band = bands.find(([limit]) => limit === null || metres <= limit);
  near.textContent = band[1];
}

function choose(code) {
  lang = code;
  form.elements.preview.value = code; // a form sent back for a fix keeps the phone's language
  preview.querySelectorAll("[data-preview-lang]").forEach((link) => {
    if (link.dataset.previewLang === code) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
  });
  draw();
}

form.addEventListener("input", () => {
  draw();
  sayNearness();
});
preview.querySelectorAll("[data-preview-lang]").forEach((link) => {
  link.addEventListener("click", (event) => {
    event.preventDefault();
    choose(link.dataset.previewLang);
  });
});
draw();
