// The text interview: a chat fed by the event stream, and a box to answer in.
import type { TranscriptItem } from '../../shared/api.ts';
import { api, interviewPath } from '../api.ts';
import { byId } from '../dom.ts';
import { createRoom } from '../room.ts';
import { ANSWER_MAX_CHARS as MAX } from '../../shared/vocabulary.ts';

const chat = byId('chat');
const typing = byId('typing');
const composer = byId<HTMLFormElement>('composer');
const message = byId<HTMLTextAreaElement>('message');
const messageError = byId('message-error');
const send = byId<HTMLButtonElement>('send');

const seen = new Set<string>();

const room = createRoom({
  snapshot(interview) {
    for (const item of interview.items ?? []) addItem(item);
    const last = chat.lastElementChild;
    if (!last) setTyping(true, 'The interviewer is getting ready…');
    else setTyping(last.classList.contains('from-user'));
  },
  item: addItem,
  ended() {
    setTyping(false);
    message.disabled = true;
    send.disabled = true;
  },
});

// The answer being written, kept in this browser until it is sent: a reload or an end loses nothing.
const DRAFT_KEY = `mockflow.draft.${room.id}`;
const savedDraft = localStorage.getItem(DRAFT_KEY);
if (savedDraft && !message.value) message.value = savedDraft;

function setTyping(on: boolean, text?: string) {
  typing.textContent = on ? text || 'The interviewer is typing…' : '';
  typing.dataset.state = on ? 'busy' : '';
}

/** Adds one transcript line, once, in time order (the snapshot and live events overlap). */
function addItem(item: TranscriptItem) {
  if (!item.id || seen.has(item.id)) return;
  seen.add(item.id);
  const line = document.createElement('div');
  line.className = `message ${item.role === 'user' ? 'from-user' : 'from-interviewer'}`;
  line.dataset.id = item.id;
  line.dataset.startedAt = String(item.startedAt || 0);
  const who = document.createElement('p');
  who.className = 'who';
  who.textContent = item.role === 'user' ? 'You' : 'Interviewer';
  const text = document.createElement('p');
  text.className = 'text';
  text.textContent = item.text;
  line.append(who, text);
  const later = Array.from(chat.children).find((el) => Number((el as HTMLElement).dataset.startedAt) > (item.startedAt || 0));
  chat.insertBefore(line, later ?? null);
  if (!later) chat.scrollTop = chat.scrollHeight;
  setTyping(item.role !== 'assistant');
}

message.addEventListener('input', () => {
  if (message.value) localStorage.setItem(DRAFT_KEY, message.value);
  else localStorage.removeItem(DRAFT_KEY);
  // Writing an answer is being there.
  void room.stillHere(false);
});

// On a touch screen Enter is a new line (the keyboard has no Shift): Send sends.
const enterSends = !window.matchMedia('(pointer: coarse)').matches;
if (!enterSends) byId('message-hint').textContent = 'Send sends your answer · Enter starts a new line';

message.addEventListener('keydown', (event) => {
  if (enterSends && event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    composer.requestSubmit();
  }
});

composer.addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = message.value.trim();
  messageError.textContent = '';
  message.removeAttribute('aria-invalid');
  if (!text) return;
  if (text.length > MAX) {
    messageError.textContent = `An answer can be at most ${MAX.toLocaleString()} characters (this one has ${text.length.toLocaleString()}).`;
    message.setAttribute('aria-invalid', 'true');
    messageError.scrollIntoView({ block: 'nearest' });
    return;
  }
  send.disabled = true;
  try {
    await api('POST', interviewPath(room.id, '/messages'), { text });
    message.value = '';
    localStorage.removeItem(DRAFT_KEY);
    setTyping(true);
  } catch (error) {
    messageError.textContent = (error as Error).message;
    message.setAttribute('aria-invalid', 'true');
  } finally {
    send.disabled = room.leaving;
    message.focus();
  }
});

room.openEvents();
message.focus();
