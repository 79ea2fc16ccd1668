// Brief form on a phone: keep a copy of what the rep typed in the phone's
// storage until the server confirms it, so a dropped connection loses nothing.
(function () {
  const form = document.querySelector("form[data-draft-key]");
  if (!form) return;
  const key = "salesmeet:" + form.dataset.draftKey;
  const fields = () => Array.from(form.elements).filter((el) => el.name && el.type !== "hidden" && el.type !== "submit");

  function snapshot() {
    const data = {};
    fields().forEach((el) => { data[el.name] = el.type === "checkbox" ? el.checked : el.value; });
    return data;
  }
  function restore(data) {
    fields().forEach((el) => {
      if (!(el.name in data)) return;
      if (el.type === "checkbox") el.checked = data[el.name]; else el.value = data[el.name];
    });
  }

  const saved = localStorage.getItem(key);
  if (saved) {
    try {
      const data = JSON.parse(saved);
      const differs = Object.keys(data).some((name) => JSON.stringify(snapshot()[name]) !== JSON.stringify(data[name]));
      if (differs) {
        restore(data);
        const note = document.getElementById("autosave");
        if (note) note.textContent = form.dataset.restoredText || "↺";
      }
    } catch (e) { localStorage.removeItem(key); }
  }
  form.addEventListener("input", () => localStorage.setItem(key, JSON.stringify(snapshot())));
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.elt === form && event.detail.successful) localStorage.removeItem(key);
  });
  form.addEventListener("submit", () => localStorage.removeItem(key));
})();
