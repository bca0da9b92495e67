import { withUser } from '../db/database.ts';
import { conflict } from '../http/errors.ts';
import { roomKeys, type ChildKeysDeps } from '../keys/index.ts';
import type { InterviewEvents } from './events.ts';
import { mintCandidateToken } from './livekit-tokens.ts';
import { recordEnd, type InterviewDeps } from './runner.ts';
import { INTERVIEW_ENDED, type Runners } from './runners.ts';
import type { StartInterviewInput } from './schema.ts';
import * as store from './store.ts';

export interface InterviewServiceDeps extends InterviewDeps {
  runners: Runners;
  /** This process's event streams. */
  events: InterviewEvents;
  /** This process's lease, recorded on each interview it takes a start for. */
  instanceId?: string;
}

/** What the browser needs to join a voice interview's room. */
export interface RoomPass {
  url: string;
  token: string;
  room: string;
}

export interface Started {
  id: string;
  mode: 'voice' | 'text';
  status: 'live';
  livekit?: RoomPass;
}

/**
 * The interview lifecycle as the web side sees it: admit a start, record it, have a runner run
 * it (see runners.ts), and pass the candidate's End on; a pass into a voice room for its owner.
 */
export class InterviewService {
  constructor(private readonly deps: InterviewServiceDeps) {}

  async start(userId: string, input: StartInterviewInput): Promise<Started> {
    const { db, runners, events } = this.deps;
    // Before the capacity check, so a second interview is refused as such even when the server is full.
    if (await store.findLiveInterview(db, userId)) {
      throw conflict('You already have an interview running. Finish or end it before starting another.');
    }
    await runners.admit();
    const row = await store.createInterview(db, userId, {
      candidateName: input.candidate_name,
      jobRole: input.job_role,
      experienceLevel: input.experience_level,
      mode: input.mode,
      roomName: null,
      hasResume: Boolean(input.resume_text),
      hasJd: Boolean(input.job_description),
      patience: input.patience,
      instanceId: this.deps.instanceId,
    });
    let roomName: string | undefined;
    try {
      ({ roomName } = await runners.start({
        interviewId: row.id,
        userId,
        brief: { resumeText: input.resume_text || undefined, jobDescription: input.job_description || undefined },
      }));
    } catch (err) {
      events.forget(row.id);
      throw err;
    }
    return {
      id: row.id,
      mode: input.mode,
      status: 'live',
      ...(roomName ? { livekit: await this.pass(userId, roomName, input.candidate_name) } : {}),
    };
  }

  /**
   * Ends a live interview as the candidate. Resolves once the end is recorded (the child has
   * exited and its last lines are written), with the row as it is then.
   */
  async end(userId: string, row: store.InterviewRow): Promise<store.InterviewRow> {
    const { db } = this.deps;
    const result = await this.deps.runners.command(row, { type: 'stop', reason: 'candidate' });
    // Live with no runner: left so by a process that stopped without ending it.
    if (result === 'gone' && row.status === 'live') await recordEnd(this.deps, userId, row.id, { reason: 'candidate' });
    return (await withUser(db, userId, (tx) => store.getInterview(tx, row.id))) ?? row;
  }

  /**
   * A new pass into a live voice interview's room for its owner: the first one lasts minutes, and
   * a candidate who lost the call (or opens it in another tab) must be able to get back in.
   */
  async roomPass(userId: string, row: store.InterviewRow): Promise<RoomPass> {
    if (row.mode !== 'voice' || !row.room_name) throw conflict('This is a text interview: it has no call to join.');
    if (row.status !== 'live' || !this.deps.runners.running(row)) throw conflict(INTERVIEW_ENDED);
    return this.pass(userId, row.room_name, row.candidate_name);
  }

  private async pass(userId: string, room: string, candidateName: string): Promise<RoomPass> {
    const livekit = await roomKeys(this.keysDeps(), userId);
    return { url: livekit.url, token: await mintCandidateToken(livekit.apiKey, livekit.apiSecret, room, candidateName), room };
  }

  private keysDeps(): ChildKeysDeps {
    const { db, vault, config, resolveHost } = this.deps;
    return { db, vault, production: config.isProduction, resolveHost };
  }
}
