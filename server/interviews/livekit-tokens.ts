import { randomBytes } from 'node:crypto';

export interface RoomTokens {
  room: string;
  candidate: { identity: string; token: string };
  agent: { identity: string; token: string };
}

/**
 * A fresh, unguessable room and two tokens signed with the user's own key and secret, each
 * good for that room only. The candidate may publish their microphone (no camera or screen)
 * and control messages; the interviewer also sets its own attributes (the current stage).
 */
export async function mintRoomTokens(apiKey: string, apiSecret: string, candidateName: string, ttlSeconds: number): Promise<RoomTokens> {
  // Imported on the first voice start, not at start-up (server memory).
  const { AccessToken, TrackSource } = await import('livekit-server-sdk');
  const room = `mockflow-${randomBytes(16).toString('hex')}`;
  const candidateIdentity = `candidate-${randomBytes(8).toString('hex')}`;
  const agentIdentity = `interviewer-${randomBytes(8).toString('hex')}`;

  const candidate = new AccessToken(apiKey, apiSecret, { identity: candidateIdentity, name: candidateName, ttl: ttlSeconds });
  candidate.addGrant({
    room,
    roomJoin: true,
    canPublish: true,
    canPublishSources: [TrackSource.MICROPHONE],
    canSubscribe: true,
    canPublishData: true,
    canUpdateOwnMetadata: false,
  });

  const agent = new AccessToken(apiKey, apiSecret, { identity: agentIdentity, name: 'Interviewer', ttl: ttlSeconds });
  agent.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true, canUpdateOwnMetadata: true, agent: true });

  return {
    room,
    candidate: { identity: candidateIdentity, token: await candidate.toJwt() },
    agent: { identity: agentIdentity, token: await agent.toJwt() },
  };
}
