// The voice interview: asks for the microphone only when the candidate presses the button,
// joins the LiveKit room with the pass the start page kept in this tab (sessionStorage), or a fresh
// one from the server (another tab, a retry after the first pass expired), plays
// the interviewer, shows both audio levels, live captions and the stage, and says plainly what
// is wrong when the room cannot be reached.
(function () {
  'use strict';
  const LK = window.LivekitClient;
  const room = window.MockFlow.room;
  const $ = (id) => document.getElementById(id);
  const intro = $('voice-intro');
  const allowMic = $('allow-mic');
  const problemBox = $('voice-problem');
  const problemMessage = $('voice-problem-message');
  const retry = $('voice-retry');
  const call = $('voice-call');
  const callStatus = $('call-status');
  const micSelect = $('mic-select');
  const muteButton = $('mute');
  const startAudioRow = $('start-audio-row');
  const meterYou = $('meter-you');
  const meterAgent = $('meter-agent');
  const captions = $('captions');
  const agentAudio = $('agent-audio');
  const CONTROL_TOPIC = 'interview.control';
  const STORAGE_KEY = `mockflow.livekit.${room.id}`;

  let pass = null;
  try {
    pass = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null');
  } catch {
    pass = null;
  }

  let passTried = false; // a pass is tried once: every later attempt asks the server for a fresh one
  let lk = null;
  let connecting = false;
  let leavingOnPurpose = false;
  let muted = false;
  const analysers = { you: null, agent: null };
  let meterFrame = 0;
  const seenItems = new Set();
  const liveCaptions = new Map(); // segment id → caption line

  // ---- Messages -------------------------------------------------------------------------

  function setStatus(text, state) {
    callStatus.textContent = text;
    callStatus.dataset.state = state || '';
  }

  function showProblem(text, { canRetry = true } = {}) {
    problemMessage.textContent = text;
    retry.hidden = !canRetry;
    problemBox.hidden = false;
    problemBox.focus();
  }

  function hideProblem() {
    problemBox.hidden = true;
  }

  function hostOf(url) {
    try {
      return new URL(url).host;
    } catch {
      return 'your LiveKit server';
    }
  }

  /** One plain sentence for why joining failed. */
  function explain(error) {
    const host = hostOf(pass.url);
    const reasons = LK && LK.ConnectionErrorReason ? LK.ConnectionErrorReason : {};
    const reason = error && error.reason;
    if (reason === reasons.NotAllowed || (error && (error.status === 401 || error.status === 403))) {
      return `${host} refused this call's pass. Press Retry to get a new one; if that fails too, check your LiveKit key and secret in Settings → Keys.`;
    }
    if (reason === reasons.Cancelled) return 'Joining the call was cancelled. Press Retry to try again.';
    if (!navigator.onLine) return 'You seem to be offline. Check your internet connection, then press Retry.';
    if (reason === reasons.Timeout) {
      return `The call cannot be reached: ${host} did not answer in time. Check your connection, or whether your LiveKit server is running, then press Retry.`;
    }
    return `The call cannot be reached: nothing answered at ${host}. Check the LiveKit URL in Settings → Keys and whether your LiveKit server is running, then press Retry.`;
  }

  function micProblem(error) {
    const name = error && error.name;
    if (name === 'NotAllowedError' || name === 'SecurityError') {
      return 'Microphone access is blocked. Allow it for this site in your browser (the icon next to the address), then press the button again.';
    }
    if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No microphone was found. Connect one, then press the button again.';
    if (name === 'NotReadableError') return 'Your microphone is busy in another app or could not start. Close the other app, then press the button again.';
    return 'The microphone could not start. Check your browser settings, then press the button again.';
  }

  /** True when a pass (a LiveKit JWT) is past, or within a minute of, its expiry: after a reload, say. */
  function expiresSoon(token) {
    try {
      const payload = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
      return !payload.exp || payload.exp * 1000 - Date.now() < 60_000;
    } catch {
      return true;
    }
  }

  /** A new pass from the server: the one from the start lasts minutes, and only this tab has it. */
  async function renewPass() {
    const fresh = await window.MockFlow.api('POST', `/api/interviews/${encodeURIComponent(room.id)}/room-pass`, {});
    pass = fresh;
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(fresh));
    } catch {
      // storage full or disabled: the pass still works for this page
    }
  }

  // ---- Captions -------------------------------------------------------------------------

  function captionLine(speaker, text, className) {
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
  function addItem(item) {
    if (!item || !item.id || seenItems.has(item.id)) return;
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
  function liveCaption(segmentId, fromUser, text, final) {
    let line = liveCaptions.get(segmentId);
    if (!line) {
      if (!text) return;
      line = captionLine(fromUser ? 'You' : 'Interviewer', '', `${fromUser ? 'from-user' : 'from-interviewer'} live`);
      line.dataset.speaker = fromUser ? 'you' : 'agent';
      liveCaptions.set(segmentId, line);
      captions.append(line);
    }
    line.querySelector('.text').textContent = text;
    line.dataset.final = final ? 'true' : 'false';
    scrollCaptions();
  }

  room.on('snapshot', (interview) => {
    for (const item of interview.items || []) addItem(item);
  });
  room.on('item', addItem);

  // ---- Meters ---------------------------------------------------------------------------

  function watchLevel(which, track) {
    if (analysers[which]) analysers[which].cleanup().catch(() => undefined);
    analysers[which] = null;
    if (!track || !LK.createAudioAnalyser) return;
    try {
      analysers[which] = LK.createAudioAnalyser(track, { cloneTrack: true, smoothingTimeConstant: 0.6 });
    } catch {
      analysers[which] = null;
    }
    if (!meterFrame) meterFrame = requestAnimationFrame(drawMeters);
  }

  function drawMeters() {
    const level = (which, fallback) => (analysers[which] ? Math.min(1, analysers[which].calculateVolume() * 3) : fallback || 0);
    const agent = lk && Array.from(lk.remoteParticipants.values())[0];
    meterYou.value = muted ? 0 : level('you', lk && lk.localParticipant.audioLevel);
    meterAgent.value = level('agent', agent && agent.audioLevel);
    meterFrame = lk ? requestAnimationFrame(drawMeters) : 0;
  }

  function stopMeters() {
    cancelAnimationFrame(meterFrame);
    meterFrame = 0;
    for (const which of ['you', 'agent']) watchLevel(which, null);
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

  function localMicTrack() {
    const publication = lk && lk.localParticipant.getTrackPublication(LK.Track.Source.Microphone);
    return publication ? publication.track : null;
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

  function agentStage(participant) {
    const stage = participant && participant.attributes && participant.attributes.stage;
    if (stage) room.setStage(stage);
  }

  function wire(r) {
    const E = LK.RoomEvent;
    r.on(E.TrackSubscribed, (track, _publication, participant) => {
      if (track.kind !== 'audio') return;
      agentAudio.append(track.attach());
      watchLevel('agent', track);
      agentStage(participant);
    });
    r.on(E.TrackUnsubscribed, (track) => {
      for (const el of track.detach()) el.remove();
    });
    r.on(E.ParticipantConnected, (participant) => {
      agentStage(participant);
      setStatus('Connected. The interviewer is here.', 'ok');
    });
    r.on(E.ParticipantAttributesChanged, (changed, participant) => {
      if (participant !== r.localParticipant && changed.stage) room.setStage(changed.stage);
    });
    r.on(E.ParticipantDisconnected, () => {
      if (room.leaving || leavingOnPurpose || r.remoteParticipants.size > 0) return;
      // The interviewer left: the interview is over. The event stream's `ended` usually
      // arrives first; if it does not, go anyway.
      setStatus('The interviewer has left the call. Opening your interview…', 'busy');
      setTimeout(() => room.leave(), 2500);
    });
    r.on(E.Reconnecting, () => setStatus('The connection dropped. Reconnecting…', 'busy'));
    r.on(E.SignalReconnecting, () => setStatus('The connection dropped. Reconnecting…', 'busy'));
    r.on(E.Reconnected, () => setStatus('Reconnected.', 'ok'));
    r.on(E.AudioPlaybackStatusChanged, () => {
      startAudioRow.hidden = r.canPlaybackAudio;
    });
    r.on(E.MediaDevicesError, (error) => setStatus(micProblem(error), 'bad'));
    r.on(E.Disconnected, () => {
      stopMeters();
      if (lk !== r) return;
      lk = null;
      if (room.leaving || leavingOnPurpose) return;
      call.hidden = true;
      showProblem('The call was disconnected and could not reconnect. Check your connection, then press Retry to join again.');
    });
    if (r.registerTextStreamHandler) {
      // Agents publish captions as text streams, one per segment (or an update of it). They also
      // send the same words as legacy transcription packets under other segment ids: only this
      // path is read, or every caption would show twice.
      r.registerTextStreamHandler('lk.transcription', async (reader, participantInfo) => {
        const attributes = (reader.info && reader.info.attributes) || {};
        const segmentId = attributes['lk.segment_id'] || (reader.info && reader.info.id);
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
  }

  async function connect() {
    if (connecting || lk) return;
    connecting = true;
    hideProblem();
    call.hidden = false;
    setStatus('Connecting to the call…', 'busy');
    try {
      if (!pass || !pass.url || !pass.token || passTried || expiresSoon(pass.token)) await renewPass();
      passTried = true;
    } catch (error) {
      connecting = false;
      call.hidden = true;
      showProblem(error.status === 409 ? 'This interview has ended.' : error.message, { canRetry: error.status !== 409 });
      return;
    }
    const r = new LK.Room({
      adaptiveStream: false,
      dynacast: false,
      audioCaptureDefaults: { deviceId: micSelect.value || undefined, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    wire(r);
    try {
      await r.connect(pass.url, pass.token, { autoSubscribe: true, maxRetries: 1 });
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
      setStatus(`Connected, but ${micProblem(error).charAt(0).toLowerCase()}${micProblem(error).slice(1)}`, 'bad');
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
    if (intro.hidden) connect();
    else allowMic.click();
  });

  $('start-audio').addEventListener('click', () => {
    if (lk) lk.startAudio().then(() => { startAudioRow.hidden = lk.canPlaybackAudio; }, () => undefined);
  });

  room.skip = async () => {
    if (!lk) {
      // Not in the call (yet): the server relays the skip to the agent instead.
      return window.MockFlow.api('POST', `/api/interviews/${encodeURIComponent(room.id)}/skip`, {});
    }
    const payload = new TextEncoder().encode(JSON.stringify({ type: 'skip_stage' }));
    await lk.localParticipant.publishData(payload, { reliable: true, topic: CONTROL_TOPIC });
  };

  room.beforeLeave = async () => {
    leavingOnPurpose = true;
    sessionStorage.removeItem(STORAGE_KEY);
    if (lk) await lk.disconnect().catch(() => undefined);
  };

  if (navigator.mediaDevices && navigator.mediaDevices.addEventListener) {
    navigator.mediaDevices.addEventListener('devicechange', () => {
      if (!intro.hidden) return;
      listMicrophones().catch(() => undefined);
    });
  }

  // ---- Start ----------------------------------------------------------------------------

  if (!LK) {
    intro.hidden = true;
    showProblem('The voice call software did not load. Reload the page to try again.', { canRetry: false });
  } else if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    intro.hidden = true;
    showProblem('This browser cannot use a microphone on this page. Use a current browser over HTTPS.', { canRetry: false });
  }
  room.openEvents();
})();
