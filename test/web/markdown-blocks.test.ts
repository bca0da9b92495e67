import { describe, expect, it } from 'vitest';
import { markdownBlocks, spans } from '../../server/web/markdown-blocks.ts';

describe('a Markdown report read into blocks', () => {
  it('reads headings (nested under the page), paragraphs, lists, quotes, rules and code', () => {
    const blocks = markdownBlocks(
      ['# Report', 'First line', 'continued.', '', '## Part', '1. one', '2. two', '- a', '  more of a', '> said', '---', '```', '<b>x</b>', '```'].join('\n'),
    );
    expect(blocks).toEqual([
      { kind: 'heading', level: 4, spans: [{ text: 'Report' }] },
      { kind: 'paragraph', spans: [{ text: 'First line continued.' }] },
      { kind: 'heading', level: 5, spans: [{ text: 'Part' }] },
      { kind: 'list', ordered: true, items: [[{ text: 'one' }], [{ text: 'two' }]] },
      { kind: 'list', ordered: false, items: [[{ text: 'a more of a' }]] },
      { kind: 'quote', spans: [{ text: 'said' }] },
      { kind: 'rule' },
      { kind: 'paragraph', spans: [{ text: '<b>x</b>', code: true }] },
    ]);
  });

  it('reads bold, italics and code, and keeps HTML, links and images as text', () => {
    expect(spans('**Bold _and em_** then `<i>` and *em*')).toEqual([
      { text: 'Bold ', strong: true },
      { text: 'and em', strong: true, em: true },
      { text: ' then ' },
      { text: '<i>', code: true },
      { text: ' and ' },
      { text: 'em', em: true },
    ]);
    expect(spans('<img src=x onerror=alert(1)> [site](javascript:alert(1)) ![a chart](http://x/y.png) snake_case_name')).toEqual([
      { text: '<img src=x onerror=alert(1)> site (javascript:alert(1)) a chart snake_case_name' },
    ]);
  });
});
