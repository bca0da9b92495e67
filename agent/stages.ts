// The interview's stages as a small state machine. Pure: no I/O, no SDK, time comes from `now`.

import { isQuestion, STAGE_LIMITS_MS, STAGES, type Stage } from '../shared/vocabulary.ts';

export interface StageRule {
  /** Time budget for the stage; past it the stage may end at the next turn boundary. */
  limitMs: number;
  /** Questions the interviewer must ask before `advance_stage` is accepted (unless time is up). */
  minQuestions: number;
}

export const STAGE_RULES: Readonly<Record<Stage, StageRule>> = {
  welcome: { limitMs: STAGE_LIMITS_MS.welcome, minQuestions: 0 },
  self_intro: { limitMs: STAGE_LIMITS_MS.self_intro, minQuestions: 2 },
  past_experience: { limitMs: STAGE_LIMITS_MS.past_experience, minQuestions: 5 },
  company_fit: { limitMs: STAGE_LIMITS_MS.company_fit, minQuestions: 3 },
  closing: { limitMs: STAGE_LIMITS_MS.closing, minQuestions: 0 },
};

export type StageChangeCause = 'agent' | 'timer' | 'candidate';

export interface StageChange {
  stage: Stage;
  previous: Stage;
  /** Every stage skipped so far in this interview, in order (cumulative). */
  skipped: Stage[];
  at: number;
  by: StageChangeCause;
}

export type AdvanceResult =
  | { ok: true; change: StageChange }
  | { ok: false; reason: 'too_early'; questionsNeeded: number }
  | { ok: false; reason: 'last_stage' };

export interface StageMachineOptions {
  now?: () => number;
  rules?: Readonly<Record<Stage, StageRule>>;
}

export class StageMachine {
  readonly rules: Readonly<Record<Stage, StageRule>>;
  private readonly now: () => number;
  private index = 0;
  private enteredAt: number;
  private enteredBy: StageChangeCause | 'start' = 'start';
  private readonly asked = new Map<Stage, number>();
  private readonly skippedStages: Stage[] = [];

  constructor(options: StageMachineOptions = {}) {
    this.now = options.now ?? Date.now;
    this.rules = options.rules ?? STAGE_RULES;
    this.enteredAt = this.now();
  }

  get current(): Stage {
    return STAGES[this.index] as Stage;
  }

  get stageStartedAt(): number {
    return this.enteredAt;
  }

  /** How the current stage was entered: 'start' for the first stage. */
  get entry(): StageChangeCause | 'start' {
    return this.enteredBy;
  }

  get skipped(): readonly Stage[] {
    return this.skippedStages;
  }

  get isLast(): boolean {
    return this.index === STAGES.length - 1;
  }

  questionsAsked(stage: Stage = this.current): number {
    return this.asked.get(stage) ?? 0;
  }

  questionsNeeded(): number {
    return Math.max(0, this.rules[this.current].minQuestions - this.questionsAsked());
  }

  elapsedMs(): number {
    return this.now() - this.enteredAt;
  }

  timeLeftMs(): number {
    return Math.max(0, this.rules[this.current].limitMs - this.elapsedMs());
  }

  isTimeUp(): boolean {
    return this.elapsedMs() >= this.rules[this.current].limitMs;
  }

  /** Starts the current stage's clock again (the call begins once the candidate is there). */
  restartClock(): void {
    this.enteredAt = this.now();
  }

  /** Records one completed interviewer line said during `stage`. */
  recordInterviewerLine(stage: Stage, text: string): void {
    if (isQuestion(text)) this.asked.set(stage, this.questionsAsked(stage) + 1);
  }

  /** The interviewer asks to move on: refused before the minimum questions unless time is up. */
  advance(): AdvanceResult {
    if (this.isLast) return { ok: false, reason: 'last_stage' };
    const needed = this.questionsNeeded();
    if (needed > 0 && !this.isTimeUp()) return { ok: false, reason: 'too_early', questionsNeeded: needed };
    return { ok: true, change: this.moveTo(this.index + 1, 'agent') };
  }

  /** Moves on when the stage's time has run out; call it at a turn boundary. */
  advanceIfTimeUp(): StageChange | null {
    if (this.isLast || !this.isTimeUp()) return null;
    return this.moveTo(this.index + 1, 'timer');
  }

  /**
   * The candidate jumps forward, to `target` or else the next stage. The current stage and any
   * stage jumped over are recorded as skipped. Returns null when `target` is not ahead.
   */
  skipTo(target?: Stage): StageChange | null {
    const to = target === undefined ? this.index + 1 : STAGES.indexOf(target);
    if (to <= this.index || to >= STAGES.length) return null;
    for (let i = this.index; i < to; i++) {
      const stage = STAGES[i] as Stage;
      if (!this.skippedStages.includes(stage)) this.skippedStages.push(stage);
    }
    return this.moveTo(to, 'candidate');
  }

  private moveTo(index: number, by: StageChangeCause): StageChange {
    const previous = this.current;
    this.index = index;
    this.enteredAt = this.now();
    this.enteredBy = by;
    return { stage: this.current, previous, skipped: [...this.skippedStages], at: this.enteredAt, by };
  }
}
