// Settings → Keys: save, test and remove the user's provider keys. Secrets are sent once and
// never come back: the page shows only "set, …abcd, saved <date>".
import { SECRET_FIELDS, type KeyCheck, type KeysView, type KeyTestResults, type TestedProvider } from '../../shared/api.ts';
import { api, ApiError } from '../api.ts';
import { byId, formatDate } from '../dom.ts';

const form = byId<HTMLFormElement>('keys-form');
const provider = byId<HTMLSelectElement>('llm_provider');
const baseUrl = byId<HTMLInputElement>('llm_base_url');
const baseUrlField = byId('llm_base_url-field');
const model = byId<HTMLInputElement>('llm_model');
const formStatus = byId('form-status');
const notice = byId('keys-notice');
// Shown as saved and always sent: an empty one means the default (its placeholder).
const SETTINGS = ['deepgram_base_url', 'tts_base_url', 'tts_model', 'tts_voice'] as const;
const openAiVoiceFields = byId('openai-voice-fields');
const OPENAI_VOICE_FIELDS = ['tts_base_url', 'tts_model', 'tts_voice', 'tts_key'];
// Which provider's test a field belongs to, to say why that one was not tested.
const PROVIDER_OF: Record<string, TestedProvider> = {
  livekit_url: 'livekit',
  livekit_api_key: 'livekit',
  livekit_api_secret: 'livekit',
  llm_base_url: 'llm',
  llm_model: 'llm',
  openai_key: 'llm',
  deepgram_key: 'deepgram',
  deepgram_base_url: 'deepgram',
  tts_provider: 'speech',
  tts_base_url: 'speech',
  tts_model: 'speech',
  tts_voice: 'speech',
  tts_key: 'speech',
};
const testRows = () => Array.from(document.querySelectorAll<HTMLLIElement>('#test-results li:not([hidden])'));
const speechRow = document.querySelector<HTMLLIElement>('#test-results li[data-provider="speech"]')!;
const testSection = byId('key-test');
const voiceWarning = byId('voice-warning');
const field = (name: string) => byId<HTMLInputElement>(name);
const providerOf = (row: HTMLElement) => row.dataset.provider as TestedProvider;
const resultOf = (row: HTMLElement) => row.querySelector('.result')!;
// The model typed for each provider, so switching away and back (Other → Groq → Other) keeps it.
const modelOf = new Map<string, string>();
let shownProvider: string | null = null;

/** A refusal to show: the server's, or the page's own before anything is sent. */
type Refusal = { message: string; fields: Record<string, string> };
const refusalOf = (error: unknown): Refusal => ({ message: (error as Error).message, fields: (error instanceof ApiError && error.body?.fields) || {} });

/** The speech server's fields, and its test, only for the OpenAI voice. */
function showVoiceFields() {
  const deepgramVoice = form.querySelector<HTMLInputElement>('input[name="tts_provider"]:checked')?.value === 'deepgram';
  openAiVoiceFields.hidden = deepgramVoice;
  speechRow.hidden = deepgramVoice;
}

function show(keys: KeysView) {
  for (const name of SECRET_FIELDS) {
    const status = byId(`${name}-status`);
    const info = keys[name];
    if (info.unreadable) status.textContent = 'Saved, but needs re-entering.';
    else if (info.set) status.textContent = `Set ${info.masked}${info.updatedAt ? ` · saved ${formatDate(info.updatedAt)}` : ''}`;
    else status.textContent = 'Not set';
    status.dataset.state = info.unreadable ? 'bad' : info.set ? 'set' : 'unset';
    field(name).value = '';
  }
  if (keys.livekit_host) byId('livekit_url-status').textContent += ` (${keys.livekit_host})`;
  provider.value = keys.llm_provider;
  baseUrl.value = keys.llm_provider === 'custom' ? keys.llm_base_url : '';
  model.value = keys.llm_model;
  modelOf.clear();
  shownProvider = keys.llm_provider;
  for (const name of SETTINGS) field(name).value = keys[name] || '';
  for (const radio of form.querySelectorAll<HTMLInputElement>('input[name="tts_provider"]')) radio.checked = radio.value === keys.tts_provider;
  showVoiceFields();
  baseUrlField.hidden = keys.llm_provider !== 'custom';
  notice.hidden = !keys.needsReentry;
  notice.textContent = keys.message || '';
  voiceWarning.hidden = !keys.voiceWarning;
  voiceWarning.textContent = keys.voiceWarning ? `Voice interviews cannot start yet. ${keys.voiceWarning}` : '';
}

/** A test result as its row says it; `at` for a result kept from an earlier test. */
function showResult(row: HTMLElement, result: KeyCheck, at?: string) {
  row.dataset.state = result.ok ? 'ok' : result.notSet ? 'unset' : 'bad';
  const verdict = result.ok ? 'Works' : result.notSet ? 'Not set' : 'Does not work';
  let detail = result.notSet ? result.message : result.ms !== undefined ? `${result.message} (${result.ms} ms)` : result.message;
  if (at) detail += ` · tested ${formatDate(at)}`;
  resultOf(row).textContent = verdict === result.message && !at ? verdict : `${verdict}: ${detail}`;
}

/** The last test of the saved keys, as it was when they were last tested. */
function showLastTests(tests: KeysView['lastTests']) {
  for (const row of document.querySelectorAll<HTMLLIElement>('#test-results li')) {
    const test = tests[providerOf(row)];
    if (test) showResult(row, test, test.at);
    else {
      row.dataset.state = '';
      resultOf(row).textContent = 'Not tested yet';
    }
  }
}

function clearErrors() {
  formStatus.textContent = '';
  formStatus.dataset.state = '';
  for (const el of form.querySelectorAll('.error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

function showErrors({ message, fields }: Refusal) {
  let first: HTMLElement | null = null;
  for (const [name, text] of Object.entries(fields)) {
    const slot = document.getElementById(`${name}-error`);
    const input = document.getElementById(name);
    if (slot) slot.textContent = text;
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      first = first || input;
    }
  }
  formStatus.textContent = message;
  formStatus.dataset.state = 'bad';
  first?.focus();
}

/**
 * Problems to fix before anything is sent. An empty base URL for "Other" would clear the saved
 * one and quietly send the key to OpenAI instead.
 */
function localProblems(): Refusal | null {
  if (provider.value === 'custom' && !baseUrl.value.trim()) {
    return { message: 'Some fields need attention.', fields: { llm_base_url: 'Enter the base URL of your OpenAI-compatible endpoint, e.g. https://api.example.com/v1' } };
  }
  return null;
}

/** Only what the user typed or chose: empty key fields keep the saved values. */
function collect(): Record<string, string | undefined> {
  const body: Record<string, string | undefined> = {};
  for (const name of SECRET_FIELDS) {
    const value = field(name).value.trim();
    if (value) body[name] = value;
  }
  body.llm_base_url = provider.value === 'custom' ? baseUrl.value.trim() : provider.selectedOptions[0]?.dataset.baseUrl;
  if (model.value.trim()) body.llm_model = model.value.trim();
  const tts = form.querySelector<HTMLInputElement>('input[name="tts_provider"]:checked');
  if (tts) body.tts_provider = tts.value;
  for (const name of SETTINGS) body[name] = field(name).value.trim();
  // What the page hides is not sent: the saved speech server stays as it was for the OpenAI voice.
  if (openAiVoiceFields.hidden) for (const name of OPENAI_VOICE_FIELDS) delete body[name];
  return body;
}

for (const radio of form.querySelectorAll('input[name="tts_provider"]')) radio.addEventListener('change', showVoiceFields);

provider.addEventListener('change', () => {
  if (shownProvider) modelOf.set(shownProvider, model.value);
  shownProvider = provider.value;
  baseUrlField.hidden = provider.value !== 'custom';
  const kept = modelOf.get(provider.value);
  const preset = provider.selectedOptions[0]?.dataset.model;
  if (kept !== undefined) model.value = kept;
  else if (preset) model.value = preset;
  if (provider.value === 'custom') baseUrl.focus();
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors();
  const problems = localProblems();
  if (problems) return showErrors(problems);
  formStatus.textContent = 'Saving…';
  formStatus.dataset.state = 'busy';
  try {
    const keys = await api<KeysView>('PUT', '/api/keys', collect());
    show(keys);
    formStatus.textContent = keys.voiceWarning ? 'Keys saved, but voice interviews cannot start yet: see Speech.' : 'Keys saved.';
    formStatus.dataset.state = keys.voiceWarning ? 'warn' : 'ok';
  } catch (error) {
    showErrors(refusalOf(error));
  }
});

/** The request was refused as a whole: each row says whether its own fields were the reason. */
function showNotTested(refusal: Refusal) {
  const named = Object.keys(refusal.fields);
  for (const row of testRows()) {
    const own = named.find((name) => PROVIDER_OF[name] === providerOf(row));
    row.dataset.state = own || named.length === 0 ? 'bad' : 'unset';
    if (own) resultOf(row).textContent = `Not tested: ${refusal.fields[own]}`;
    else if (named.length > 0) resultOf(row).textContent = 'Not tested: fix the fields marked above first';
    else resultOf(row).textContent = `Not tested: ${refusal.message}`;
  }
  if (named.length > 0) return showErrors(refusal);
  formStatus.textContent = `Not tested: ${refusal.message}`;
  formStatus.dataset.state = 'bad';
}

byId('test-keys').addEventListener('click', async () => {
  clearErrors();
  const problems = localProblems();
  if (problems) return showNotTested(problems);
  const rows = testRows();
  for (const row of rows) {
    row.dataset.state = 'busy';
    resultOf(row).textContent = 'Testing…';
  }
  // The results are below the form: bring them into view (on a phone, and at 1280×800).
  testSection.scrollIntoView({ block: 'start' });
  formStatus.textContent = 'Testing your keys: the results are under "Key test".';
  formStatus.dataset.state = 'busy';
  try {
    const results = await api<KeyTestResults>('POST', '/api/keys/test', collect());
    let failures = 0;
    for (const row of rows) {
      const result = results[providerOf(row)];
      showResult(row, result);
      if (!result.ok && !result.notSet) failures += 1;
    }
    formStatus.textContent = failures === 0 ? 'Key test done: see "Key test".' : `Key test done: ${failures} did not work, see "Key test".`;
    formStatus.dataset.state = failures === 0 ? 'ok' : 'bad';
  } catch (error) {
    showNotTested(refusalOf(error));
  }
});

byId('remove-keys').addEventListener('click', async () => {
  if (!window.confirm('Remove all your saved keys? Interviews need them to run.')) return;
  try {
    const keys = await api<KeysView>('DELETE', '/api/keys');
    show(keys);
    showLastTests(keys.lastTests);
    formStatus.textContent = 'All keys removed.';
    formStatus.dataset.state = 'ok';
  } catch (error) {
    showErrors(refusalOf(error));
  }
});

api<KeysView>('GET', '/api/keys').then(
  (keys) => {
    show(keys);
    showLastTests(keys.lastTests);
  },
  (error: Error) => {
    formStatus.textContent = error.message;
    formStatus.dataset.state = 'bad';
  },
);
