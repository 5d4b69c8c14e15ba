// The admin's live queue page: reload the queue fragment every few seconds, and confirm cancellations.
(function () {
  "use strict";
  const box = document.getElementById("hera-queue");
  if (!box) return;
  const every = Number(box.dataset.refreshSeconds || 3) * 1000;
  let submitting = false;

  async function refresh() {
    if (!submitting && !document.hidden) {
      try {
        const response = await fetch(box.dataset.fragmentUrl, { credentials: "same-origin", cache: "no-store" });
        // A redirect means the session ended (login page): reload so the admin asks to log in again.
        if (response.redirected) { window.location.reload(); return; }
        if (response.ok && !submitting) box.innerHTML = await response.text();
      } catch (error) {
        // The server is restarting or unreachable: keep the last view and try again later.
      }
    }
    window.setTimeout(refresh, every);
  }

  box.addEventListener("submit", function (event) {
    const message = event.submitter && event.submitter.dataset.confirm;
    if (message && !window.confirm(message)) { event.preventDefault(); return; }
    submitting = true;
  });

  window.setTimeout(refresh, every);
})();
