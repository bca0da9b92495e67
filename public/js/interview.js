// One interview: generate (or regenerate) feedback and follow its progress, then swap in the
// report the server renders (GET /interviews/:id/feedback-panel, escaped by the template).
// Progress comes from the interview's event stream (`feedback` events); polling
// GET /api/interviews/:id/feedback backs it up in case the stream drops.
(function () {
  'use strict';
  const { api, formatDate } = window.MockFlow;
  const section = document.getElementById('feedback');
  const heading = document.getElementById('feedback-heading');
  const progress = document.getElementById('feedback-progress');
  const errorBox = document.getElementById('feedback-error');
  const panel = document.getElementById('feedback-panel');
  const id = section.dataset.interviewId;
  const POLL_MS = 2000;
  const STEPS = {
    queued: 'Starting…',
    analysing: 'Counting your speaking analytics…',
    asking_model: 'Asking your language model for feedback. This can take up to a minute…',
    retrying: 'The first answer could not be used; asking the model again…',
    checking_quotes: 'Checking the quotes against your own words…',
  };

  // The exports give dates in the reader's time zone.
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (timeZone) for (const a of document.querySelectorAll('a[data-export]')) a.href += `&tz=${encodeURIComponent(timeZone)}`;

  let source = null;
  let pollTimer = null;
  let running = false;

  // A text answer still being written when the interview ended (room-text.js keeps it until sent).
  const DRAFT_KEY = `mockflow.draft.${id}`;
  const draft = localStorage.getItem(DRAFT_KEY);
  const draftBox = document.getElementById('unsent-draft');
  if (draft && draftBox && section.dataset.live !== 'true') {
    document.getElementById('unsent-draft-text').textContent = draft;
    draftBox.hidden = false;
    document.getElementById('discard-draft').addEventListener('click', () => {
      localStorage.removeItem(DRAFT_KEY);
      draftBox.hidden = true;
    });
  }

  function localizeTimes(root) {
    for (const el of root.querySelectorAll('time[data-local]')) el.textContent = formatDate(el.getAttribute('datetime'));
  }

  function setButtonsDisabled(disabled) {
    for (const b of panel.querySelectorAll('button[data-action="generate"]')) b.disabled = disabled;
  }

  function showStep(step) {
    progress.dataset.state = 'busy';
    progress.textContent = STEPS[step] || 'Generating feedback…';
  }

  function showError(message, withKeysLink) {
    errorBox.replaceChildren(document.createTextNode(message));
    if (withKeysLink) {
      const link = document.createElement('a');
      link.href = '/settings/keys';
      link.textContent = 'Open Settings → Keys';
      errorBox.append(' ', link);
    }
    errorBox.hidden = false;
  }

  function stop() {
    running = false;
    clearTimeout(pollTimer);
    pollTimer = null;
    if (source) source.close();
    source = null;
    section.removeAttribute('aria-busy');
    setButtonsDisabled(false);
  }

  /** Opens the event stream; resolves once it is connected (or after a short wait without it). */
  function listen() {
    return new Promise((resolve) => {
      if (!('EventSource' in window)) return resolve();
      source = new EventSource(`/api/interviews/${encodeURIComponent(id)}/events`);
      const done = setTimeout(resolve, 1500);
      source.addEventListener('open', () => {
        clearTimeout(done);
        resolve();
      });
      source.addEventListener('feedback', (event) => {
        let data;
        try {
          data = JSON.parse(event.data);
        } catch {
          return;
        }
        if (data.status === 'generating') showStep(data.step);
        else if (data.status === 'ready') finish();
        else if (data.status === 'failed') fail(data.error || 'Feedback could not be generated.');
      });
    });
  }

  function poll() {
    clearTimeout(pollTimer);
    pollTimer = setTimeout(async () => {
      if (!running) return;
      try {
        const result = await api('GET', `/api/interviews/${encodeURIComponent(id)}/feedback`);
        if (!running) return;
        if (result.status === 'ready') return finish();
        if (result.status === 'failed') return fail(result.error || 'Feedback could not be generated.');
        if (result.status === 'none') return fail('Feedback generation stopped. Try again.');
      } catch {
        // A dropped request is retried on the next tick.
      }
      poll();
    }, POLL_MS);
  }

  /** Swaps in the panel as the server now renders it (escaped by the template). */
  async function loadPanel() {
    const response = await fetch(`/interviews/${encodeURIComponent(id)}/feedback-panel`, { credentials: 'same-origin', headers: { accept: 'text/html' } });
    if (!response.ok) throw new Error(`The server answered ${response.status}.`);
    panel.innerHTML = await response.text();
    localizeTimes(panel);
  }

  async function finish() {
    if (!running) return;
    stop();
    progress.dataset.state = 'busy';
    progress.textContent = 'Feedback ready. Loading the report…';
    try {
      await loadPanel();
      section.dataset.status = 'ready';
      progress.dataset.state = 'ok';
      progress.textContent = 'Feedback ready.';
      heading.focus();
    } catch (error) {
      progress.textContent = '';
      showError(`The feedback is ready but could not be shown (${error.message}). Reload the page to see it.`);
    }
  }

  // The server's panel says what failed and offers "Try again"; a report already on screen stays
  // (it is the last good one). The message alone is the fallback when the panel cannot load.
  async function fail(message) {
    if (!running) return;
    stop();
    progress.textContent = '';
    delete progress.dataset.state;
    section.dataset.status = 'failed';
    try {
      await loadPanel();
      if (!panel.querySelector('.feedback-note')) showError(message);
      heading.focus();
    } catch {
      showError(message);
    }
  }

  function follow() {
    running = true;
    section.setAttribute('aria-busy', 'true');
    setButtonsDisabled(true);
    return listen().then(() => {
      poll();
    });
  }

  async function generate() {
    if (running) return;
    errorBox.hidden = true;
    for (const note of panel.querySelectorAll('.feedback-note')) note.remove();
    showStep('queued');
    running = true;
    section.setAttribute('aria-busy', 'true');
    setButtonsDisabled(true);
    await listen();
    try {
      await api('POST', `/api/interviews/${encodeURIComponent(id)}/feedback`);
      if (running) {
        section.dataset.status = 'generating';
        poll();
      }
    } catch (error) {
      stop();
      progress.textContent = '';
      delete progress.dataset.state;
      showError(error.message, error.status === 412);
    }
  }

  panel.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    if (button.dataset.action === 'generate') generate();
    else if (button.dataset.action === 'print') window.print();
  });

  localizeTimes(document);
  if (section.dataset.status === 'generating') {
    showStep('asking_model');
    follow();
  }
})();
