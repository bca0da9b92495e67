// Interview history: filter as you type (GET /api/interviews?q=) and delete with confirmation.
// The first page comes rendered from the server; rows built here mirror
// views/partials/interview-card.eta and put every user-supplied string in with textContent.
(function () {
  'use strict';
  const { api, formatDate } = window.MockFlow;
  const form = document.getElementById('filter-form');
  const input = document.getElementById('filter-q');
  const list = document.getElementById('interview-list');
  const empty = document.getElementById('empty-state');
  const count = document.getElementById('list-count');
  const action = document.getElementById('list-action');
  const pager = document.getElementById('pager');
  const perPage = Number(list.dataset.perPage) || 20;
  // The server's words (agent/protocol.ts), so rows built here match the ones it rendered.
  const { stages: STAGES, levels: LEVELS } = JSON.parse(list.dataset.labels);

  let query = input.value.trim();
  let page = Number(list.dataset.page) || 1;
  let total = Number(list.dataset.total) || 0;
  let latest = 0;
  let timer;

  function localizeTimes(root) {
    for (const el of root.querySelectorAll('time[data-local]')) el.textContent = formatDate(el.getAttribute('datetime'));
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '—';
    const whole = Math.round(seconds);
    if (whole < 60) return `${whole} s`;
    const minutes = Math.round(whole / 60);
    return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }

  function card(i) {
    const role = i.jobRole || 'Interview';
    const when = formatDate(i.createdAt);
    const title = el('h3', { class: 'interview-title' }, el('a', { href: `/interviews/${i.id}` }, role));
    if (i.status === 'live') title.append(' ', el('span', { class: 'badge live' }, 'Live'));
    const meta = el('p', { class: 'interview-meta' }, el('span', {}, i.candidateName));
    if (i.experienceLevel) meta.append(el('span', {}, LEVELS[i.experienceLevel] || i.experienceLevel));
    meta.append(el('span', {}, i.mode === 'voice' ? 'Voice' : 'Text'), el('time', { datetime: i.createdAt }, when));
    const meta2 = el(
      'p',
      { class: 'interview-meta' },
      el('span', {}, el('span', { class: 'meta-label' }, 'Duration'), ` ${duration(i.durationSeconds)}`),
      el('span', {}, el('span', { class: 'meta-label' }, 'Reached'), ` ${STAGES[i.finalStage] || '—'}`),
    );
    const side = el('div', { class: 'interview-side' });
    if (i.score !== null && i.score !== undefined) {
      side.append(
        el('span', { class: `score-badge score-${i.score}` }, el('span', { class: 'visually-hidden' }, 'Overall score '), String(i.score), el('span', { class: 'of' }, '/5')),
      );
    } else if (i.status === 'live') {
      side.append(el('a', { class: 'button small', href: `/interviews/${i.id}/room` }, 'Rejoin'));
    } else {
      side.append(el('span', { class: 'no-score' }, 'No feedback yet'));
    }
    side.append(el('button', { type: 'button', class: 'button small danger-outline', 'data-delete': i.id, 'aria-label': `Delete the ${role} interview of ${when}` }, 'Delete'));
    return el('li', { class: 'interview-card', 'data-id': i.id }, el('div', { class: 'interview-main' }, title, meta, meta2), side);
  }

  function plural(n) {
    return `${n} interview${n === 1 ? '' : 's'}`;
  }

  function showCount() {
    if (total === 0) count.textContent = '';
    else count.textContent = query ? `${plural(total)} match “${query}”` : `${plural(total)}, newest first`;
  }

  function showEmpty() {
    const none = list.children.length === 0;
    list.hidden = none;
    empty.hidden = !none;
    if (!none) return;
    const text = query ? `No interviews match “${query}”.` : 'You have no interviews yet. Start one to see its transcript, feedback and progress here.';
    const link = query
      ? el('a', { class: 'button secondary', href: '/interviews' }, 'Show all interviews')
      : el('a', { class: 'button', href: '/interviews/new' }, 'Start your first interview');
    empty.replaceChildren(el('p', {}, text), link);
  }

  function href(p) {
    const params = new URLSearchParams();
    if (query) params.set('q', query);
    if (p > 1) params.set('page', String(p));
    const search = params.toString();
    return search ? `/interviews?${search}` : '/interviews';
  }

  function showPager() {
    const pages = Math.max(1, Math.ceil(total / perPage));
    pager.hidden = pages <= 1;
    pager.replaceChildren(
      page > 1 ? el('a', { class: 'button secondary', rel: 'prev', href: href(page - 1) }, 'Newer') : el('span'),
      el('span', { class: 'pager-where' }, `Page ${page} of ${pages}`),
      page < pages ? el('a', { class: 'button secondary', rel: 'next', href: href(page + 1) }, 'Older') : el('span'),
    );
  }

  async function load(p) {
    const mine = ++latest;
    const params = new URLSearchParams({ page: String(p), perPage: String(perPage) });
    if (query) params.set('q', query);
    try {
      const result = await api('GET', `/api/interviews?${params}`);
      if (mine !== latest) return;
      if (result.interviews.length === 0 && p > 1) return load(1);
      page = p;
      total = result.total;
      list.replaceChildren(...result.interviews.map(card));
      showCount();
      showEmpty();
      showPager();
      window.history.replaceState(null, '', href(page));
    } catch (error) {
      if (mine !== latest) return;
      action.textContent = error.message;
      action.dataset.state = 'bad';
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      query = input.value.trim();
      load(1);
    }, 250);
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    query = input.value.trim();
    load(1);
  });

  list.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-delete]');
    if (!button) return;
    const row = button.closest('li');
    const role = row.querySelector('.interview-title a').textContent;
    const when = row.querySelector('time').textContent;
    if (!window.confirm(`Delete the ${role} interview of ${when}? Its transcript and feedback are deleted too. This cannot be undone.`)) return;
    button.disabled = true;
    action.dataset.state = 'busy';
    action.textContent = 'Deleting…';
    try {
      await api('DELETE', `/api/interviews/${encodeURIComponent(button.dataset.delete)}`);
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      total = Math.max(0, total - 1);
      action.dataset.state = 'ok';
      action.textContent = `Deleted the ${role} interview.`;
      showCount();
      if (list.children.length === 0 && total > 0) await load(page);
      else {
        showEmpty();
        showPager();
      }
      const focusTarget = (next && next.isConnected && next.querySelector('a')) || list.querySelector('a') || input;
      focusTarget.focus();
    } catch (error) {
      button.disabled = false;
      action.dataset.state = 'bad';
      action.textContent = error.message;
    }
  });

  localizeTimes(document);
})();
