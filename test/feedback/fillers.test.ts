import { describe, expect, it } from 'vitest';
import { countFillers, FILLERS, type Filler } from '../../server/feedback/fillers.ts';

// Candidate answers as Deepgram's nova-3 writes them for the voice interviews (punctuated, smart
// formatting, filler words kept), and a few as an unpunctuated transcript would have them.
// Each case lists exactly the fillers a listener would call disfluencies.

const none = (): Record<Filler, number> => Object.fromEntries(FILLERS.map((f) => [f, 0])) as Record<Filler, number>;
const only = (counts: Partial<Record<Filler, number>>) => ({ ...none(), ...counts });

describe('filler words counted', () => {
  const counted: [string, Partial<Record<Filler, number>>][] = [
    ['Um, so I was the tech lead on that, uh, migration to Postgres.', { um: 1, uh: 1 }],
    ['It was, like, a really messy codebase when I joined.', { like: 1 }],
    ['Like, the hardest part was the on-call rotation.', { like: 1 }],
    ['We had, you know, no tests at all for the billing service.', { 'you know': 1 }],
    ['You know, I think we should have split the team earlier.', { 'you know': 1 }],
    ['I mean, we shipped it in the end, you know?', { 'you know': 1 }],
    ['Er, I think it was about two years ago.', { er: 1 }],
    ['Erm, let me think about that for a second.', { erm: 1 }],
    ['Ummm, yeah. Uhh, the queue was backing up.', { um: 1, uh: 1 }],
    ['and then um like we just rewrote the consumer', { um: 1, like: 1 }],
    ['It was like, uh, three weeks of work.', { like: 1, uh: 1 }],
    ['The latency was, like -- terrible.', { like: 1 }],
    ['It was like, fine, honestly.', { like: 1 }],
    ['We were, you know, like, firefighting all the time.', { 'you know': 1, like: 1 }],
    ['UM, I would say ownership.', { um: 1 }],
  ];
  for (const [sentence, expected] of counted) {
    it(`counts ${JSON.stringify(expected)} in "${sentence}"`, () => {
      expect(countFillers([sentence])).toEqual(only(expected));
    });
  }
});

describe('words that are not fillers there', () => {
  const notCounted = [
    'I like problems that have a clear owner.',
    'So I rolled back the deploy and paged the team.',
    'We cared about things like consistency and latency.',
    'I would like to lead a team next.',
    "I'd like to talk about the outage.",
    'It looks like the cache was stale.',
    'It felt like a race condition, so we added a lock.',
    'There were like 50 services in the monolith.',
    'It was likely a race condition.',
    'Do you know what a saga pattern is?',
    'If you know Postgres, you know the pain of vacuum.',
    'As you know, the team was small.',
    'You know the drill: write the postmortem first.',
    'Uh-huh, that is right.',
    'Basically we actually kind of sort of rebuilt it.',
    'I mean the second version, not the first.',
    'What I really like, honestly, is debugging.',
    'Error budgets and erasure coding, errands.',
  ];
  for (const sentence of notCounted) {
    it(`counts nothing in "${sentence}"`, () => {
      expect(countFillers([sentence])).toEqual(none());
    });
  }
});

describe('counting over several answers', () => {
  it('adds the answers up, and "you know" is one filler, not "you" and "know"', () => {
    const counts = countFillers(['Um, you know, it was hard.', 'Uh, I like Go. It was, like, fast.', 'Do you know Rust?']);
    expect(counts).toEqual(only({ um: 1, uh: 1, like: 1, 'you know': 1 }));
  });

  it('keeps typographic apostrophes inside a word', () => {
    expect(countFillers(['I’d like that. They’d like, um, more time.'])).toEqual(only({ um: 1 }));
  });
});
