import { TokenVerifier } from 'livekit-server-sdk';
import { describe, expect, it } from 'vitest';
import { mintRoomTokens } from '../../server/interviews/livekit-tokens.ts';

const API_KEY = 'APIdevkey123';
const API_SECRET = 'a-livekit-api-secret-that-is-long-enough-0123456789';

const ROOM_WIDE_GRANTS = ['roomCreate', 'roomList', 'roomRecord', 'roomAdmin', 'ingressAdmin', 'hidden', 'recorder'];

describe('mintRoomTokens', () => {
  it("signs two tokens with the user's key for one fresh room, each allowed into that room only", async () => {
    const tokens = await mintRoomTokens(API_KEY, API_SECRET, 'Ada Lovelace');
    const verifier = new TokenVerifier(API_KEY, API_SECRET);
    const candidate = await verifier.verify(tokens.candidate.token);
    const agent = await verifier.verify(tokens.agent.token);

    expect(tokens.room).toMatch(/^mockflow-[0-9a-f]{32}$/);
    expect(candidate).toMatchObject({ iss: API_KEY, sub: tokens.candidate.identity, name: 'Ada Lovelace' });
    expect(agent).toMatchObject({ iss: API_KEY, sub: tokens.agent.identity, name: 'Interviewer' });
    expect(tokens.candidate.identity).toMatch(/^candidate-[0-9a-f]{16}$/);
    expect(tokens.agent.identity).toMatch(/^interviewer-[0-9a-f]{16}$/);
    expect(tokens.candidate.identity).not.toBe(tokens.agent.identity);

    for (const claims of [candidate, agent]) {
      expect(claims.video).toMatchObject({ room: tokens.room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true });
      for (const grant of ROOM_WIDE_GRANTS) expect(claims.video, grant).not.toHaveProperty(grant);
    }
    // Short-lived: LiveKit checks expiry only at join; a connected participant reconnects with tokens the server refreshes.
    expect(candidate.exp! - candidate.nbf!).toBe(600);
    expect(agent.exp! - agent.nbf!).toBe(300);
    // Only the interviewer changes what it shows about itself (the stage); the candidate cannot pose as anyone.
    expect(candidate.video!.canUpdateOwnMetadata).toBe(false);
    expect(agent.video!.canUpdateOwnMetadata).toBe(true);
    expect(agent.video!.agent).toBe(true);
    expect(candidate.video!.agent).toBeUndefined();
    expect(candidate.video!.canPublishSources).toEqual(['microphone']);
  });

  it('makes a different room and identities every time', async () => {
    const [a, b] = await Promise.all([mintRoomTokens(API_KEY, API_SECRET, 'A'), mintRoomTokens(API_KEY, API_SECRET, 'B')]);
    expect(a.room).not.toBe(b.room);
    expect(a.candidate.identity).not.toBe(b.candidate.identity);
    expect(a.agent.identity).not.toBe(b.agent.identity);
  });

  it('is refused by a verifier holding a different secret', async () => {
    const tokens = await mintRoomTokens(API_KEY, API_SECRET, 'Ada');
    await expect(new TokenVerifier(API_KEY, `${API_SECRET}-other`).verify(tokens.candidate.token)).rejects.toThrow();
  });
});
