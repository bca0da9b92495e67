import { createHash, randomBytes } from 'node:crypto';

// LiveKit checks a token's expiry only when a participant joins; once in, the server keeps sending
// it refreshed tokens for reconnecting. So neither token has to last the interview.
/** Long enough for the candidate to check the microphone, join, and retry joining. */
export const CANDIDATE_TOKEN_TTL_SECONDS = 10 * 60;
/** The child joins while starting (the pool's ready timeout is 15 s); the rest is margin for clock skew. */
export const AGENT_TOKEN_TTL_SECONDS = 5 * 60;

export interface RoomTokens {
  room: string;
  candidate: { identity: string; token: string };
  agent: { identity: string; token: string };
}

/**
 * The candidate's identity in a room, the same every time a pass is minted for it: joining again
 * (another tab, a retry after the first pass expired) replaces the stale participant, and the
 * interviewer keeps listening to the same person.
 */
export function candidateIdentity(room: string): string {
  return `candidate-${createHash('sha256').update(room).digest('hex').slice(0, 16)}`;
}

/** The candidate may publish their microphone (no camera or screen) and control messages, in this room only. */
export async function mintCandidateToken(apiKey: string, apiSecret: string, room: string, candidateName: string): Promise<string> {
  // Imported on the first voice start, not at start-up (server memory).
  const { AccessToken, TrackSource } = await import('livekit-server-sdk');
  const candidate = new AccessToken(apiKey, apiSecret, { identity: candidateIdentity(room), name: candidateName, ttl: CANDIDATE_TOKEN_TTL_SECONDS });
  candidate.addGrant({
    room,
    roomJoin: true,
    canPublish: true,
    canPublishSources: [TrackSource.MICROPHONE],
    canSubscribe: true,
    canPublishData: true,
    canUpdateOwnMetadata: false,
  });
  return candidate.toJwt();
}

/**
 * A fresh, unguessable room and two tokens signed with the user's own key and secret, each
 * good for that room only; the interviewer also sets its own attributes (the current stage).
 */
export async function mintRoomTokens(apiKey: string, apiSecret: string, candidateName: string): Promise<RoomTokens> {
  const { AccessToken } = await import('livekit-server-sdk');
  const room = `mockflow-${randomBytes(16).toString('hex')}`;
  const agentIdentity = `interviewer-${randomBytes(8).toString('hex')}`;
  const agent = new AccessToken(apiKey, apiSecret, { identity: agentIdentity, name: 'Interviewer', ttl: AGENT_TOKEN_TTL_SECONDS });
  agent.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true, canUpdateOwnMetadata: true, agent: true });

  return {
    room,
    candidate: { identity: candidateIdentity(room), token: await mintCandidateToken(apiKey, apiSecret, room, candidateName) },
    agent: { identity: agentIdentity, token: await agent.toJwt() },
  };
}
