// Dashboard: everything is rendered by the server; dates are shown in the reader's time zone.
(function () {
  'use strict';
  const { formatDate } = window.MockFlow;
  for (const el of document.querySelectorAll('time[data-local]')) el.textContent = formatDate(el.getAttribute('datetime'));
})();
