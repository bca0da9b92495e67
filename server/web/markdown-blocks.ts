// A Markdown report from elsewhere (the Python original's feedback) read into plain blocks and
// spans for a template to place with its escaping. Nothing in the source becomes markup: HTML in
// it stays text, links stay text (their address shown beside them), images are left out but for
// their description. Covers what a model writes in a report: headings, paragraphs, lists,
// quotes, rules, bold, italics and code.

export interface Span {
  text: string;
  strong?: boolean;
  em?: boolean;
  code?: boolean;
}

export type Block =
  | { kind: 'heading'; level: 4 | 5 | 6; spans: Span[] }
  | { kind: 'paragraph'; spans: Span[] }
  | { kind: 'list'; ordered: boolean; items: Span[][] }
  | { kind: 'quote'; spans: Span[] }
  | { kind: 'rule' };

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d{1,3}[.)]\s+(.*)$/;
const QUOTE = /^\s*>\s?(.*)$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;
const FENCE = /^\s*(```|~~~)/;

/** Inline Markdown as spans: `code`, **bold**, *italic* / _italic_, [text](address), ![alt](src). */
export function spans(source: string): Span[] {
  const out: Span[] = [];
  const push = (span: Span) => {
    if (!span.text) return;
    const last = out.at(-1);
    if (last && !last.code && !span.code && last.strong === span.strong && last.em === span.em) last.text += span.text;
    else out.push(span);
  };
  const plain = source
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\(([^)\s]+)[^)]*\)/g, (_m, label: string, href: string) => (label === href ? label : `${label} (${href})`));
  const pattern = /`([^`]+)`|\*\*(.+?)\*\*|__(.+?)__|\*(?!\s)(.+?)\*|(?<![\w])_(?!\s)(.+?)_(?![\w])/g;
  let at = 0;
  for (const m of plain.matchAll(pattern)) {
    push({ text: plain.slice(at, m.index) });
    if (m[1] !== undefined) out.push({ text: m[1], code: true });
    else if (m[2] !== undefined || m[3] !== undefined) for (const s of spans(m[2] ?? m[3]!)) push({ ...s, strong: true });
    else for (const s of spans(m[4] ?? m[5]!)) push({ ...s, em: true });
    at = m.index + m[0].length;
  }
  push({ text: plain.slice(at) });
  return out;
}

export function markdownBlocks(source: string): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let list: { ordered: boolean; items: string[] } | null = null;
  let quote: string[] = [];
  let code: string[] | null = null;

  const flush = () => {
    if (paragraph.length) blocks.push({ kind: 'paragraph', spans: spans(paragraph.join(' ')) });
    if (list) blocks.push({ kind: 'list', ordered: list.ordered, items: list.items.map(spans) });
    if (quote.length) blocks.push({ kind: 'quote', spans: spans(quote.join(' ')) });
    paragraph = [];
    list = null;
    quote = [];
  };

  for (const line of source.replace(/\r\n?/g, '\n').split('\n')) {
    if (code) {
      if (FENCE.test(line)) {
        blocks.push({ kind: 'paragraph', spans: [{ text: code.join('\n'), code: true }] });
        code = null;
      } else code.push(line);
      continue;
    }
    if (FENCE.test(line)) {
      flush();
      code = [];
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      blocks.push({ kind: 'heading', level: heading[1]!.length as 4, spans: spans(heading[2]!) });
      continue;
    }
    if (RULE.test(line)) {
      flush();
      blocks.push({ kind: 'rule' });
      continue;
    }
    const item = BULLET.exec(line) ?? NUMBERED.exec(line);
    if (item) {
      const ordered = !BULLET.test(line);
      if (!list || list.ordered !== ordered) {
        flush();
        list = { ordered, items: [] };
      }
      list.items.push(item[1]!);
      continue;
    }
    const quoted = QUOTE.exec(line);
    if (quoted) {
      if (!quote.length) flush();
      quote.push(quoted[1]!);
      continue;
    }
    // A line after a list item continues it; after a quote, the quote.
    if (list) list.items[list.items.length - 1] += ` ${line.trim()}`;
    else if (quote.length) quote.push(line.trim());
    else paragraph.push(line.trim());
  }
  if (code) blocks.push({ kind: 'paragraph', spans: [{ text: code.join('\n'), code: true }] });
  flush();
  // The page's headings go down to h3 ("The report"): the report's top level becomes h4.
  const top = Math.min(...blocks.map((b) => (b.kind === 'heading' ? b.level : 6)));
  for (const b of blocks) if (b.kind === 'heading') b.level = Math.min(6, b.level - top + 4) as 4 | 5 | 6;
  return blocks;
}
