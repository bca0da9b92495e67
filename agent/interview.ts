// One interview in progress: the stage machine, what gets reported to the parent, and how the
// interview ends. The SDK session is attached after it is built; this file never builds one.

import { llm, voice } from '@livekit/agents';
import { describeFailure, type Provider, type ProviderFailure } from './errors.ts';
import * as prompts from './prompts.ts';
import { type ChildMessage, type InterviewParams, type ProviderKeys, type TranscriptItem, type TurnMetrics } from './protocol.ts';
import { DEFAULT_PROVIDER_PAUSE_SECONDS, type EndReason, type Stage } from '../shared/vocabulary.ts';
import { StageMachine, type StageChange } from './stages.ts';

export interface InterviewOptions {
  params: InterviewParams;
  keys: ProviderKeys;
  send: (message: ChildMessage) => void;
  /** Clock for stage timing; tests pass a controllable one. */
  now?: () => number;
}

const SECONDS = 1000;

export class Interview {
  readonly machine: StageMachine;
  readonly params: InterviewParams;
  private readonly keys: ProviderKeys;
  private readonly send: (message: ChildMessage) => void;
  /** Called on every stage change (voice mode publishes it as a participant attribute). */
  onStage?: (stage: Stage) => void;
  /** The network error behind a provider's last failed call, when the SDK's error has dropped it. */
  networkCause?: (provider: Provider) => unknown;
  private session?: voice.AgentSession;
  private readonly reported = new WeakSet<object>();
  private itemCount = 0;
  /** The stage in force when the current model reply started; its lines belong to it. */
  private replyStage: Stage;
  /** The stage of the last interviewer line: a candidate's answer belongs to the question's stage. */
  private questionStage: Stage;
  private spokeInStage = false;
  private turns: Promise<void> = Promise.resolve();
  private readonly cleanups: Array<() => unknown> = [];
  private lastUserMetrics: llm.MetricsReport | undefined;
  private endReason: EndReason | undefined;
  /** A model or voice failure the interview is waiting out; it ends at `endsAt` if nothing works by then. */
  private pause: { failure: ProviderFailure; endsAt: number; timer: NodeJS.Timeout } | undefined;
  private readonly endedPromise: Promise<EndReason>;
  private resolveEnded!: (reason: EndReason) => void;

  constructor(options: InterviewOptions) {
    this.params = options.params;
    this.keys = options.keys;
    this.send = options.send;
    this.machine = new StageMachine({ now: options.now });
    this.replyStage = this.machine.current;
    this.questionStage = this.machine.current;
    this.endedPromise = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  /** Resolves with the reason once `ended` has been sent. */
  get ended(): Promise<EndReason> {
    return this.endedPromise;
  }

  get isEnding(): boolean {
    return this.endReason !== undefined;
  }

  attach(session: voice.AgentSession): void {
    this.session = session;
    const events = voice.AgentSessionEventTypes;
    session.on(events.ConversationItemAdded, (ev) => this.onItem(ev.item));
    session.on(events.Error, (ev) => this.onError(ev));
    session.on(events.Close, (ev) => this.onClose(ev));
  }

  /** The interviewer's instructions for the next reply, from the stage machine's state. */
  instructions(): string {
    const m = this.machine;
    return prompts.instructions(this.params, {
      stage: m.current,
      questionsAsked: m.questionsAsked(),
      questionsNeeded: m.questionsNeeded(),
      timeLeftMs: m.timeLeftMs(),
      timeUp: m.isTimeUp(),
      entry: m.entry,
      firstTurnInStage: !this.spokeInStage,
    });
  }

  /**
   * Called before every model call. A model call starts a new turn, so the agent is never
   * mid-sentence here: this is where a stage whose time ran out moves on.
   */
  beforeModelCall(): void {
    const change = this.machine.advanceIfTimeUp();
    if (change) this.stageChanged(change);
    this.replyStage = this.machine.current;
  }

  /**
   * The `advance_stage` tool; returns what the model is told. A refusal is a normal answer,
   * not a tool error: the model is expected to keep interviewing.
   */
  advanceByAgent(): string {
    const result = this.machine.advance();
    if (!result.ok) {
      return result.reason === 'last_stage'
        ? prompts.REFUSED_LAST_STAGE
        : prompts.refusedTooEarly(this.machine.current, result.questionsNeeded);
    }
    this.stageChanged(result.change);
    return prompts.advancedTo(result.change.stage);
  }

  /** The candidate asked to jump ahead (from the page or the parent). */
  skip(target?: Stage): void {
    if (this.isEnding) return;
    const change = this.machine.skipTo(target);
    if (!change) return;
    this.stageChanged(change);
    const session = this.session;
    if (!session) return;
    try {
      session.interrupt();
    } catch {
      // nothing to interrupt
    }
    this.queueTurn(() => session.generateReply());
  }

  /** The first line, spoken as is. */
  greet(): void {
    const session = this.session;
    if (!session || this.isEnding) return;
    this.machine.restartClock();
    this.queueTurn(() => session.say(prompts.greeting(this.params)));
  }

  /**
   * One typed candidate turn (text mode). It waits for the reply in progress to finish, so the
   * model always sees the conversation in the order it happened, and never cuts a reply.
   */
  userText(text: string): void {
    const session = this.session;
    if (!session || this.isEnding || !text.trim()) return;
    this.queueTurn(() => session.generateReply({ userInput: text }));
  }

  /**
   * The candidate's "Try again" while paused: the turn that failed runs again. Their answer is
   * already in the conversation (the SDK adds it before the model is called), so the model is
   * asked for the reply it owes; before any interviewer line, the greeting is said again.
   */
  retry(): void {
    const session = this.session;
    if (!session || this.isEnding || !this.pause) return;
    const messages = session.history.items.filter((item) => item.type === 'message');
    if (!messages.some((item) => item.role === 'assistant')) {
      this.queueTurn(() => session.say(prompts.greeting(this.params)));
      return;
    }
    this.queueTurn(() => session.generateReply());
  }

  /** Turns we start ourselves run one after another. */
  private queueTurn(startTurn: () => voice.SpeechHandle): void {
    this.turns = this.turns.then(async () => {
      if (this.isEnding) return;
      try {
        await startTurn().waitForPlayout();
      } catch {
        // an interrupted or failed turn must not block the next one
      }
    });
  }

  /** Periodic check (about once a second): the closing stage ends by itself when its time is up. */
  tick(): void {
    if (this.isEnding || this.machine.current !== 'closing' || !this.machine.isTimeUp()) return;
    const state = this.session?.agentState;
    if (state !== 'speaking' && state !== 'thinking') void this.end('completed');
  }

  /** Runs after the session has closed and before `ended` is sent (timers, leaving the room). */
  onEnd(cleanup: () => unknown): void {
    this.cleanups.push(cleanup);
  }

  /** Ends the interview once: reports the error if any, closes the session, then sends `ended`. */
  async end(reason: EndReason, failure?: ProviderFailure): Promise<void> {
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    clearTimeout(this.pause?.timer);
    if (failure) this.send({ type: 'error', provider: failure.provider, message: failure.message });
    await this.closeDown();
    this.send({ type: 'ended', reason });
    this.resolveEnded(reason);
  }

  /**
   * Closes everything without reporting anything: for a start that fails before `ready`, whose
   * `error` and `ended` the caller sends.
   */
  async discard(): Promise<void> {
    if (this.endReason !== undefined) return;
    this.endReason = 'error';
    await this.closeDown();
    this.resolveEnded('error');
  }

  private async closeDown(): Promise<void> {
    // Let the SDK task that triggered this (an item or error callback) unwind first.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      await this.session?.close();
    } catch {
      // closing is best effort; `ended` is sent regardless
    }
    for (const cleanup of this.cleanups) {
      try {
        await cleanup();
      } catch {
        // same
      }
    }
  }

  private stageChanged(change: StageChange): void {
    this.spokeInStage = false;
    this.send({ type: 'stage', ...change });
    this.onStage?.(change.stage);
  }

  private onItem(item: llm.ChatMessage | llm.AgentHandoffItem): void {
    if (item.type !== 'message' || (item.role !== 'user' && item.role !== 'assistant')) return;
    if (this.reported.has(item)) return;
    this.reported.add(item);
    const text = (item.textContent ?? '').trim();
    if (!text) return;

    const isAgent = item.role === 'assistant';
    const stage = isAgent ? this.replyStage : this.questionStage;
    const m = item.metrics ?? {};
    const startedAt = m.startedSpeakingAt !== undefined ? Math.round(m.startedSpeakingAt * SECONDS) : item.createdAt;
    const endedAt = m.stoppedSpeakingAt !== undefined ? Math.round(m.stoppedSpeakingAt * SECONDS) : Math.max(startedAt, Date.now());
    const reportItem: TranscriptItem = {
      id: `${this.params.interviewId}:${++this.itemCount}`,
      role: item.role,
      text,
      stage,
      startedAt,
      endedAt,
      ...(item.interrupted ? { interrupted: true } : {}),
    };
    this.send({ type: 'item', item: reportItem });

    if (!isAgent) {
      this.lastUserMetrics = m;
      return;
    }
    if (this.pause) {
      clearTimeout(this.pause.timer);
      this.pause = undefined;
      this.send({ type: 'resumed' });
    }
    this.reportMetrics(stage, m);
    this.machine.recordInterviewerLine(stage, text);
    this.questionStage = stage;
    if (stage === this.machine.current) this.spokeInStage = true;
    if (stage === 'closing' && !item.interrupted) void this.end('completed');
  }

  private reportMetrics(stage: Stage, agentMetrics: llm.MetricsReport): void {
    const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : Math.round(seconds * SECONDS));
    const metrics: TurnMetrics = { stage, at: Date.now() };
    const eou = ms(this.lastUserMetrics?.endOfTurnDelay);
    const ttft = ms(agentMetrics.llmNodeTtft);
    const ttfb = ms(agentMetrics.ttsNodeTtfb);
    this.lastUserMetrics = undefined;
    if (eou === undefined && ttft === undefined && ttfb === undefined) return;
    if (eou !== undefined) metrics.endOfUtteranceDelayMs = eou;
    if (ttft !== undefined) metrics.llmTtftMs = ttft;
    if (ttfb !== undefined) metrics.ttsTtfbMs = ttfb;
    this.send({ type: 'metrics', metrics });
  }

  /**
   * An error the SDK gives up on (it has already retried it, see CONNECTION_OPTIONS in
   * session.ts), in one plain sentence naming the provider. A model or voice failure pauses the
   * interview: the candidate can try again, and only a failure that lasts the pause limit ends
   * it. A speech-to-text failure ends it at once: the SDK closes the session for it.
   */
  private onError(ev: voice.ErrorEvent): void {
    const error = ev.error as { type?: string; recoverable?: boolean; error?: unknown };
    if (error.recoverable || this.isEnding) return;
    const provider = providerOf(error.type);
    const failure = describeFailure(provider, error.error ?? error, this.keys, { cause: this.networkCause?.(provider) });
    if (provider === 'stt') void this.end('error', failure);
    else this.paused(failure);
  }

  private paused(failure: ProviderFailure): void {
    if (!this.pause) {
      const limitMs = (this.params.providerPauseSeconds ?? DEFAULT_PROVIDER_PAUSE_SECONDS) * SECONDS;
      const timer = setTimeout(() => void this.end('error', this.pause?.failure ?? failure), limitMs);
      timer.unref();
      this.pause = { failure, endsAt: Date.now() + limitMs, timer };
    }
    this.pause.failure = failure;
    this.send({ type: 'paused', provider: failure.provider as 'llm' | 'tts', message: failure.message, endsAt: this.pause.endsAt });
  }

  private onClose(ev: voice.CloseEvent): void {
    if (this.isEnding) return;
    if (ev.error) {
      const error = ev.error as { type?: string; error?: unknown };
      const provider = providerOf(error.type);
      void this.end('error', describeFailure(provider, error.error ?? ev.error, this.keys, { cause: this.networkCause?.(provider) }));
    } else {
      void this.end('shutdown');
    }
  }
}

function providerOf(type: string | undefined): Provider {
  if (type === 'stt_error') return 'stt';
  if (type === 'tts_error') return 'tts';
  return 'llm';
}

