// What both interview rooms share: the stage indicator and its clock, the interview's event
// stream (GET /api/interviews/:id/events), skip and end. room-text.js and room-voice.js add
// the conversation itself.
(function () {
  'use strict';
  const { api } = window.MockFlow;
  const root = document.getElementById('room');
  const id = root.dataset.interviewId;
  const steps = Array.from(root.querySelectorAll('.stage-steps li'));
  const order = steps.map((li) => li.dataset.stage);
  const limits = Object.fromEntries(steps.map((li) => [li.dataset.stage, Number(li.dataset.limitMs)]));
  const labels = Object.fromEntries(steps.map((li) => [li.dataset.stage, li.dataset.label]));
  // Stage times come from the server's clock; the browser's may be off by a little or a lot.
  const clockOffset = Number(root.dataset.serverNow) - Date.now();
  const now = () => Date.now() + clockOffset;

  const stageNumber = document.getElementById('stage-number');
  const stageName = document.getElementById('stage-name');
  const clock = document.getElementById('stage-clock');
  const announcer = document.getElementById('room-announcer');
  const problem = document.getElementById('room-problem');
  const skipButton = document.getElementById('skip-stage');
  const endButton = document.getElementById('end-interview');
  const actionsStatus = document.getElementById('actions-status');
  const idleWarning = document.getElementById('idle-warning');
  const goodbye = document.getElementById('goodbye');
  const goodbyeText = document.getElementById('goodbye-text');
  const idleWarningText = document.getElementById('idle-warning-text');
  const stillHereButton = document.getElementById('still-here');
  const pausedPanel = document.getElementById('provider-paused');
  const pausedText = document.getElementById('provider-paused-text');
  const tryAgainButton = document.getElementById('try-again');

  let stage = root.dataset.stage;
  let stageAt = Number(root.dataset.stageStartedAt);
  let leaving = false;
  let skipPending = null;
  const listeners = { item: [], snapshot: [], stage: [], ended: [] };
  let beforeLeave = async () => undefined;
  let skipHandler = () => api('POST', `/api/interviews/${encodeURIComponent(id)}/skip`, {});

  function emit(type, value) {
    for (const fn of listeners[type]) fn(value);
  }

  function announce(text) {
    announcer.textContent = text;
  }

  function showProblem(text) {
    problem.textContent = text;
    problem.hidden = !text;
  }

  // ---- Stage ----------------------------------------------------------------------------

  function format(ms) {
    const total = Math.ceil(ms / 1000);
    return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
  }

  function tick() {
    const left = (limits[stage] || 0) - (now() - stageAt);
    clock.textContent = left > 0 ? `${format(left)} left in this stage` : 'Time is up for this stage: it moves on after the next answer.';
    clock.dataset.state = left > 0 && left < 30000 ? 'soon' : left <= 0 ? 'over' : '';
  }

  function renderStage() {
    const index = order.indexOf(stage);
    stageNumber.textContent = String(index + 1);
    stageName.textContent = labels[stage] || stage;
    steps.forEach((li, i) => {
      li.className = i < index ? 'done' : i === index ? 'current' : '';
      if (i === index) li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
    });
    skipButton.disabled = Boolean(skipPending) || index >= order.length - 1 || leaving;
    tick();
  }

  /** A stage change from the event stream or the room (`at` in epoch ms, when known). */
  function setStage(next, at) {
    if (!labels[next]) return;
    const changed = next !== stage;
    if (order.indexOf(next) < order.indexOf(stage)) return; // stages only move forward
    stage = next;
    if (at) stageAt = at;
    else if (changed) stageAt = now();
    if (changed) {
      clearTimeout(skipPending);
      skipPending = null;
      actionsStatus.textContent = '';
      announce(`Now in stage ${order.indexOf(stage) + 1} of ${order.length}: ${labels[stage]}.`);
      emit('stage', stage);
    }
    renderStage();
  }

  setInterval(tick, 1000);
  renderStage();

  // ---- Last reply's response times (server/interviews/response-times.ts) -----------------

  const lastTurn = document.getElementById('last-turn');

  /** Same rule as the interview page: "40 ms" under a tenth of a second, else "0.4 s". */
  function latencyText(ms) {
    return ms < 100 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
  }

  /** Shows what the provider side of the last reply took; parts not measured are left out. */
  function showLastTurn(turn) {
    if (!turn) return;
    const parts = [];
    if (typeof turn.llmTtftMs === 'number') parts.push(`model ${latencyText(turn.llmTtftMs)}`);
    if (typeof turn.ttsTtfbMs === 'number') parts.push(`voice ${latencyText(turn.ttsTtfbMs)}`);
    if (parts.length === 0) return;
    lastTurn.textContent = `Last reply: ${parts.join(' · ')}`;
    lastTurn.hidden = false;
  }

  // ---- Event stream ---------------------------------------------------------------------

  let source = null;
  function openEvents() {
    source = new EventSource(`/api/interviews/${encodeURIComponent(id)}/events`);
    const data = (event) => {
      try {
        return JSON.parse(event.data);
      } catch {
        return null;
      }
    };
    source.addEventListener('open', () => {
      if (problem.dataset.kind === 'stream') {
        showProblem('');
        delete problem.dataset.kind;
      }
    });
    source.addEventListener('snapshot', (event) => {
      const interview = data(event);
      if (!interview) return;
      const last = (interview.stages || []).at(-1);
      if (last) setStage(last.stage, interview.stages.length > 1 ? last.at : undefined);
      showLastTurn(((interview.responseTimes || {}).turns || []).at(-1));
      if (interview.paused) showPause(interview.paused);
      else hidePause();
      emit('snapshot', interview);
    });
    source.addEventListener('item', (event) => {
      const item = data(event);
      if (item) emit('item', item);
    });
    source.addEventListener('metrics', (event) => showLastTurn(data(event)));
    source.addEventListener('idle_warning', (event) => warnIdle(data(event) || {}));
    source.addEventListener('paused', (event) => showPause(data(event) || {}));
    source.addEventListener('resumed', () => hidePause());
    source.addEventListener('stage', (event) => {
      const change = data(event);
      if (change) setStage(change.stage, change.at);
    });
    source.addEventListener('error', (event) => {
      // A server `error` event carries data; a dropped connection does not.
      const payload = event.data ? data(event) : null;
      if (payload && payload.message) {
        showProblem(payload.message);
        return;
      }
      if (leaving) return;
      problem.dataset.kind = 'stream';
      showProblem(
        source.readyState === EventSource.CLOSED
          ? 'Lost contact with MockFlow. Reload the page to carry on.'
          : 'Reconnecting to MockFlow… The interview carries on meanwhile.',
      );
    });
    source.addEventListener('ended', (event) => {
      const ended = data(event) || {};
      emit('ended', ended);
      // The interviewer said goodbye: the candidate stays on it until they go.
      if (ended.reason === 'completed') void sayGoodbye(ended);
      else leave();
    });
  }

  // ---- Presence: the idle limit ends an interview nobody is in ----------------------------

  let lastPresence = 0;
  /** Tells the server the candidate is there; the idle limit starts again. While typing (`now` false): at most every 20 s. */
  async function stillHere(now) {
    if (leaving) return;
    if (!now) {
      if (Date.now() - lastPresence < 20_000) return;
      lastPresence = Date.now();
    }
    try {
      await api('POST', `/api/interviews/${encodeURIComponent(id)}/presence`);
      idleWarning.hidden = true;
    } catch (error) {
      // 409: it has ended; the event stream says so and the page leaves.
      if (error.status !== 409) actionsStatus.textContent = error.message;
    }
  }

  function warnIdle({ endsAt }) {
    const seconds = Math.max(1, Math.round((Number(endsAt) - Date.now()) / 1000));
    idleWarningText.textContent = `Are you still there? After a long silence the interview ends in about ${seconds} seconds.`;
    idleWarning.hidden = false;
    announce(idleWarningText.textContent);
  }

  stillHereButton.addEventListener('click', () => void stillHere(true));
  // Opening (or reloading) the room is being there.
  void stillHere(true);
  listeners.item.push((item) => {
    if (item && item.role === 'user') idleWarning.hidden = true;
  });

  // ---- A failing provider pauses the interview ------------------------------------------

  function showPause({ message, endsAt }) {
    const minutes = Math.max(1, Math.round((Number(endsAt) - now()) / 60000));
    pausedText.textContent = `${message || 'The interviewer could not answer.'} The interview is paused and your last answer is kept. Try again when you are ready; if this goes on, the interview ends by itself in about ${minutes} minute${minutes === 1 ? '' : 's'}.`;
    tryAgainButton.disabled = false;
    tryAgainButton.textContent = 'Try again';
    pausedPanel.hidden = false;
    idleWarning.hidden = true;
    pausedPanel.scrollIntoView({ block: 'nearest' });
    announce(pausedText.textContent);
  }

  function hidePause() {
    if (pausedPanel.hidden) return;
    pausedPanel.hidden = true;
    announce('The interviewer is back.');
  }

  tryAgainButton.addEventListener('click', async () => {
    tryAgainButton.disabled = true;
    tryAgainButton.textContent = 'Trying again…';
    try {
      await api('POST', `/api/interviews/${encodeURIComponent(id)}/retry`);
    } catch (error) {
      // 409: it ended meanwhile (the stream says so) or it is no longer paused.
      tryAgainButton.disabled = false;
      tryAgainButton.textContent = 'Try again';
      if (error.status === 409) hidePause();
      else actionsStatus.textContent = error.message;
    }
  });

  // ---- Leaving, ending, skipping --------------------------------------------------------

  /** Shows the end of the interview where the call was, and leaves the call; the candidate opens their interview when ready. */
  async function sayGoodbye({ feedbackComing }) {
    if (leaving) return;
    leaving = true;
    renderStage();
    if (source) source.close();
    idleWarning.hidden = true;
    pausedPanel.hidden = true;
    document.querySelector('.room-actions').hidden = true;
    goodbyeText.textContent = feedbackComing
      ? 'Thank you. Your feedback is being written now: it will be on your interview page in a minute or two.'
      : 'Thank you. Your transcript is on your interview page, where you can ask for written feedback.';
    goodbye.hidden = false;
    announce(goodbyeText.textContent);
    document.getElementById('goodbye-open').focus();
    await beforeLeave();
  }

  /** Goes to the interview's page (transcript and feedback), once. */
  async function leave() {
    if (leaving) return;
    leaving = true;
    renderStage();
    if (source) source.close();
    try {
      await beforeLeave();
    } finally {
      window.location.assign(`/interviews/${encodeURIComponent(id)}`);
    }
  }

  endButton.addEventListener('click', async () => {
    if (!window.confirm('End the interview now? You can still read the transcript and ask for feedback.')) return;
    endButton.disabled = true;
    actionsStatus.textContent = 'Ending the interview…';
    try {
      await api('POST', `/api/interviews/${encodeURIComponent(id)}/end`);
    } catch (error) {
      // 404/409: it is already over; anything else the candidate should see.
      if (error.status !== 404 && error.status !== 409) {
        endButton.disabled = false;
        actionsStatus.textContent = error.message;
        return;
      }
    }
    await leave();
  });

  skipButton.addEventListener('click', async () => {
    skipButton.disabled = true;
    actionsStatus.textContent = 'Moving to the next stage…';
    // Re-enabled by the stage change, or after a while if none comes.
    skipPending = setTimeout(() => {
      skipPending = null;
      actionsStatus.textContent = '';
      renderStage();
    }, 8000);
    try {
      await skipHandler();
    } catch (error) {
      clearTimeout(skipPending);
      skipPending = null;
      actionsStatus.textContent = error.message;
      renderStage();
    }
  });

  window.MockFlow.room = {
    id,
    mode: root.dataset.mode,
    get stage() {
      return stage;
    },
    labels,
    now,
    on(type, fn) {
      listeners[type].push(fn);
    },
    setStage,
    announce,
    stillHere,
    showProblem,
    leave,
    openEvents,
    /** Runs before the page moves to the interview page (the voice room disconnects). */
    set beforeLeave(fn) {
      beforeLeave = fn;
    },
    /** Replaces how "Skip to next stage" reaches the agent (voice: a data message). */
    set skip(fn) {
      skipHandler = fn;
    },
    get leaving() {
      return leaving;
    },
  };
})();
