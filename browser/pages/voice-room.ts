// The voice interview: asks for the microphone only when the candidate presses the button,
// joins the LiveKit room with the pass the start page kept in this tab (sessionStorage), or a fresh
// one from the server (another tab, a retry after the first pass expired), plays
// the interviewer, shows both audio levels, live captions and the stage, and says plainly what
// is wrong when the room cannot be reached.
import type * as LiveKit from 'livekit-client';
import type { LocalAudioTrack, Participant, RemoteAudioTrack, Room as LiveKitRoom } from 'livekit-client';
import { CONTROL_TOPIC, type ControlRequest, type RoomPass, type TranscriptItem } from '../../shared/api.ts';
import { api, ApiError, interviewPath } from '../api.ts';
import { byId } from '../dom.ts';
import { createRoom } from '../room.ts';

const intro = byId('voice-intro');
const allowMic = byId<HTMLButtonElement>('allow-mic');
const problemBox = byId('voice-problem');
const problemMessage = byId('voice-problem-message');
const retry = byId('voice-retry');
const call = byId('voice-call');
const callStatus = byId('call-status');
const micSelect = byId<HTMLSelectElement>('mic-select');
const muteButton = byId('mute');
const startAudioRow = byId('start-audio-row');
const meterYou = byId<HTMLMeterElement>('meter-you');
const meterAgent = byId<HTMLMeterElement>('meter-agent');
const captions = byId('captions');
const agentAudio = byId('agent-audio');
// livekit-client's own browser build, loaded before this script (/static/vendor/livekit-client.umd.js):
// the voice tests and bench:voice look into the page's rooms through that global.
const LK = (window as unknown as { LivekitClient?: typeof LiveKit }).LivekitClient;

let lk: LiveKitRoom | null = null;

const room = createRoom({
  snapshot(interview) {
    for (const item of interview.items ?? []) addItem(item);
  },
  item: addItem,
  async skip() {
    // Not in the call (yet): the server relays the skip to the agent instead.
    if (!lk) return api('POST', interviewPath(room.id, '/skip'), {});
    const request: ControlRequest = { type: 'skip_stage' };
    const payload = new TextEncoder().encode(JSON.stringify(request));
    await lk.localParticipant.publishData(payload, { reliable: true, topic: CONTROL_TOPIC });
  },
  async beforeLeave() {
    leavingOnPurpose = true;
    sessionStorage.removeItem(STORAGE_KEY);
    if (lk) await lk.disconnect().catch(() => undefined);
  },
});
const STORAGE_KEY = `mockflow.livekit.${room.id}`;

let pass: RoomPass | null = null;
try {
  pass = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null') as RoomPass | null;
} catch {
  pass = null;
}

let passTried = false; // a pass is tried once: every later attempt asks the server for a fresh one
let connecting = false;
let leavingOnPurpose = false;
let muted = false;
type Analyser = ReturnType<typeof LiveKit.createAudioAnalyser>;
const analysers: Record<'you' | 'agent', Analyser | null> = { you: null, agent: null };
let meterFrame = 0;
const seenItems = new Set<string>();
const liveCaptions = new Map<string, HTMLElement>(); // segment id → caption line

// ---- Messages -------------------------------------------------------------------------

function setStatus(text: string, state = '') {
  callStatus.textContent = text;
  callStatus.dataset.state = state;
}

function showProblem(text: string, { canRetry = true } = {}) {
  problemMessage.textContent = text;
  retry.hidden = !canRetry;
  problemBox.hidden = false;
  problemBox.focus();
}

function hideProblem() {
  problemBox.hidden = true;
}

function hostOf(url: string | undefined) {
  try {
    return new URL(url ?? '').host;
  } catch {
    return 'your LiveKit server';
  }
}

/** One plain sentence for why joining failed. */
function explain(error: unknown) {
  const host = hostOf(pass?.url);
  const { reason, status } = (error ?? {}) as { reason?: LiveKit.ConnectionErrorReason; status?: number };
  if (reason === LK?.ConnectionErrorReason.NotAllowed || status === 401 || status === 403) {
    return `${host} refused this call's pass. Press Retry to get a new one; if that fails too, check your LiveKit key and secret in Settings → Keys.`;
  }
  if (reason === LK?.ConnectionErrorReason.Cancelled) return 'Joining the call was cancelled. Press Retry to try again.';
  if (!navigator.onLine) return 'You seem to be offline. Check your internet connection, then press Retry.';
  if (reason === LK?.ConnectionErrorReason.Timeout) {
    return `The call cannot be reached: ${host} did not answer in time. Check your connection, or whether your LiveKit server is running, then press Retry.`;
  }
  return `The call cannot be reached: nothing answered at ${host}. Check the LiveKit URL in Settings → Keys and whether your LiveKit server is running, then press Retry.`;
}

function micProblem(error: unknown) {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return 'Microphone access is blocked. Allow it for this site in your browser (the icon next to the address), then press the button again.';
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No microphone was found. Connect one, then press the button again.';
  if (name === 'NotReadableError') return 'Your microphone is busy in another app or could not start. Close the other app, then press the button again.';
  return 'The microphone could not start. Check your browser settings, then press the button again.';
}

/** True when a pass (a LiveKit JWT) is past, or within a minute of, its expiry: after a reload, say. */
function expiresSoon(token: string) {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number };
    return !payload.exp || payload.exp * 1000 - Date.now() < 60_000;
  } catch {
    return true;
  }
}

/** A new pass from the server: the one from the start lasts minutes, and only this tab has it. */
async function renewPass(): Promise<RoomPass> {
  const fresh = await api<RoomPass>('POST', interviewPath(room.id, '/room-pass'), {});
  pass = fresh;
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(fresh));
  } catch {
    // storage full or disabled: the pass still works for this page
  }
  return fresh;
}

// ---- Captions -------------------------------------------------------------------------

function captionLine(speaker: string, text: string, className: string) {
  const line = document.createElement('div');
  line.className = `message ${className}`;
  const who = document.createElement('p');
  who.className = 'who';
  who.textContent = speaker;
  const body = document.createElement('p');
  body.className = 'text';
  body.textContent = text;
  line.append(who, body);
  return line;
}

function scrollCaptions() {
  captions.scrollTop = captions.scrollHeight;
}

/** A saved transcript line from the event stream; it replaces the speaker's live caption. */
function addItem(item: TranscriptItem) {
  if (!item.id || seenItems.has(item.id)) return;
  seenItems.add(item.id);
  const fromUser = item.role === 'user';
  for (const [segment, line] of liveCaptions) {
    if (line.dataset.speaker === (fromUser ? 'you' : 'agent')) {
      line.remove();
      liveCaptions.delete(segment);
    }
  }
  const firstLive = captions.querySelector('.live');
  captions.insertBefore(captionLine(fromUser ? 'You' : 'Interviewer', item.text, fromUser ? 'from-user' : 'from-interviewer'), firstLive);
  scrollCaptions();
}

/** What is being said right now, replaced as the words come in. */
function liveCaption(segmentId: string, fromUser: boolean, text: string, final: boolean) {
  let line = liveCaptions.get(segmentId);
  if (!line) {
    if (!text) return;
    line = captionLine(fromUser ? 'You' : 'Interviewer', '', `${fromUser ? 'from-user' : 'from-interviewer'} live`);
    line.dataset.speaker = fromUser ? 'you' : 'agent';
    liveCaptions.set(segmentId, line);
    captions.append(line);
  }
  line.querySelector('.text')!.textContent = text;
  line.dataset.final = final ? 'true' : 'false';
  scrollCaptions();
}

// ---- Meters ---------------------------------------------------------------------------

function watchLevel(which: 'you' | 'agent', track: LocalAudioTrack | RemoteAudioTrack | null) {
  analysers[which]?.cleanup().catch(() => undefined);
  analysers[which] = null;
  if (!track || !LK) return;
  try {
    analysers[which] = LK.createAudioAnalyser(track, { cloneTrack: true, smoothingTimeConstant: 0.6 });
  } catch {
    analysers[which] = null;
  }
  if (!meterFrame) meterFrame = requestAnimationFrame(drawMeters);
}

function drawMeters() {
  const level = (which: 'you' | 'agent', fallback: number | undefined) =>
    analysers[which] ? Math.min(1, analysers[which].calculateVolume() * 3) : fallback || 0;
  const agent = lk ? Array.from(lk.remoteParticipants.values())[0] : undefined;
  meterYou.value = muted ? 0 : level('you', lk?.localParticipant.audioLevel);
  meterAgent.value = level('agent', agent?.audioLevel);
  meterFrame = lk ? requestAnimationFrame(drawMeters) : 0;
}

function stopMeters() {
  cancelAnimationFrame(meterFrame);
  meterFrame = 0;
  watchLevel('you', null);
  watchLevel('agent', null);
  meterYou.value = 0;
  meterAgent.value = 0;
}

// ---- Microphone -----------------------------------------------------------------------

async function listMicrophones() {
  const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'audioinput');
  const chosen = micSelect.value;
  micSelect.replaceChildren(
    ...devices.map((device, i) => {
      const option = document.createElement('option');
      option.value = device.deviceId;
      option.textContent = device.label || `Microphone ${i + 1}`;
      return option;
    }),
  );
  if (chosen && devices.some((d) => d.deviceId === chosen)) micSelect.value = chosen;
  micSelect.disabled = devices.length === 0;
}

micSelect.addEventListener('change', async () => {
  if (!lk) return;
  try {
    await lk.switchActiveDevice('audioinput', micSelect.value);
    watchLevel('you', localMicTrack());
    room.announce('Microphone changed.');
  } catch (error) {
    setStatus(micProblem(error), 'bad');
  }
});

function localMicTrack(): LocalAudioTrack | null {
  const track = lk?.localParticipant.getTrackPublication(LK!.Track.Source.Microphone)?.track;
  return track ? (track as LocalAudioTrack) : null;
}

muteButton.addEventListener('click', async () => {
  if (!lk) return;
  const next = !muted;
  try {
    await lk.localParticipant.setMicrophoneEnabled(!next);
    muted = next;
    muteButton.setAttribute('aria-pressed', String(muted));
    muteButton.textContent = muted ? 'Unmute microphone' : 'Mute microphone';
    room.announce(muted ? 'Microphone muted.' : 'Microphone on.');
    if (!muted) watchLevel('you', localMicTrack());
  } catch (error) {
    setStatus(micProblem(error), 'bad');
  }
});

// ---- The call -------------------------------------------------------------------------

function agentStage(participant: Participant | undefined) {
  const stage = participant?.attributes?.stage;
  if (stage) room.setStage(stage);
}

function wire(r: LiveKitRoom, { RoomEvent, Track }: typeof LiveKit) {
  r.on(RoomEvent.TrackSubscribed, (track, _publication, participant) => {
    if (track.kind !== Track.Kind.Audio) return;
    agentAudio.append(track.attach());
    watchLevel('agent', track as RemoteAudioTrack);
    agentStage(participant);
  });
  r.on(RoomEvent.TrackUnsubscribed, (track) => {
    for (const el of track.detach()) el.remove();
  });
  r.on(RoomEvent.ParticipantConnected, (participant) => {
    agentStage(participant);
    setStatus('Connected. The interviewer is here.', 'ok');
  });
  r.on(RoomEvent.ParticipantAttributesChanged, (changed, participant) => {
    if (participant !== r.localParticipant && changed.stage) room.setStage(changed.stage);
  });
  r.on(RoomEvent.ParticipantDisconnected, () => {
    if (room.leaving || leavingOnPurpose || r.remoteParticipants.size > 0) return;
    // The interviewer left: the interview is over. The event stream's `ended` usually
    // arrives first; if it does not, go anyway.
    setStatus('The interviewer has left the call. Opening your interview…', 'busy');
    setTimeout(() => void room.leave(), 2500);
  });
  r.on(RoomEvent.Reconnecting, () => setStatus('The connection dropped. Reconnecting…', 'busy'));
  r.on(RoomEvent.SignalReconnecting, () => setStatus('The connection dropped. Reconnecting…', 'busy'));
  r.on(RoomEvent.Reconnected, () => setStatus('Reconnected.', 'ok'));
  r.on(RoomEvent.AudioPlaybackStatusChanged, () => {
    startAudioRow.hidden = r.canPlaybackAudio;
  });
  r.on(RoomEvent.MediaDevicesError, (error) => setStatus(micProblem(error), 'bad'));
  r.on(RoomEvent.Disconnected, () => {
    stopMeters();
    if (lk !== r) return;
    lk = null;
    if (room.leaving || leavingOnPurpose) return;
    call.hidden = true;
    showProblem('The call was disconnected and could not reconnect. Check your connection, then press Retry to join again.');
  });
  // Agents publish captions as text streams, one per segment (or an update of it). They also
  // send the same words as legacy transcription packets under other segment ids: only this
  // path is read, or every caption would show twice.
  r.registerTextStreamHandler('lk.transcription', async (reader, participantInfo) => {
    const attributes = reader.info.attributes ?? {};
    const segmentId = attributes['lk.segment_id'] || reader.info.id;
    const fromUser = participantInfo.identity === r.localParticipant.identity;
    let text = '';
    try {
      for await (const chunk of reader) {
        text += chunk;
        liveCaption(segmentId, fromUser, text, false);
      }
    } catch {
      return;
    }
    liveCaption(segmentId, fromUser, text, attributes['lk.transcription_final'] === 'true');
  });
}

async function connect() {
  if (connecting || lk) return;
  connecting = true;
  hideProblem();
  call.hidden = false;
  setStatus('Connecting to the call…', 'busy');
  let joining: RoomPass;
  try {
    joining = !pass || !pass.url || !pass.token || passTried || expiresSoon(pass.token) ? await renewPass() : pass;
    passTried = true;
  } catch (error) {
    connecting = false;
    call.hidden = true;
    const ended = error instanceof ApiError && error.status === 409;
    showProblem(ended ? 'This interview has ended.' : (error as Error).message, { canRetry: !ended });
    return;
  }
  const r = new LK!.Room({
    adaptiveStream: false,
    dynacast: false,
    audioCaptureDefaults: { deviceId: micSelect.value || undefined, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
  wire(r, LK!);
  try {
    await r.connect(joining.url, joining.token, { autoSubscribe: true, maxRetries: 1 });
  } catch (error) {
    connecting = false;
    r.removeAllListeners();
    r.disconnect().catch(() => undefined);
    call.hidden = true;
    showProblem(explain(error));
    return;
  }
  lk = r;
  connecting = false;
  setStatus(r.remoteParticipants.size > 0 ? 'Connected. The interviewer is here.' : 'Connected. Waiting for the interviewer…', 'ok');
  for (const participant of r.remoteParticipants.values()) agentStage(participant);
  startAudioRow.hidden = r.canPlaybackAudio;
  try {
    await r.localParticipant.setMicrophoneEnabled(true, micSelect.value ? { deviceId: micSelect.value } : undefined);
    watchLevel('you', localMicTrack());
    await listMicrophones(); // labels are known once a track is live
  } catch (error) {
    const problem = micProblem(error);
    setStatus(`Connected, but ${problem.charAt(0).toLowerCase()}${problem.slice(1)}`, 'bad');
  }
  if (!meterFrame) meterFrame = requestAnimationFrame(drawMeters);
}

allowMic.addEventListener('click', async () => {
  allowMic.disabled = true;
  hideProblem();
  try {
    // Asked only now, after the click: the permission prompt makes sense in context.
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    for (const track of stream.getTracks()) track.stop();
    await listMicrophones();
  } catch (error) {
    allowMic.disabled = false;
    showProblem(micProblem(error), { canRetry: false });
    return;
  }
  intro.hidden = true;
  await connect();
});

retry.addEventListener('click', () => {
  if (intro.hidden) void connect();
  else allowMic.click();
});

byId('start-audio').addEventListener('click', () => {
  lk?.startAudio().then(
    () => {
      startAudioRow.hidden = lk?.canPlaybackAudio ?? true;
    },
    () => undefined,
  );
});

navigator.mediaDevices?.addEventListener?.('devicechange', () => {
  if (!intro.hidden) return;
  listMicrophones().catch(() => undefined);
});

// ---- Start ----------------------------------------------------------------------------

if (!LK) {
  intro.hidden = true;
  showProblem('The voice call software did not load. Reload the page to try again.', { canRetry: false });
} else if (!navigator.mediaDevices?.getUserMedia) {
  intro.hidden = true;
  showProblem('This browser cannot use a microphone on this page. Use a current browser over HTTPS.', { canRetry: false });
}
room.openEvents();
