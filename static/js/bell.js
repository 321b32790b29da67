// The bell's menu: each time it opens, the latest unread notifications are
// fetched from the server (a fragment of HTML the server escaped) and put in
// the menu, and the badge shows the count they came with. Without script the
// bell is a link to the full list.
(function () {
  'use strict';
  var toggle = document.querySelector('[data-bell-menu]');
  if (!toggle) { return; }
  var menu = toggle.parentElement.querySelector('.bell-menu');
  var items = menu.querySelector('[data-bell-items]');

  function setBadge(count) {
    var badge = toggle.querySelector('[data-testid="unread"]');
    if (count > 0) {
      if (!badge) {
        badge = document.createElement('span');
        badge.className = 'badge rounded-pill bg-danger';
        badge.setAttribute('data-testid', 'unread');
        toggle.appendChild(document.createTextNode(' '));
        toggle.appendChild(badge);
      }
      badge.textContent = String(count);
    } else if (badge) {
      badge.remove();
    }
  }

  toggle.addEventListener('show.bs.dropdown', function () {
    items.setAttribute('aria-busy', 'true');
    fetch(toggle.getAttribute('data-bell-menu'), {
      credentials: 'same-origin',
      headers: { 'Accept': 'text/html' }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      items.innerHTML = html;
      var holder = items.querySelector('[data-bell-count]');
      if (holder) { setBadge(parseInt(holder.getAttribute('data-bell-count'), 10) || 0); }
    }).catch(function () {
      // The full list is one tap away: the menu's last link.
      items.innerHTML = '';
    }).then(function () {
      items.removeAttribute('aria-busy');
    });
  });
})();
