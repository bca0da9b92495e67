// Voice-only parts, loaded with a dynamic import so text mode never pays for them: the
// candidate's room (joined directly with the agent token, no LiveKit dispatch), Deepgram STT,
// OpenAI or Deepgram TTS, and Silero VAD (model shipped in the plugin, runs locally).

import * as deepgram from '@livekit/agents-plugin-deepgram';
import * as silero from '@livekit/agents-plugin-silero';
import { Room, RoomEvent, type RemoteParticipant } from '@livekit/rtc-node';
import OpenAI from 'openai';
import { describeFailure, missingKey, ProviderError } from './errors.ts';
import { guardedFetch } from '../shared/guarded-fetch.ts';
import type { Interview } from './interview.ts';
import { CONTROL_TOPIC } from '../shared/api.ts';
import { type ProviderKeys } from './protocol.ts';
import { STAGES, type Stage, VAD_SILENCE_MS } from '../shared/vocabulary.ts';
import { ensureLogger, type InterviewLLMOptions, type VoiceModels } from './session.ts';
import { SpeechTTS } from './speech.ts';

export const STAGE_ATTRIBUTE = 'stage';

/** Builds STT, TTS and VAD with the user's keys and endpoints. Nothing here opens a connection. */
export async function buildVoiceModels(keys: ProviderKeys, options: Pick<InterviewLLMOptions, 'production' | 'resolve'> = {}): Promise<VoiceModels> {
  ensureLogger();
  if (!keys.deepgramKey) throw new ProviderError(missingKey('stt', keys));
  // The plugin appends /v1/listen and /v1/speak to these as they are: STT streams over the ws://
  // form, TTS takes the http:// form and switches to ws:// itself.
  let deepgramUrl: { http: string; ws: string } | undefined;
  if (keys.deepgramBaseUrl) {
    const url = new URL(keys.deepgramBaseUrl);
    const http = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
    deepgramUrl = { http, ws: http.replace(/^http/, 'ws') };
  }
  // fillerWords: Deepgram drops "um" and "uh" from transcripts unless asked to keep them, and
  // the feedback counts them (server/feedback/fillers.ts).
  const stt = new deepgram.STT({ apiKey: keys.deepgramKey, model: 'nova-3', language: 'en-US', fillerWords: true, ...(deepgramUrl && { baseUrl: deepgramUrl.ws }) });

  let tts: VoiceModels['tts'];
  if (keys.ttsProvider === 'deepgram') {
    tts = new deepgram.TTS({ apiKey: keys.deepgramKey, ...(deepgramUrl && { baseUrl: deepgramUrl.http }) });
  } else {
    // The server decides which key the voice speaks with (its own, or the LLM key where that works).
    const apiKey = keys.openaiTtsKey;
    if (!apiKey) throw new ProviderError(missingKey('tts', keys));
    // Through the network guard, as the LLM: the address connected to is checked here too.
    const production = options.production ?? process.env.NODE_ENV === 'production';
    const client = new OpenAI({
      apiKey,
      baseURL: keys.ttsBaseUrl ?? 'https://api.openai.com/v1',
      maxRetries: 0,
      organization: null,
      project: null,
      fetch: guardedFetch({ production, resolve: options.resolve, keepAlive: true }),
    });
    // Our own TTS, not openai.TTS: it plays each sentence as its audio arrives (see ./speech.ts).
    // Any model and voice name the user's speech server knows, not only OpenAI's.
    tts = new SpeechTTS({ client, model: keys.ttsModel, voice: keys.ttsVoice });
  }

  const vad = await silero.VAD.load({ minSilenceDuration: VAD_SILENCE_MS });
  return { stt, tts, vad };
}

export interface JoinedRoom {
  room: Room;
  /** Resolves once the candidate (their identity, not any participant) is in the room, so the greeting is not spoken to nobody. */
  candidateJoined: Promise<void>;
}

export interface RoomPass {
  url: string;
  token: string;
  /** The only participant the interviewer listens and speaks to. */
  candidateIdentity: string;
}

/**
 * Joins the room, publishes the stage as a participant attribute, and listens for skip requests
 * from the candidate. Losing the room for good (after the SDK's own reconnection attempts) ends the
 * interview with a reason instead of leaving the child in a dead room until the idle limit.
 */
export async function joinRoom(livekit: RoomPass, interview: Interview): Promise<JoinedRoom> {
  const room = new Room();
  try {
    await room.connect(livekit.url, livekit.token, { autoSubscribe: true, dynacast: false });
  } catch (error) {
    throw new ProviderError(describeFailure('livekit', error));
  }

  const publishStage = (stage: Stage) => {
    room.localParticipant?.setAttributes({ [STAGE_ATTRIBUTE]: stage }).catch(() => undefined);
  };
  publishStage(interview.machine.current);
  interview.onStage = publishStage;

  room.on(RoomEvent.DataReceived, (payload: Uint8Array, participant?: RemoteParticipant, _kind?: unknown, topic?: string) => {
    if (topic !== CONTROL_TOPIC || participant?.identity !== livekit.candidateIdentity) return;
    const request = parseControl(payload);
    if (request) interview.skip(request.stage);
  });

  room.on(RoomEvent.Disconnected, () => {
    if (interview.isEnding) return;
    void interview.end('error', { provider: 'livekit', message: ROOM_LOST });
  });

  const isCandidate = (participant: RemoteParticipant) => participant.identity === livekit.candidateIdentity;
  const candidateJoined = room.remoteParticipants.has(livekit.candidateIdentity)
    ? Promise.resolve()
    : new Promise<void>((resolve) => {
        const onJoin = (participant: RemoteParticipant) => {
          if (!isCandidate(participant)) return;
          room.off(RoomEvent.ParticipantConnected, onJoin);
          resolve();
        };
        room.on(RoomEvent.ParticipantConnected, onJoin);
      });
  return { room, candidateJoined };
}

export const ROOM_LOST = 'The interviewer lost its connection to the LiveKit server and could not get it back — start a new interview when your LiveKit server is reachable again.';

/** `{"type":"skip_stage","stage"?:…}` from the page; anything else is ignored. */
export function parseControl(payload: Uint8Array): { stage?: Stage } | null {
  try {
    const value = JSON.parse(new TextDecoder().decode(payload)) as { type?: unknown; stage?: unknown };
    if (value.type !== 'skip_stage') return null;
    if (value.stage === undefined) return {};
    return STAGES.includes(value.stage as Stage) ? { stage: value.stage as Stage } : null;
  } catch {
    return null;
  }
}
