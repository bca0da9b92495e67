import { describe, expect, it } from 'vitest';
import { STAGES } from '../../shared/vocabulary.ts';
import { describeProblems, feedbackJsonSchema, FeedbackSchema } from '../../server/feedback/schema.ts';
import { validFeedback } from './fixture.ts';

// Keywords OpenAI's strict structured outputs accept (bounds are enforced by zod instead).
const STRICT_KEYWORDS = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'description', 'anyOf']);

type Node = Record<string, unknown>;

function visit(node: unknown, path: string, fn: (node: Node, path: string) => void): void {
  if (typeof node !== 'object' || node === null) return;
  fn(node as Node, path);
  const n = node as Node;
  for (const [name, child] of Object.entries((n.properties as Node | undefined) ?? {})) visit(child, `${path}.${name}`, fn);
  if (n.items) visit(n.items, `${path}[]`, fn);
  for (const [i, branch] of ((n.anyOf as unknown[] | undefined) ?? []).entries()) visit(branch, `${path}|${i}`, fn);
}

describe('feedback schema', () => {
  it('accepts a complete answer', () => {
    expect(FeedbackSchema.safeParse(validFeedback()).success).toBe(true);
  });

  it.each([
    ['an overall score of 7', (f: ReturnType<typeof validFeedback>) => void (f.overall.score = 7)],
    ['a competency score of 0', (f: ReturnType<typeof validFeedback>) => void (f.competencies[0]!.score = 0)],
    ['a score of 3.5', (f: ReturnType<typeof validFeedback>) => void (f.overall.score = 3.5)],
    ['two competencies', (f: ReturnType<typeof validFeedback>) => void f.competencies.splice(2)],
    ['six competencies', (f: ReturnType<typeof validFeedback>) => void f.competencies.push(...f.competencies)],
    ['one strength', (f: ReturnType<typeof validFeedback>) => void f.strengths.splice(1)],
    ['five development areas', (f: ReturnType<typeof validFeedback>) => void f.developmentAreas.push(...f.developmentAreas.slice(0, 2))],
    ['a six-day plan', (f: ReturnType<typeof validFeedback>) => void f.practicePlan.days.splice(6)],
    ['no stage notes', (f: ReturnType<typeof validFeedback>) => void f.stageNotes.splice(0)],
    ['an unknown stage', (f: ReturnType<typeof validFeedback>) => void ((f.stageNotes[0] as { stage: string }).stage = 'lunch')],
    ['a missing headline', (f: ReturnType<typeof validFeedback>) => void delete (f.overall as Partial<typeof f.overall>).headline],
  ])('refuses %s', (_name, spoil) => {
    const feedback = validFeedback();
    spoil(feedback);
    expect(FeedbackSchema.safeParse(feedback).success).toBe(false);
  });

  it('describes problems by path', () => {
    const feedback = validFeedback();
    feedback.overall.score = 7;
    const result = FeedbackSchema.safeParse(feedback);
    expect(result.success).toBe(false);
    expect(describeProblems(result.error!)).toMatch(/^- overall\.score: .*5/);
  });

  it('gives a JSON schema valid for strict structured outputs', () => {
    const schema = feedbackJsonSchema();
    let objects = 0;
    visit(schema, '$', (node, path) => {
      for (const key of Object.keys(node)) expect(STRICT_KEYWORDS.has(key), `${path} has "${key}"`).toBe(true);
      if (node.type === 'object') {
        objects += 1;
        expect(node.additionalProperties, path).toBe(false);
        expect([...(node.required as string[])].sort(), path).toEqual(Object.keys(node.properties as Node).sort());
      }
    });
    // the root, overall, rewrittenAnswer, practicePlan, and the items of the five object arrays
    expect(objects).toBe(9);
    expect(schema.type).toBe('object');
  });

  it('offers the stages as an enum and quotes as nullable strings', () => {
    const schema = feedbackJsonSchema() as any;
    expect(schema.properties.stageNotes.items.properties.stage.enum).toEqual([...STAGES]);
    expect(schema.properties.competencies.items.properties.evidenceQuote.type).toEqual(['string', 'null']);
    expect(schema.properties.competencies.description).toMatch(/3 to 5/);
  });
});
