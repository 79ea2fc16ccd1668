// Live countdowns on running SLA clocks: "3h 12m" left, or overdue.
(function () {
  function render(el) {
    const left = Math.floor((Date.parse(el.dataset.deadline) - Date.now()) / 1000);
    const abs = Math.abs(left);
    const d = Math.floor(abs / 86400), h = Math.floor((abs % 86400) / 3600), m = Math.floor((abs % 3600) / 60), s = abs % 60;
    const text = d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m ${s}s`;
    el.textContent = left >= 0 ? text : `${el.dataset.overdue} ${text}`;
    el.classList.toggle("text-bg-danger", left < 0);
    el.classList.toggle("text-bg-warning", left >= 0 && left < 3600);
    el.classList.toggle("text-bg-primary", left >= 3600);
  }
  function tick() { document.querySelectorAll(".countdown[data-deadline]").forEach(render); }
  tick();
  setInterval(tick, 1000);
})();
