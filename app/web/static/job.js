// Refreshes a running batch job's page every two seconds until it ends.
(function () {
  var el = document.getElementById('job');
  if (!el) return;
  var status = el.getAttribute('data-status');
  if (status === 'done' || status === 'failed') return;
  setTimeout(function () { window.location.reload(); }, 2000);
})();
