// jijiao: the unit's QR sign-in page (rules.md §7.6). The code changes every 30 s: the page loads
// the next QR image when the shown one is replaced, and the live count of who signed in to the
// session. Without the script the page still shows a code (reload for the next). Loaded as a file,
// never inline, so the Content-Security-Policy can forbid inline scripts.
"use strict";
(() => {
  const img = document.getElementById("sign-in-qr");
  if (!img) return;
  const source = img.dataset.src;
  const counts = img.dataset.counts;
  const session = img.dataset.session;
  const signedIn = document.getElementById("signed-in-count");
  const signedOut = document.getElementById("signed-out-count");
  const refresh = () => {
    // A new URL each time: the image is never cached, but the browser must also not reuse it.
    img.src = `${source}&t=${Date.now()}`;
    fetch(counts, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((list) => {
        const s = list && list.sessions.find((x) => x.key === session);
        if (!s) return;
        signedIn.textContent = s.signed_in;
        signedOut.textContent = s.signed_out;
      })
      .catch(() => {});
  };
  // The first change comes when the server's step ends; then every 30 s.
  const first = Math.max(0, Number(img.dataset.refreshIn) || 0) + 300;
  setTimeout(() => {
    refresh();
    setInterval(refresh, 30000);
  }, first);
})();
