// A prompt card, built in the browser: a copy of the page's empty card (<template id="card-{lang}">,
// rendered from templates/card.html, the one markup the app, the public page and the staff preview
// share) with its data-slot parts filled. Texts are set as text, never as HTML.

// `where` names the site; with `page`, the name links to the site's public page (as the app shows it).
export function promptCard(lang, prompt, where, page = "") {
  const template = document.getElementById(`card-${lang}`);
  const article = template.content.firstElementChild.cloneNode(true);
  const slot = (name) => cardPart(article, name);
  article.lang = prompt.lang || lang;
  slot("title").textContent = prompt.title;
  if (page) {
    const link = document.createElement("a");
    link.href = page;
    link.textContent = where;
    slot("where").replaceChildren(link);
  } else {
    slot("where").textContent = where;
  }
  slot("body").replaceChildren(
    ...String(prompt.body || "").split("\n").filter((line) => line.trim()).map((line) => {
      const paragraph = document.createElement("p");
      paragraph.textContent = line;
      return paragraph;
    }),
  );
  const action = slot("action");
  action.hidden = !prompt.action;
  if (prompt.action) {
    action.textContent = prompt.action.label;
    action.href = prompt.action.url;
  } else {
    action.textContent = "";
    action.removeAttribute("href");
  }
  return article;
}

export function cardPart(article, name) {
  return article.querySelector(`[data-slot="${name}"]`);
}
