// Settings → Keys: save, test and remove the user's provider keys. Secrets are sent once and
// never come back: the page shows only "set, …abcd, saved <date>".
(function () {
  'use strict';
  const { api, formatDate } = window.MockFlow;
  const form = document.getElementById('keys-form');
  const provider = document.getElementById('llm_provider');
  const baseUrl = document.getElementById('llm_base_url');
  const baseUrlField = document.getElementById('llm_base_url-field');
  const model = document.getElementById('llm_model');
  const formStatus = document.getElementById('form-status');
  const notice = document.getElementById('keys-notice');
  const SECRETS = ['livekit_url', 'livekit_api_key', 'livekit_api_secret', 'openai_key', 'deepgram_key', 'tts_key'];
  // Shown as saved and always sent: an empty one means the default (its placeholder).
  const SETTINGS = ['deepgram_base_url', 'tts_base_url', 'tts_model', 'tts_voice'];
  const openAiVoiceFields = document.getElementById('openai-voice-fields');
  const OPENAI_VOICE_FIELDS = ['tts_base_url', 'tts_model', 'tts_voice', 'tts_key'];
  // Which provider's test a field belongs to, to say why that one was not tested.
  const PROVIDER_OF = {
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
  const testRows = () => document.querySelectorAll('#test-results li:not([hidden])');
  const speechRow = document.querySelector('#test-results li[data-provider="speech"]');
  const testSection = document.getElementById('key-test');
  const voiceWarning = document.getElementById('voice-warning');
  // The model typed for each provider, so switching away and back (Other → Groq → Other) keeps it.
  const modelOf = {};
  let shownProvider = null;

  /** The speech server's fields, and its test, only for the OpenAI voice. */
  function showVoiceFields() {
    const deepgramVoice = form.querySelector('input[name="tts_provider"]:checked')?.value === 'deepgram';
    openAiVoiceFields.hidden = deepgramVoice;
    speechRow.hidden = deepgramVoice;
  }

  function show(keys) {
    for (const field of SECRETS) {
      const status = document.getElementById(`${field}-status`);
      const info = keys[field];
      if (info.unreadable) status.textContent = 'Saved, but needs re-entering.';
      else if (info.set) status.textContent = `Set ${info.masked}${info.updatedAt ? ` · saved ${formatDate(info.updatedAt)}` : ''}`;
      else status.textContent = 'Not set';
      status.dataset.state = info.unreadable ? 'bad' : info.set ? 'set' : 'unset';
      document.getElementById(field).value = '';
    }
    if (keys.livekit_host) document.getElementById('livekit_url-status').textContent += ` (${keys.livekit_host})`;
    provider.value = keys.llm_provider;
    baseUrl.value = keys.llm_provider === 'custom' ? keys.llm_base_url : '';
    model.value = keys.llm_model;
    for (const key of Object.keys(modelOf)) delete modelOf[key];
    shownProvider = keys.llm_provider;
    for (const field of SETTINGS) document.getElementById(field).value = keys[field] || '';
    for (const radio of form.querySelectorAll('input[name="tts_provider"]')) radio.checked = radio.value === keys.tts_provider;
    showVoiceFields();
    baseUrlField.hidden = keys.llm_provider !== 'custom';
    notice.hidden = !keys.needsReentry;
    notice.textContent = keys.message || '';
    voiceWarning.hidden = !keys.voiceWarning;
    voiceWarning.textContent = keys.voiceWarning ? `Voice interviews cannot start yet. ${keys.voiceWarning}` : '';
  }

  /** A test result as its row says it; `at` for a result kept from an earlier test. */
  function showResult(row, result, at) {
    row.dataset.state = result.ok ? 'ok' : result.notSet ? 'unset' : 'bad';
    const verdict = result.ok ? 'Works' : result.notSet ? 'Not set' : 'Does not work';
    let detail = result.notSet ? result.message : result.ms !== undefined ? `${result.message} (${result.ms} ms)` : result.message;
    if (at) detail += ` · tested ${formatDate(at)}`;
    row.querySelector('.result').textContent = verdict === result.message && !at ? verdict : `${verdict}: ${detail}`;
  }

  /** The last test of the saved keys, as it was when they were last tested. */
  function showLastTests(tests) {
    for (const row of document.querySelectorAll('#test-results li')) {
      const test = tests[row.dataset.provider];
      if (test) showResult(row, test, test.at);
      else {
        row.dataset.state = '';
        row.querySelector('.result').textContent = 'Not tested yet';
      }
    }
  }

  function clearErrors() {
    formStatus.textContent = '';
    formStatus.dataset.state = '';
    for (const el of form.querySelectorAll('.error')) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  }

  function showErrors(error) {
    const fields = (error.data && error.data.fields) || {};
    let first = null;
    for (const [name, message] of Object.entries(fields)) {
      const slot = document.getElementById(`${name}-error`);
      const input = document.getElementById(name);
      if (slot) slot.textContent = message;
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        first = first || input;
      }
    }
    formStatus.textContent = error.message;
    formStatus.dataset.state = 'bad';
    if (first) first.focus();
  }

  /**
   * Problems to fix before anything is sent. An empty base URL for "Other" would clear the saved
   * one and quietly send the key to OpenAI instead.
   */
  function localProblems() {
    if (provider.value === 'custom' && !baseUrl.value.trim()) {
      return { llm_base_url: 'Enter the base URL of your OpenAI-compatible endpoint, e.g. https://api.example.com/v1' };
    }
    return null;
  }

  /** Only what the user typed or chose: empty key fields keep the saved values. */
  function collect() {
    const body = {};
    for (const field of SECRETS) {
      const value = document.getElementById(field).value.trim();
      if (value) body[field] = value;
    }
    const option = provider.selectedOptions[0];
    body.llm_base_url = provider.value === 'custom' ? baseUrl.value.trim() : option.dataset.baseUrl;
    if (model.value.trim()) body.llm_model = model.value.trim();
    const tts = form.querySelector('input[name="tts_provider"]:checked');
    if (tts) body.tts_provider = tts.value;
    for (const field of SETTINGS) body[field] = document.getElementById(field).value.trim();
    // What the page hides is not sent: the saved speech server stays as it was for the OpenAI voice.
    if (openAiVoiceFields.hidden) for (const field of OPENAI_VOICE_FIELDS) delete body[field];
    return body;
  }

  for (const radio of form.querySelectorAll('input[name="tts_provider"]')) radio.addEventListener('change', showVoiceFields);

  provider.addEventListener('change', () => {
    const option = provider.selectedOptions[0];
    if (shownProvider) modelOf[shownProvider] = model.value;
    shownProvider = provider.value;
    baseUrlField.hidden = provider.value !== 'custom';
    if (modelOf[provider.value] !== undefined) model.value = modelOf[provider.value];
    else if (option.dataset.model) model.value = option.dataset.model;
    if (provider.value === 'custom') baseUrl.focus();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors();
    const problems = localProblems();
    if (problems) return showErrors({ message: 'Some fields need attention.', data: { fields: problems } });
    formStatus.textContent = 'Saving…';
    formStatus.dataset.state = 'busy';
    try {
      const keys = await api('PUT', '/api/keys', collect());
      show(keys);
      formStatus.textContent = keys.voiceWarning ? 'Keys saved, but voice interviews cannot start yet: see Speech.' : 'Keys saved.';
      formStatus.dataset.state = keys.voiceWarning ? 'warn' : 'ok';
    } catch (error) {
      showErrors(error);
    }
  });

  /** The request was refused as a whole: each row says whether its own fields were the reason. */
  function showNotTested(error) {
    const fields = (error.data && error.data.fields) || {};
    const named = Object.keys(fields);
    for (const row of testRows()) {
      const own = named.find((name) => PROVIDER_OF[name] === row.dataset.provider);
      row.dataset.state = own || named.length === 0 ? 'bad' : 'unset';
      if (own) row.querySelector('.result').textContent = `Not tested: ${fields[own]}`;
      else if (named.length > 0) row.querySelector('.result').textContent = 'Not tested: fix the fields marked above first';
      else row.querySelector('.result').textContent = `Not tested: ${error.message}`;
    }
    if (named.length > 0) return showErrors(error);
    formStatus.textContent = `Not tested: ${error.message}`;
    formStatus.dataset.state = 'bad';
  }

  document.getElementById('test-keys').addEventListener('click', async () => {
    clearErrors();
    const problems = localProblems();
    if (problems) return showNotTested({ message: 'Some fields need attention.', data: { fields: problems } });
    const rows = testRows();
    for (const row of rows) {
      row.dataset.state = 'busy';
      row.querySelector('.result').textContent = 'Testing…';
    }
    // The results are below the form: bring them into view (on a phone, and at 1280×800).
    testSection.scrollIntoView({ block: 'start' });
    formStatus.textContent = 'Testing your keys: the results are under "Key test".';
    formStatus.dataset.state = 'busy';
    try {
      const results = await api('POST', '/api/keys/test', collect());
      let failures = 0;
      for (const row of rows) {
        const result = results[row.dataset.provider];
        showResult(row, result);
        if (!result.ok && !result.notSet) failures += 1;
      }
      formStatus.textContent = failures === 0 ? 'Key test done: see "Key test".' : `Key test done: ${failures} did not work, see "Key test".`;
      formStatus.dataset.state = failures === 0 ? 'ok' : 'bad';
    } catch (error) {
      showNotTested(error);
    }
  });

  document.getElementById('remove-keys').addEventListener('click', async () => {
    if (!window.confirm('Remove all your saved keys? Interviews need them to run.')) return;
    try {
      const keys = await api('DELETE', '/api/keys');
      show(keys);
      showLastTests(keys.lastTests);
      formStatus.textContent = 'All keys removed.';
      formStatus.dataset.state = 'ok';
    } catch (error) {
      showErrors(error);
    }
  });

  api('GET', '/api/keys').then((keys) => {
    show(keys);
    showLastTests(keys.lastTests);
  }, (error) => {
    formStatus.textContent = error.message;
    formStatus.dataset.state = 'bad';
  });
})();
