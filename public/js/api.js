// Shared by every page: JSON calls with the session's CSRF token, and readable errors.
(function () {
  'use strict';
  const meta = document.querySelector('meta[name="csrf-token"]');

  async function api(method, path, body) {
    const headers = { accept: 'application/json' };
    if (meta) headers['x-csrf-token'] = meta.content;
    const init = { method, headers, credentials: 'same-origin' };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch {
      throw Object.assign(new Error('Cannot reach MockFlow. Check your connection and try again.'), { status: 0 });
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) {
      const error = new Error((data && data.message) || `The server answered ${response.status}.`);
      error.status = response.status;
      error.data = data;
      throw error;
    }
    return data;
  }

  function formatDate(iso) {
    if (!iso) return '';
    return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  }

  window.MockFlow = { api, formatDate, csrfToken: () => (meta ? meta.content : '') };
})();
