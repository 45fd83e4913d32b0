// Live updates for the pages: the server's event stream says "something
// changed" and the page fetches itself again and swaps its #live part. The
// pages work without this file; it adds the live part, the connection
// status, filtering without a reload and the copy buttons.
(function () {
  'use strict';
  var conn = document.getElementById('conn');
  var live = document.getElementById('live');

  function say(text, kind) {
    if (!conn) { return; }
    conn.textContent = text;
    conn.className = 'conn' + (kind ? ' ' + kind : '');
  }

  function wireCopy(root) {
    var buttons = root.querySelectorAll('button.copy');
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      if (!navigator.clipboard) { continue; }
      b.hidden = false;
      b.addEventListener('click', function (ev) {
        var btn = ev.currentTarget;
        navigator.clipboard.writeText(btn.getAttribute('data-copy')).then(function () {
          btn.textContent = 'Copied';
        });
      });
    }
  }

  // recovered clears an earlier "Could not refresh" once a refresh
  // worked; the other notices ("Connection restored") stay.
  function recovered() {
    if (conn && !lost && / lost/.test(conn.className)) { say('Live'); }
  }

  var busy = false, again = false;
  // refresh fetches the current address and swaps #live, one fetch at a
  // time; changes during a fetch cause one more.
  function refresh() {
    if (!live) { return; }
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) {
        // A deleted workload (404) and a view still reading (503) come
        // with a page of their own that says so.
        if (!r.ok && r.status !== 404 && r.status !== 503) { throw new Error('the server answered ' + r.status); }
        return r.text();
      })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, 'text/html').getElementById('live');
        if (next && next.innerHTML === live.innerHTML) {
          next = null; // nothing changed: keep the page, and the focus
          recovered();
        }
        if (next) {
          // The focused link or control of the old part takes the focus
          // in the new one, so a keyboard user does not start over.
          var active = document.activeElement, sel = null;
          if (active && live.contains(active)) {
            if (active.id) { sel = '#' + CSS.escape(active.id); }
            else if (active.getAttribute('href')) { sel = 'a[href="' + CSS.escape(active.getAttribute('href')) + '"]'; }
          }
          live.replaceWith(next);
          live = next;
          if (sel) { var target = live.querySelector(sel); if (target) { target.focus(); } }
          wireCopy(live);
          document.body.setAttribute('data-refreshed', String(Date.now()));
          recovered();
        }
      })
      .catch(function (e) { say('Could not refresh: ' + e.message, 'lost'); })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  // Filters apply as they change, without a reload; the address keeps
  // them so a reload or a shared link shows the same.
  var form = document.getElementById('filters');
  if (form && window.fetch && window.history) {
    var timer = 0;
    var apply = function () {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (v, k) { if (v !== '') { params.set(k, v); } });
      var qs = params.toString();
      history.replaceState(null, '', qs ? '?' + qs : location.pathname);
      refresh();
    };
    form.addEventListener('change', function (ev) {
      if (ev.target.tagName === 'SELECT') { apply(); }
    });
    form.addEventListener('input', function (ev) {
      if (ev.target.type === 'search') { clearTimeout(timer); timer = setTimeout(apply, 250); }
    });
    form.addEventListener('submit', function (ev) { ev.preventDefault(); apply(); });
  }

  wireCopy(document);

  if (!window.EventSource || !window.fetch || !live) { return; }
  var lost = false;
  var events = null;
  // connect opens the stream. The browser retries a broken connection by
  // itself, but gives up on an HTTP error (a restarted server, a proxy's
  // 502): then this tries again every few seconds.
  function connect() {
    events = new EventSource('/events');
    events.addEventListener('change', refresh);
    events.onopen = function () {
      if (lost) {
        lost = false;
        say('Connection restored: live again', 'ok');
      } else {
        say('Live');
      }
      // Whatever changed before the stream opened (the view's first
      // read finishing, a change between the page and the stream) is
      // sent to no one: read the page once now.
      refresh();
    };
    events.onerror = function () {
      lost = true;
      say('Connection lost: retrying… (the page shows what it last received)', 'lost');
      if (events.readyState === EventSource.CLOSED) {
        events.close();
        setTimeout(connect, 3000);
      }
    };
  }
  connect();

  // A browser keeps about six connections per host; every open tab holds
  // one for its stream. A hidden tab closes its stream and reads the page
  // again when it is shown, so many tabs never starve the visible one.
  document.addEventListener('visibilitychange', function () {
    if (document.hidden) {
      if (events) { events.close(); events = null; }
    } else if (!events) {
      connect();
    }
  });
})();
