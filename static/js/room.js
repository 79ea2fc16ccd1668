// Meeting room timers: each agenda item shows its time spent against its
// timebox, counting while its timer runs, red once over.
(function () {
  function render(el) {
    const timebox = Number(el.dataset.timebox) * 60;
    let spent = Number(el.dataset.elapsed || 0);
    if (el.dataset.started) {
      spent += Math.max(0, Math.floor((Date.now() - Date.parse(el.dataset.started)) / 1000));
    }
    const left = timebox - spent;
    const abs = Math.abs(left);
    const text = `${left < 0 ? "+" : ""}${Math.floor(abs / 60)}:${String(abs % 60).padStart(2, "0")}`;
    el.textContent = text;
    el.classList.toggle("text-bg-danger", left < 0);
    el.classList.toggle("text-bg-light", left >= 0);
  }
  function tick() {
    document.querySelectorAll("[data-timer]").forEach(render);
  }
  tick();
  setInterval(tick, 1000);
  document.body.addEventListener("htmx:afterSwap", tick);
})();
