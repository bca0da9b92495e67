// The start form: checks fields before sending, uploads a résumé with progress and shows the
// text read from it, starts the interview and opens its room. Every string from the user or the
// server is set with textContent.
import type { InterviewList, ResumeText, StartedInterview } from '../../shared/api.ts';
import { CANDIDATE_NAME_MAX_CHARS, JOB_DESCRIPTION_MAX_CHARS, JOB_ROLE_MAX_CHARS, RESUME_MAX_CHARS } from '../../shared/vocabulary.ts';
import { api, ApiError, csrfToken, isErrorBody, parseJson } from '../api.ts';
import { byId, localizeTimes } from '../dom.ts';

const form = document.getElementById('start-form') as HTMLFormElement | null;
if (form) startForm(form);

function startForm(form: HTMLFormElement) {
  localizeTimes(form);
  const startButton = byId<HTMLButtonElement>('start-button');
  const formStatus = byId('form-status');
  const problem = byId('start-problem');
  const problemMessage = byId('start-problem-message');
  const problemActions = byId('start-problem-actions');
  const fileInput = byId<HTMLInputElement>('resume_file');
  const progress = byId<HTMLProgressElement>('resume-progress');
  const resumeStatus = byId('resume-status');
  const preview = byId('resume-preview');
  const previewText = byId('resume-text');
  const candidateName = byId<HTMLInputElement>('candidate_name');
  const jobRole = byId<HTMLInputElement>('job_role');
  const level = byId<HTMLSelectElement>('experience_level');
  const jd = byId<HTMLTextAreaElement>('job_description');
  const jdCount = byId('job_description-count');

  const PREVIEW_CHARS = 2000;
  const number = new Intl.NumberFormat();
  let resumeText = '';
  let upload: XMLHttpRequest | null = null;

  // ---- Field errors ---------------------------------------------------------------------

  function setError(name: string, message?: string) {
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
    const first =
      form.querySelector<HTMLElement>('[aria-invalid="true"]') ||
      (byId('mode-error').textContent ? form.querySelector<HTMLElement>('input[name="mode"]:not(:disabled)') : null);
    first?.focus();
  }

  function mode() {
    return form.querySelector<HTMLInputElement>('input[name="mode"]:checked')?.value ?? '';
  }

  // Pauses only matter when the interviewer listens: the choice is shown for voice only.
  const patienceChoice = byId('patience-choice');
  function showPatience() {
    patienceChoice.hidden = mode() !== 'voice';
  }
  for (const radio of form.querySelectorAll('input[name="mode"]')) radio.addEventListener('change', showPatience);
  showPatience();

  /** The same rules as the API, so most mistakes are caught without a round trip. */
  function check() {
    const errors: Record<string, string> = {};
    const name = candidateName.value.trim();
    const role = jobRole.value.trim();
    if (!name) errors.candidate_name = 'Your name is required.';
    else if (name.length > CANDIDATE_NAME_MAX_CHARS) errors.candidate_name = `Your name must be at most ${CANDIDATE_NAME_MAX_CHARS} characters.`;
    if (!role) errors.job_role = 'The target role is required.';
    else if (role.length > JOB_ROLE_MAX_CHARS) errors.job_role = `The target role must be at most ${JOB_ROLE_MAX_CHARS} characters.`;
    if (!level.value) errors.experience_level = 'Choose your experience level.';
    if (!mode()) errors.mode = 'Choose voice or text.';
    if (jd.value.trim().length > JOB_DESCRIPTION_MAX_CHARS) {
      errors.job_description = `The job description must be at most ${number.format(JOB_DESCRIPTION_MAX_CHARS)} characters (it has ${number.format(jd.value.trim().length)}).`;
    }
    if (upload) errors.resume_text = 'Wait for the résumé upload to finish.';
    return errors;
  }

  for (const input of [candidateName, jobRole, level]) {
    input.addEventListener('blur', () => {
      if (!input.hasAttribute('aria-invalid')) return;
      setError(input.id, check()[input.id]);
    });
  }

  function updateJdCount() {
    const length = jd.value.trim().length;
    jdCount.textContent = `${number.format(length)} / ${number.format(JOB_DESCRIPTION_MAX_CHARS)} characters`;
    jdCount.dataset.state = length > JOB_DESCRIPTION_MAX_CHARS ? 'bad' : '';
    if (length <= JOB_DESCRIPTION_MAX_CHARS) setError('job_description', '');
  }
  jd.addEventListener('input', updateJdCount);
  updateJdCount();

  // ---- Résumé upload --------------------------------------------------------------------

  function showResume({ text, chars, truncated }: ResumeText) {
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
    upload?.abort();
    clearResume();
    setError('resume_text', '');
    const file = fileInput.files?.[0];
    if (!file) return;
    if (file.size > 5 * 1024 * 1024) {
      setError('resume_text', 'The file is larger than 5 MB. Upload a smaller file, or paste the text instead.');
      return;
    }
    // XMLHttpRequest, not fetch: it reports upload progress.
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
      const data = parseJson(xhr.responseText);
      if (xhr.status === 200 && typeof (data as ResumeText | null)?.text === 'string') {
        showResume(data as ResumeText);
      } else {
        clearResume();
        setError('resume_text', isErrorBody(data) ? data.message : `The upload failed (the server answered ${xhr.status}). Try again.`);
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

  byId('resume-remove').addEventListener('click', () => {
    fileInput.value = '';
    clearResume();
    fileInput.focus();
  });

  // ---- Start ----------------------------------------------------------------------------

  function showProblem(message: string, actions: HTMLElement[]) {
    problemMessage.textContent = message;
    problemActions.replaceChildren(...actions);
    problem.hidden = false;
  }

  function link(href: string, text: string) {
    const a = document.createElement('a');
    a.href = href;
    a.className = 'button secondary';
    a.textContent = text;
    return a;
  }

  function retryButton(text: string) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'button';
    button.textContent = text;
    button.addEventListener('click', () => form.requestSubmit());
    return button;
  }

  /** After a voice start fails: the way to the keys, and a text interview with the same answers. */
  function voiceWayOut() {
    const textRadio = form.querySelector<HTMLInputElement>('input[name="mode"][value="text"]')!;
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
      const list = await api<InterviewList>('GET', '/api/interviews?perPage=5');
      const live = list.interviews.find((i) => i.status === 'live');
      return live ? link(`/interviews/${encodeURIComponent(live.id)}/room`, 'Return to your running interview') : null;
    } catch {
      return null;
    }
  }

  function busy(on: boolean) {
    startButton.disabled = on;
    form.setAttribute('aria-busy', on ? 'true' : 'false');
    formStatus.textContent = on ? (mode() === 'voice' ? 'Starting your interviewer and your room…' : 'Starting your interviewer…') : '';
    formStatus.dataset.state = on ? 'busy' : '';
  }

  let retryTimer: ReturnType<typeof setInterval> | undefined;
  function holdUntil(seconds: number) {
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
    const body: Record<string, string> = {
      candidate_name: candidateName.value.trim(),
      job_role: jobRole.value.trim(),
      experience_level: level.value,
      mode: mode(),
    };
    const patience = form.querySelector<HTMLInputElement>('input[name="patience"]:checked');
    if (body.mode === 'voice' && patience) body.patience = patience.value;
    if (resumeText.trim()) body.resume_text = resumeText.trim().slice(0, RESUME_MAX_CHARS);
    if (jd.value.trim()) body.job_description = jd.value.trim();

    busy(true);
    let started: StartedInterview;
    try {
      started = await api<StartedInterview>('POST', '/api/interviews', body);
    } catch (error) {
      busy(false);
      const status = error instanceof ApiError ? error.status : 0;
      const refusal = error instanceof ApiError ? error.body : null;
      const message = (error as Error).message;
      if (status === 400 && refusal?.fields) {
        for (const [name, text] of Object.entries(refusal.fields)) setError(name, text);
        formStatus.textContent = message;
        formStatus.dataset.state = 'bad';
        focusFirstError();
      } else if (status === 409) {
        const back = await liveInterviewLink();
        showProblem(message, back ? [back] : []);
      } else if (status === 412) {
        showProblem(message, body.mode === 'voice' ? voiceWayOut() : [link('/settings/keys', 'Open Settings → Keys')]);
      } else if (status === 429) {
        showProblem(message, []);
        holdUntil(refusal?.retryAfterSeconds || 60);
      } else {
        showProblem(message, [retryButton('Try again'), ...(body.mode === 'voice' ? voiceWayOut() : [])]);
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
}
