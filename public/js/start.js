// The start form: checks fields before sending, uploads a résumé with progress and shows the
// text read from it, starts the interview and opens its room. Every string from the user or the
// server is set with textContent.
(function () {
  'use strict';
  const { api, csrfToken, formatDate } = window.MockFlow;
  const form = document.getElementById('start-form');
  if (!form) return;
  for (const el of form.querySelectorAll('time[data-local]')) el.textContent = formatDate(el.getAttribute('datetime'));
  const startButton = document.getElementById('start-button');
  const formStatus = document.getElementById('form-status');
  const problem = document.getElementById('start-problem');
  const problemMessage = document.getElementById('start-problem-message');
  const problemActions = document.getElementById('start-problem-actions');
  const fileInput = document.getElementById('resume_file');
  const progress = document.getElementById('resume-progress');
  const resumeStatus = document.getElementById('resume-status');
  const preview = document.getElementById('resume-preview');
  const previewText = document.getElementById('resume-text');
  const jd = document.getElementById('job_description');
  const jdCount = document.getElementById('job_description-count');

  const LIMITS = { candidate_name: 100, job_role: 120, job_description: 10000 };
  const PREVIEW_CHARS = 2000;
  const number = new Intl.NumberFormat();
  let resumeText = '';
  let upload = null;

  // ---- Field errors ---------------------------------------------------------------------

  function setError(name, message) {
    const slot = document.getElementById(`${name}-error`);
    const input = name === 'mode' ? null : document.getElementById(name === 'resume_text' ? 'resume_file' : name);
    if (slot) slot.textContent = message || '';
    if (input) {
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }

  function clearErrors() {
    for (const el of form.querySelectorAll('.error')) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    problem.hidden = true;
  }

  function focusFirstError() {
    const first = form.querySelector('[aria-invalid="true"]') || (document.getElementById('mode-error').textContent && form.querySelector('input[name="mode"]:not(:disabled)'));
    if (first) first.focus();
  }

  function mode() {
    const checked = form.querySelector('input[name="mode"]:checked');
    return checked ? checked.value : '';
  }

  // Pauses only matter when the interviewer listens: the choice is shown for voice only.
  const patienceChoice = document.getElementById('patience-choice');
  function showPatience() {
    patienceChoice.hidden = mode() !== 'voice';
  }
  for (const radio of form.querySelectorAll('input[name="mode"]')) radio.addEventListener('change', showPatience);
  showPatience();

  /** The same rules as the API, so most mistakes are caught without a round trip. */
  function check() {
    const errors = {};
    const name = form.candidate_name.value.trim();
    const role = form.job_role.value.trim();
    if (!name) errors.candidate_name = 'Your name is required.';
    else if (name.length > LIMITS.candidate_name) errors.candidate_name = `Your name must be at most ${LIMITS.candidate_name} characters.`;
    if (!role) errors.job_role = 'The target role is required.';
    else if (role.length > LIMITS.job_role) errors.job_role = `The target role must be at most ${LIMITS.job_role} characters.`;
    if (!form.experience_level.value) errors.experience_level = 'Choose your experience level.';
    if (!mode()) errors.mode = 'Choose voice or text.';
    if (jd.value.trim().length > LIMITS.job_description) {
      errors.job_description = `The job description must be at most ${number.format(LIMITS.job_description)} characters (it has ${number.format(jd.value.trim().length)}).`;
    }
    if (upload) errors.resume_text = 'Wait for the résumé upload to finish.';
    return errors;
  }

  for (const name of ['candidate_name', 'job_role', 'experience_level']) {
    form[name].addEventListener('blur', () => {
      if (!form[name].hasAttribute('aria-invalid')) return;
      setError(name, check()[name]);
    });
  }

  function updateJdCount() {
    const length = jd.value.trim().length;
    jdCount.textContent = `${number.format(length)} / ${number.format(LIMITS.job_description)} characters`;
    jdCount.dataset.state = length > LIMITS.job_description ? 'bad' : '';
    if (length <= LIMITS.job_description) setError('job_description', '');
  }
  jd.addEventListener('input', updateJdCount);
  updateJdCount();

  // ---- Résumé upload --------------------------------------------------------------------

  function showResume(text, chars, truncated) {
    resumeText = text;
    previewText.textContent = text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
    preview.hidden = !text;
    resumeStatus.textContent = `${number.format(chars)} characters read${truncated ? ' (shortened to fit)' : ''}.`;
    resumeStatus.dataset.state = 'ok';
  }

  function clearResume() {
    resumeText = '';
    previewText.textContent = '';
    preview.hidden = true;
    resumeStatus.textContent = '';
    delete resumeStatus.dataset.state;
  }

  fileInput.addEventListener('change', () => {
    if (upload) upload.abort();
    clearResume();
    setError('resume_text', '');
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    if (file.size > 5 * 1024 * 1024) {
      setError('resume_text', 'The file is larger than 5 MB. Upload a smaller file, or paste the text instead.');
      return;
    }
    const xhr = new XMLHttpRequest();
    upload = xhr;
    const body = new FormData();
    body.append('file', file);
    xhr.open('POST', '/api/resume');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('x-csrf-token', csrfToken());
    progress.hidden = false;
    progress.value = 0;
    progress.removeAttribute('value'); // indeterminate until the first progress event
    resumeStatus.textContent = `Uploading ${file.name}…`;
    resumeStatus.dataset.state = 'busy';
    xhr.upload.addEventListener('progress', (event) => {
      if (!event.lengthComputable) return;
      progress.value = Math.round((event.loaded / event.total) * 100);
      if (event.loaded === event.total) resumeStatus.textContent = `Reading ${file.name}…`;
    });
    const finish = () => {
      upload = null;
      progress.hidden = true;
    };
    xhr.addEventListener('load', () => {
      finish();
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = null;
      }
      if (xhr.status === 200 && data && typeof data.text === 'string') {
        showResume(data.text, data.chars, data.truncated);
      } else {
        clearResume();
        setError('resume_text', (data && data.message) || `The upload failed (the server answered ${xhr.status}). Try again.`);
        fileInput.value = '';
      }
    });
    xhr.addEventListener('error', () => {
      finish();
      clearResume();
      setError('resume_text', 'The upload did not reach MockFlow. Check your connection and try again.');
    });
    xhr.addEventListener('abort', finish);
    xhr.send(body);
  });

  document.getElementById('resume-remove').addEventListener('click', () => {
    fileInput.value = '';
    clearResume();
    fileInput.focus();
  });

  // ---- Start ----------------------------------------------------------------------------

  function showProblem(message, actions) {
    problemMessage.textContent = message;
    problemActions.replaceChildren(...actions);
    problem.hidden = false;
  }

  function link(href, text) {
    const a = document.createElement('a');
    a.href = href;
    a.className = 'button secondary';
    a.textContent = text;
    return a;
  }

  function retryButton(text) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button';
    button.textContent = text;
    button.addEventListener('click', () => form.requestSubmit());
    return button;
  }

  /** After a voice start fails: the way to the keys, and a text interview with the same answers. */
  function voiceWayOut() {
    const textRadio = form.querySelector('input[name="mode"][value="text"]');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button secondary';
    button.textContent = 'Use a text interview instead';
    button.addEventListener('click', () => {
      textRadio.checked = true;
      textRadio.dispatchEvent(new Event('change', { bubbles: true }));
      form.requestSubmit();
    });
    return [link('/settings/keys', 'Open Settings → Keys'), button];
  }

  async function liveInterviewLink() {
    try {
      const list = await api('GET', '/api/interviews?perPage=5');
      const live = list.interviews.find((i) => i.status === 'live');
      return live ? link(`/interviews/${encodeURIComponent(live.id)}/room`, 'Return to your running interview') : null;
    } catch {
      return null;
    }
  }

  function busy(on) {
    startButton.disabled = on;
    form.setAttribute('aria-busy', on ? 'true' : 'false');
    formStatus.textContent = on ? (mode() === 'voice' ? 'Starting your interviewer and your room…' : 'Starting your interviewer…') : '';
    formStatus.dataset.state = on ? 'busy' : '';
  }

  let retryTimer = null;
  function holdUntil(seconds) {
    clearInterval(retryTimer);
    let left = Math.max(1, Math.round(seconds));
    startButton.disabled = true;
    const tick = () => {
      if (left <= 0) {
        clearInterval(retryTimer);
        startButton.disabled = false;
        formStatus.textContent = '';
        return;
      }
      formStatus.textContent = `You can try again in ${left} s.`;
      left -= 1;
    };
    tick();
    retryTimer = setInterval(tick, 1000);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors();
    const errors = check();
    if (Object.keys(errors).length > 0) {
      for (const [name, message] of Object.entries(errors)) setError(name, message);
      formStatus.textContent = 'Some fields need attention.';
      formStatus.dataset.state = 'bad';
      focusFirstError();
      return;
    }
    const body = {
      candidate_name: form.candidate_name.value.trim(),
      job_role: form.job_role.value.trim(),
      experience_level: form.experience_level.value,
      mode: mode(),
    };
    const patience = form.querySelector('input[name="patience"]:checked');
    if (body.mode === 'voice' && patience) body.patience = patience.value;
    if (resumeText.trim()) body.resume_text = resumeText.trim().slice(0, 20000);
    if (jd.value.trim()) body.job_description = jd.value.trim();

    busy(true);
    let started;
    try {
      started = await api('POST', '/api/interviews', body);
    } catch (error) {
      busy(false);
      const data = error.data || {};
      if (error.status === 400 && data.fields) {
        for (const [name, message] of Object.entries(data.fields)) setError(name, message);
        formStatus.textContent = error.message;
        formStatus.dataset.state = 'bad';
        focusFirstError();
      } else if (error.status === 409) {
        const back = await liveInterviewLink();
        showProblem(error.message, back ? [back] : []);
      } else if (error.status === 412) {
        showProblem(error.message, body.mode === 'voice' ? voiceWayOut() : [link('/settings/keys', 'Open Settings → Keys')]);
      } else if (error.status === 429) {
        showProblem(error.message, []);
        holdUntil(data.retryAfterSeconds || 60);
      } else {
        showProblem(error.message, [retryButton('Try again'), ...(body.mode === 'voice' ? voiceWayOut() : [])]);
      }
      if (!problem.hidden) problem.focus();
      return;
    }
    formStatus.textContent = 'Opening the interview room…';
    if (started.livekit) {
      // Only this tab needs the room pass; it never goes into a URL.
      sessionStorage.setItem(`mockflow.livekit.${started.id}`, JSON.stringify(started.livekit));
    }
    window.location.assign(`/interviews/${encodeURIComponent(started.id)}/room`);
  });
  problem.tabIndex = -1;
})();
