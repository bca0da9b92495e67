// What server processes say to each other over the link (link.ts): the channels, and each message.
import type { InterviewEventData, InterviewEventType } from '../../shared/api.ts';
import type { SentError } from '../http/errors.ts';
import type { Command, CommandResult } from '../interviews/index.ts';

/** Every interview event, heard by every web instance. */
export const EVENTS_CHANNEL = 'mockflow_events';
/** "A start is waiting": wakes the runners. */
export const STARTS_CHANNEL = 'mockflow_starts';

/** One process's own channel: commands to it as a runner, answers to it as a web instance. */
export function instanceChannel(instanceId: string): string {
  return `mockflow_${instanceId.replaceAll('-', '')}`;
}

export interface PublishedEvent<T extends InterviewEventType = InterviewEventType> {
  interviewId: string;
  type: T;
  data: InterviewEventData[T];
}

export type InstanceMessage =
  /** Web → the runner that owns the interview. */
  | { kind: 'command'; reqId: string; from: string; interviewId: string; command: Command }
  /** Runner → the web instance that sent a command. */
  | { kind: 'reply'; reqId: string; result: CommandResult }
  /** Runner → the web instance waiting for a start: it is this runner's (`by`) now. */
  | { kind: 'claimed'; interviewId: string; by: string }
  | { kind: 'started'; interviewId: string; roomName?: string }
  | { kind: 'start_failed'; interviewId: string; error: SentError };
