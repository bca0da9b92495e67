// One interview: generate (or regenerate) feedback and follow its progress, then swap in the
// report the server renders (GET /interviews/:id/feedback-panel, escaped by the template).
// Progress comes from the interview's event stream (`feedback` events); polling
// GET /api/interviews/:id/feedback backs it up in case the stream drops.
import type { FeedbackState, FeedbackStep } from '../../shared/api.ts';
import { api, ApiError, interviewPath } from '../api.ts';
import { byId, localizeTimes } from '../dom.ts';
import { openEventStream } from '../event-stream.ts';
import { swapInHtml } from '../fragments.ts';

const section = byId('feedback');
const heading = byId('feedback-heading');
const progress = byId('feedback-progress');
const errorBox = byId('feedback-error');
const panel = byId('feedback-panel');
const id = section.dataset.interviewId ?? '';
const POLL_MS = 2000;
const STEPS: Record<FeedbackStep, string> = {
  queued: 'Starting…',
  analysing: 'Counting your speaking analytics…',
  asking_model: 'Asking your language model for feedback. This can take up to a minute…',
  retrying: 'The first answer could not be used; asking the model again…',
  checking_quotes: 'Checking the quotes against your own words…',
};

// The exports give dates in the reader's time zone.
const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
if (timeZone) for (const a of document.querySelectorAll<HTMLAnchorElement>('a[data-export]')) a.href += `&tz=${encodeURIComponent(timeZone)}`;

let source: EventSource | null = null;
let pollTimer: ReturnType<typeof setTimeout> | undefined;
let running = false;

// A text answer still being written when the interview ended (the text room keeps it until sent).
const DRAFT_KEY = `mockflow.draft.${id}`;
const draft = localStorage.getItem(DRAFT_KEY);
const draftBox = document.getElementById('unsent-draft');
if (draft && draftBox && section.dataset.live !== 'true') {
  byId('unsent-draft-text').textContent = draft;
  draftBox.hidden = false;
  byId('discard-draft').addEventListener('click', () => {
    localStorage.removeItem(DRAFT_KEY);
    draftBox.hidden = true;
  });
}

function setButtonsDisabled(disabled: boolean) {
  for (const b of panel.querySelectorAll<HTMLButtonElement>('button[data-action="generate"]')) b.disabled = disabled;
}

function showStep(step: FeedbackStep) {
  progress.dataset.state = 'busy';
  progress.textContent = STEPS[step] ?? 'Generating feedback…';
}

function showError(message: string, withKeysLink = false) {
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
  pollTimer = undefined;
  source?.close();
  source = null;
  section.removeAttribute('aria-busy');
  setButtonsDisabled(false);
}

/** Opens the event stream; resolves once it is connected (or after a short wait without it). */
function listen(): Promise<void> {
  return new Promise((resolve) => {
    if (!('EventSource' in window)) return resolve();
    const done = setTimeout(resolve, 1500);
    source = openEventStream(id, {
      open() {
        clearTimeout(done);
        resolve();
      },
      feedback(event) {
        if (event.status === 'generating') showStep(event.step);
        else if (event.status === 'ready') void finish();
        else if (event.status === 'failed') void fail(event.error || 'Feedback could not be generated.');
      },
    });
  });
}

function poll() {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(async () => {
    if (!running) return;
    try {
      const result = await api<FeedbackState>('GET', interviewPath(id, '/feedback'));
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
  await swapInHtml(panel, `/interviews/${encodeURIComponent(id)}/feedback-panel`);
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
    showError(`The feedback is ready but could not be shown (${(error as Error).message}). Reload the page to see it.`);
  }
}

// The server's panel says what failed and offers "Try again"; a report already on screen stays
// (it is the last good one). The message alone is the fallback when the panel cannot load.
async function fail(message: string) {
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
  return listen().then(poll);
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
    await api('POST', interviewPath(id, '/feedback'));
    if (running) {
      section.dataset.status = 'generating';
      poll();
    }
  } catch (error) {
    stop();
    progress.textContent = '';
    delete progress.dataset.state;
    showError((error as Error).message, error instanceof ApiError && error.status === 412);
  }
}

panel.addEventListener('click', (event) => {
  const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
  if (!button) return;
  if (button.dataset.action === 'generate') void generate();
  else if (button.dataset.action === 'print') window.print();
});

localizeTimes(document);
if (section.dataset.status === 'generating') {
  showStep('asking_model');
  void follow();
}
