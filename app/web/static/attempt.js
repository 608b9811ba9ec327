// Kaoping attempt page: a countdown to the server's deadline and autosave of
// every answer as it changes. The page works without this script (the save
// and submit buttons post the whole form); the server owns the clock and
// refuses answers after the deadline either way.
(function () {
  "use strict";
  var root = document.getElementById("attempt");
  if (!root) return;
  var id = root.dataset.attempt, csrf = root.dataset.csrf;
  var state = document.getElementById("savestate");
  var form = document.getElementById("attempt-form");
  var skew = 0;
  if (root.dataset.now) skew = Date.parse(root.dataset.now) - Date.now();

  function responseOf(fs) {
    var pos = fs.dataset.position, type = fs.dataset.type, name = "q" + pos, r = {};
    var q = function (sel) { return Array.prototype.slice.call(fs.querySelectorAll(sel)); };
    if (type === "multichoice") {
      r.choices = q('input[name="' + name + '"]:checked').map(function (i) { return parseInt(i.value, 10); });
    } else if (type === "truefalse") {
      var c = fs.querySelector('input[name="' + name + '"]:checked');
      if (c) r.bool = c.value === "true";
    } else if (type === "shortanswer" || type === "numerical" || type === "essay") {
      var t = fs.querySelector('[name="' + name + '"]');
      r.text = t ? t.value : "";
    } else if (type === "matching") {
      r.matches = q("select").map(function (s) { return s.value; });
    } else if (type === "ordering") {
      var ranks = q("input.rank").map(function (i) {
        var idx = parseInt(i.name.split("_o")[1], 10), v = parseInt(i.value, 10);
        return { idx: idx, rank: isNaN(v) ? 1e9 : v };
      });
      ranks.sort(function (a, b) { return a.rank - b.rank; });
      r.order = ranks.map(function (x) { return x.idx; });
    }
    return { position: parseInt(pos, 10), response: r };
  }

  function save(fs) {
    state.textContent = "…";
    fetch("/api/v1/attempts/" + id + "/answers", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(responseOf(fs))
    }).then(function (res) {
      if (res.ok) {
        state.textContent = "✓ " + new Date().toLocaleTimeString();
      } else if (res.status === 409) {
        state.textContent = root.dataset.timeUp || "";
        form.submit();
      } else {
        state.textContent = "! " + res.status;
      }
    }).catch(function () { state.textContent = "! offline"; });
  }

  var timers = {};
  Array.prototype.forEach.call(document.querySelectorAll("fieldset.question"), function (fs) {
    var later = function () {
      clearTimeout(timers[fs.dataset.position]);
      timers[fs.dataset.position] = setTimeout(function () { save(fs); }, 400);
    };
    fs.addEventListener("change", later);
    fs.addEventListener("input", later);
  });

  var cd = document.getElementById("countdown");
  if (cd && root.dataset.deadline) {
    var deadline = Date.parse(root.dataset.deadline);
    var tick = function () {
      var left = Math.max(0, Math.ceil((deadline - (Date.now() + skew)) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      cd.textContent = (root.dataset.leftLabel || "") + " " + m + ":" + (s < 10 ? "0" : "") + s;
      if (left === 0) {
        clearInterval(iv);
        var btn = document.getElementById("submit-btn");
        if (btn) btn.click();
      }
    };
    var iv = setInterval(tick, 1000);
    tick();
  }
})();
