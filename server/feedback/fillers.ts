// Filler words: the disfluencies of speech, counted from the candidate's transcript by code.
// Voice transcripts come from Deepgram with punctuation and filler words kept, so a filler
// "like" or "you know" is usually set off by commas; without punctuation only the plainest
// cases count. When in doubt a word is not counted: a filler count that includes "I like Go"
// tells the candidate something false.

/**
 * The fillers counted, in display order: disfluencies only. Words that are fillers at times but
 * as often carry meaning ("so", "actually", "basically", "I mean", "kind of") are not counted.
 */
export const FILLERS = ['um', 'uh', 'er', 'erm', 'like', 'you know'] as const;
export type Filler = (typeof FILLERS)[number];

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;

/** Punctuation that sets a word off from what follows it: a pause in the transcript. */
const PAUSE = /^\s*(?:[,;:.?!…]|-{1,2}(?!\w)|[—–])/;

/** Words after which "like" is a verb or a comparison: "I like", "would like", "looks like", "things like". */
const LIKE_NOT_FILLER_AFTER = new Set([
  'i', 'you', 'we', 'they', 'he', 'she', 'who', 'would', 'do', 'does', 'did', "don't", "doesn't", "didn't", 'really', 'also', 'not',
  'look', 'looks', 'looked', 'feel', 'feels', 'felt', 'seem', 'seems', 'seemed', 'sound', 'sounds', 'sounded',
  'something', 'anything', 'nothing', 'things', 'thing', 'stuff', 'tools', 'more', 'much', 'exactly',
]);

/** Words before "you know" that make it a question or a clause: "do you know", "if you know", "as you know". */
const YOU_KNOW_NOT_FILLER_AFTER = new Set(['do', 'does', 'did', "don't", "didn't", 'if', 'as', 'whether', 'what', 'how', 'would', 'could', 'will', 'might', 'should', 'than', 'because']);

interface Token {
  word: string;
  start: number;
  end: number;
}

/**
 * Fillers said, by filler. Whole words, case-insensitive:
 * - "um", "uh", "er", "erm" count every time, drawn-out spellings too ("umm", "uhh", "errr");
 *   not in "uh-huh" or "uh-oh".
 * - "like" counts where it is a filler: set off by a pause after it ("it was, like, messy",
 *   "Like, the hardest part…"), or next to another disfluency ("um like", "like uh"). Not after
 *   a word that makes it a verb or a comparison ("I like problems", "I'd like", "looks like",
 *   "things like consistency"), and not before a word ("like consistency", "like 50 services").
 * - "you know" counts where it is a filler: followed by a pause or the end ("we had, you know,
 *   no tests", "right, you know?"), or by another disfluency; not when it asks or states
 *   something ("do you know", "you know the answer", "as you know").
 */
export function countFillers(texts: string[]): Record<Filler, number> {
  const counts = Object.fromEntries(FILLERS.map((f) => [f, 0])) as Record<Filler, number>;
  for (const text of texts) {
    const tokens: Token[] = [...text.matchAll(WORD)].map((m) => ({ word: canonical(m[0]), start: m.index, end: m.index + m[0].length }));
    const pauseAfter = (i: number) => i === tokens.length - 1 || PAUSE.test(text.slice(tokens[i]!.end, tokens[i + 1]!.start));
    const hyphenated = (i: number) => text.slice(tokens[i]!.end, tokens[i]!.end + 1) === '-' && tokens[i + 1]?.start === tokens[i]!.end + 1;
    const sound = (i: number) => i >= 0 && i < tokens.length && isSound(tokens[i]!.word) && !hyphenated(i);

    for (let i = 0; i < tokens.length; i += 1) {
      const { word } = tokens[i]!;
      const before = tokens[i - 1]?.word;
      if (isSound(word)) {
        if (!hyphenated(i) && !(i > 0 && hyphenated(i - 1))) counts[word] += 1;
      } else if (word === 'you' && tokens[i + 1]?.word === 'know') {
        const asks = before !== undefined && YOU_KNOW_NOT_FILLER_AFTER.has(before) && !pauseBetween(text, tokens[i - 1]!, tokens[i]!);
        if (!asks && (pauseAfter(i + 1) || sound(i + 2) || tokens[i + 2]?.word === 'like')) {
          counts['you know'] += 1;
          i += 1;
        }
      } else if (word === 'like') {
        const verbOrComparison = before !== undefined && (LIKE_NOT_FILLER_AFTER.has(before) || before.endsWith("'d")) && !pauseBetween(text, tokens[i - 1]!, tokens[i]!);
        const besideDisfluency = sound(i - 1) || sound(i + 1) || (tokens[i + 1]?.word === 'you' && tokens[i + 2]?.word === 'know');
        if (!verbOrComparison && (pauseAfter(i) || besideDisfluency)) counts.like += 1;
      }
    }
  }
  return counts;
}

type Sound = 'um' | 'uh' | 'er' | 'erm';

function isSound(word: string): word is Sound {
  return word === 'um' || word === 'uh' || word === 'er' || word === 'erm';
}

function pauseBetween(text: string, a: Token, b: Token): boolean {
  return PAUSE.test(text.slice(a.end, b.start));
}

function canonical(word: string): string {
  const lower = word.toLowerCase().replace(/’/g, "'");
  if (/^u+m+$/.test(lower)) return 'um';
  if (/^u+h+$/.test(lower)) return 'uh';
  if (/^e+r+m+$/.test(lower)) return 'erm';
  if (/^e+r+$/.test(lower)) return 'er';
  return lower;
}
