// What both interview rooms share: the stage indicator and its clock, the interview's event
// stream, presence, the provider pause, skip and end. pages/text-room.ts and pages/voice-room.ts
// add the conversation itself through the hooks they create the room with.
import type { InterviewEventData, ProviderPause, TranscriptItem, TurnTimes } from '../shared/api.ts';
import { latencyText } from '../shared/format.ts';
import { STAGE_LABELS, STAGE_LIMITS_MS, STAGES, type Stage } from '../shared/vocabulary.ts';
import { api, ApiError, interviewPath } from './api.ts';
import { byId } from './dom.ts';
import { openEventStream } from './event-stream.ts';

export interface RoomHooks {
  /** The stream's snapshot: the transcript so far. */
  snapshot?(interview: InterviewEventData['snapshot']): void;
  /** A transcript line saved while the page is open. */
  item?(item: TranscriptItem): void;
  ended?(ended: InterviewEventData['ended']): void;
  /** How "Skip to next stage" reaches the agent; the server relays it by default. */
  skip?(): Promise<unknown>;
  /** Runs before the page moves to the interview page (the voice room leaves its call). */
  beforeLeave?(): Promise<void>;
}

export type Room = ReturnType<typeof createRoom>;

const isStage = (value: string | undefined): value is Stage => (STAGES as readonly (string | undefined)[]).includes(value);

export function createRoom(hooks: RoomHooks) {
  const root = byId('room');
  const id = root.dataset.interviewId ?? '';
  const steps = Array.from(root.querySelectorAll<HTMLLIElement>('.stage-steps li'));
  // Stage times come from the server's clock; the browser's may be off by a little or a lot.
  const clockOffset = Number(root.dataset.serverNow) - Date.now();
  const now = () => Date.now() + clockOffset;

  const stageNumber = byId('stage-number');
  const stageName = byId('stage-name');
  const clock = byId('stage-clock');
  const announcer = byId('room-announcer');
  const problem = byId('room-problem');
  const skipButton = byId<HTMLButtonElement>('skip-stage');
  const endButton = byId<HTMLButtonElement>('end-interview');
  const actionsStatus = byId('actions-status');
  const idleWarning = byId('idle-warning');
  const idleWarningText = byId('idle-warning-text');
  const stopping = byId('server-stopping');
  const stoppingText = byId('server-stopping-text');
  const pausedPanel = byId('provider-paused');
  const pausedText = byId('provider-paused-text');
  const tryAgainButton = byId<HTMLButtonElement>('try-again');
  const lastTurn = byId('last-turn');

  let stage: Stage = isStage(root.dataset.stage) ? root.dataset.stage : 'welcome';
  let stageAt = Number(root.dataset.stageStartedAt);
  let leaving = false;
  let skipPending: ReturnType<typeof setTimeout> | null = null;
  let source: EventSource | null = null;

  function announce(text: string) {
    announcer.textContent = text;
  }

  function showProblem(text: string) {
    problem.textContent = text;
    problem.hidden = !text;
  }

  // ---- Stage ----------------------------------------------------------------------------

  function format(ms: number) {
    const total = Math.ceil(ms / 1000);
    return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
  }

  function tick() {
    const left = STAGE_LIMITS_MS[stage] - (now() - stageAt);
    clock.textContent = left > 0 ? `${format(left)} left in this stage` : 'Time is up for this stage: it moves on after the next answer.';
    clock.dataset.state = left > 0 && left < 30000 ? 'soon' : left <= 0 ? 'over' : '';
  }

  function renderStage() {
    const index = STAGES.indexOf(stage);
    stageNumber.textContent = String(index + 1);
    stageName.textContent = STAGE_LABELS[stage];
    steps.forEach((li, i) => {
      li.className = i < index ? 'done' : i === index ? 'current' : '';
      if (i === index) li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
    });
    skipButton.disabled = Boolean(skipPending) || index >= STAGES.length - 1 || leaving;
    tick();
  }

  /** A stage change from the event stream or the room (`at` in epoch ms, when known); stages only move forward. */
  function setStage(next: string, at?: number) {
    if (!isStage(next) || STAGES.indexOf(next) < STAGES.indexOf(stage)) return;
    const changed = next !== stage;
    stage = next;
    if (at) stageAt = at;
    else if (changed) stageAt = now();
    if (changed) {
      if (skipPending) clearTimeout(skipPending);
      skipPending = null;
      actionsStatus.textContent = '';
      announce(`Now in stage ${STAGES.indexOf(stage) + 1} of ${STAGES.length}: ${STAGE_LABELS[stage]}.`);
    }
    renderStage();
  }

  setInterval(tick, 1000);
  renderStage();

  // ---- Last reply's response times (server/interviews/response-times.ts) -----------------

  /** Shows what the provider side of the last reply took; parts not measured are left out. */
  function showLastTurn(turn: TurnTimes | undefined) {
    if (!turn) return;
    const parts = [];
    if (typeof turn.llmTtftMs === 'number') parts.push(`model ${latencyText(turn.llmTtftMs)}`);
    if (typeof turn.ttsTtfbMs === 'number') parts.push(`voice ${latencyText(turn.ttsTtfbMs)}`);
    if (parts.length === 0) return;
    lastTurn.textContent = `Last reply: ${parts.join(' · ')}`;
    lastTurn.hidden = false;
  }

  // ---- Event stream ---------------------------------------------------------------------

  function openEvents() {
    source = openEventStream(id, {
      open() {
        if (problem.dataset.kind === 'stream') {
          showProblem('');
          delete problem.dataset.kind;
        }
      },
      snapshot(interview) {
        const last = (interview.stages ?? []).at(-1);
        if (last) setStage(last.stage, interview.stages.length > 1 ? last.at : undefined);
        showLastTurn(interview.responseTimes?.turns?.at(-1));
        if (interview.paused) showPause(interview.paused);
        else hidePause();
        hooks.snapshot?.(interview);
      },
      item(item) {
        if (item.role === 'user') idleWarning.hidden = true;
        hooks.item?.(item);
      },
      metrics: showLastTurn,
      idle_warning: warnIdle,
      server_stopping: warnStopping,
      paused: showPause,
      resumed: hidePause,
      stage: (change) => setStage(change.stage, change.at),
      error(payload) {
        if (payload.message) showProblem(payload.message);
      },
      drop(stream) {
        if (leaving) return;
        problem.dataset.kind = 'stream';
        showProblem(
          stream.readyState === EventSource.CLOSED
            ? 'Lost contact with MockFlow. Reload the page to carry on.'
            : 'Reconnecting to MockFlow… The interview carries on meanwhile.',
        );
      },
      ended(ended) {
        hooks.ended?.(ended);
        // The interviewer said goodbye: the candidate stays on it until they go.
        if (ended.reason === 'completed') void sayGoodbye(ended.feedbackComing);
        else void leave();
      },
    });
  }

  // ---- Presence: the idle limit ends an interview nobody is in ----------------------------

  let lastPresence = 0;
  /** Tells the server the candidate is there; the idle limit starts again. While typing (`now` false): at most every 20 s. */
  async function stillHere(now: boolean) {
    if (leaving) return;
    if (!now) {
      if (Date.now() - lastPresence < 20_000) return;
      lastPresence = Date.now();
    }
    try {
      await api('POST', interviewPath(id, '/presence'));
      idleWarning.hidden = true;
    } catch (error) {
      // 409: it has ended; the event stream says so and the page leaves.
      if (!(error instanceof ApiError) || error.status !== 409) actionsStatus.textContent = (error as Error).message;
    }
  }

  // ---- A deploy: the server running this interview is being replaced ----------------------

  function warnStopping({ endsAt }: { endsAt: number }) {
    const minutes = Math.max(1, Math.round((Number(endsAt) - now()) / 60000));
    stoppingText.textContent = `MockFlow is being updated. Carry on: this interview can run for up to ${minutes} more minute${minutes === 1 ? '' : 's'}, then it ends and everything said so far is kept.`;
    stopping.hidden = false;
    announce(stoppingText.textContent);
  }

  function warnIdle({ endsAt }: { endsAt: number }) {
    const seconds = Math.max(1, Math.round((Number(endsAt) - Date.now()) / 1000));
    idleWarningText.textContent = `Are you still there? After a long silence the interview ends in about ${seconds} seconds.`;
    idleWarning.hidden = false;
    announce(idleWarningText.textContent);
  }

  byId('still-here').addEventListener('click', () => void stillHere(true));
  // Opening (or reloading) the room is being there.
  void stillHere(true);

  // ---- A failing provider pauses the interview ------------------------------------------

  function showPause({ message, endsAt }: ProviderPause) {
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
      await api('POST', interviewPath(id, '/retry'));
    } catch (error) {
      // 409: it ended meanwhile (the stream says so) or it is no longer paused.
      tryAgainButton.disabled = false;
      tryAgainButton.textContent = 'Try again';
      if (error instanceof ApiError && error.status === 409) hidePause();
      else actionsStatus.textContent = (error as Error).message;
    }
  });

  // ---- Leaving, ending, skipping --------------------------------------------------------

  /** Shows the end of the interview where the call was, and leaves the call; the candidate opens their interview when ready. */
  async function sayGoodbye(feedbackComing: boolean) {
    if (leaving) return;
    leaving = true;
    renderStage();
    source?.close();
    idleWarning.hidden = true;
    pausedPanel.hidden = true;
    document.querySelector<HTMLElement>('.room-actions')!.hidden = true;
    const goodbyeText = byId('goodbye-text');
    goodbyeText.textContent = feedbackComing
      ? 'Thank you. Your feedback is being written now: it will be on your interview page in a minute or two.'
      : 'Thank you. Your transcript is on your interview page, where you can ask for written feedback.';
    byId('goodbye').hidden = false;
    announce(goodbyeText.textContent);
    byId('goodbye-open').focus();
    await hooks.beforeLeave?.();
  }

  /** Goes to the interview's page (transcript and feedback), once. */
  async function leave() {
    if (leaving) return;
    leaving = true;
    renderStage();
    source?.close();
    try {
      await hooks.beforeLeave?.();
    } finally {
      window.location.assign(`/interviews/${encodeURIComponent(id)}`);
    }
  }

  endButton.addEventListener('click', async () => {
    if (!window.confirm('End the interview now? You can still read the transcript and ask for feedback.')) return;
    endButton.disabled = true;
    actionsStatus.textContent = 'Ending the interview…';
    try {
      await api('POST', interviewPath(id, '/end'));
    } catch (error) {
      // 404/409: it is already over; anything else the candidate should see.
      if (!(error instanceof ApiError) || (error.status !== 404 && error.status !== 409)) {
        endButton.disabled = false;
        actionsStatus.textContent = (error as Error).message;
        return;
      }
    }
    await leave();
  });

  const skip = hooks.skip ?? (() => api('POST', interviewPath(id, '/skip'), {}));
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
      await skip();
    } catch (error) {
      if (skipPending) clearTimeout(skipPending);
      skipPending = null;
      actionsStatus.textContent = (error as Error).message;
      renderStage();
    }
  });

  return {
    id,
    now,
    setStage,
    announce,
    stillHere,
    leave,
    openEvents,
    get leaving() {
      return leaving;
    },
  };
}
