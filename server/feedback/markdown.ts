import { percentText, secondsText } from '../../shared/format.ts';
import { STAGES, type ExperienceLevel, STAGE_LABELS } from '../../shared/vocabulary.ts';
import type { InterviewMode, SpeakingAnalytics } from './analytics.ts';
import { FILLERS } from './fillers.ts';
import type { Competency, Feedback } from './schema.ts';
import type { StoredFeedback } from './stored-feedback.ts';

// The feedback as a Markdown document for download: readable as plain text, and rendered
// nicely by anything that understands Markdown.

export interface FeedbackDocumentMeta {
  candidateName?: string;
  jobRole: string;
  experienceLevel: ExperienceLevel;
  mode: InterviewMode;
  /** When the interview took place. */
  interviewDate?: Date | string;
  generatedAt?: Date | string;
  model?: string;
}

/** The best and weakest competency by score; the first listed wins a tie. Null when there are none. */
export function bestAndWeakest(competencies: Competency[]): { best: Competency; weakest: Competency } | null {
  const [first, ...rest] = competencies;
  if (!first) return null;
  let best = first;
  let weakest = first;
  for (const c of rest) {
    if (c.score > best.score) best = c;
    if (c.score < weakest.score) weakest = c;
  }
  return { best, weakest };
}

export function feedbackToMarkdown(meta: FeedbackDocumentMeta, feedback: Feedback, analytics: SpeakingAnalytics): string {
  const out: string[] = [];
  const add = (...lines: string[]) => out.push(...lines);

  add(`# Interview feedback: ${oneLine(meta.jobRole)}`, '');
  const facts = [
    meta.candidateName && `Candidate: ${oneLine(meta.candidateName)}`,
    `Level: ${meta.experienceLevel}`,
    `Mode: ${meta.mode}`,
    meta.interviewDate && `Interview: ${day(meta.interviewDate)}`,
    meta.generatedAt && `Feedback generated: ${day(meta.generatedAt)}${meta.model ? ` by ${oneLine(meta.model)}` : ''}`,
  ].filter((fact): fact is string => Boolean(fact));
  add(facts.join(' · '), '');

  add(`## Overall: ${feedback.overall.score}/5`, '', oneLine(feedback.overall.headline), '');
  add(`**Top strength:** ${oneLine(feedback.topStrength)}`, '', `**Top improvement:** ${oneLine(feedback.topImprovement)}`, '');

  add('## Competencies', '');
  const extremes = bestAndWeakest(feedback.competencies);
  if (extremes) {
    add(`Best: ${oneLine(extremes.best.name)} (${extremes.best.score}/5) · Weakest: ${oneLine(extremes.weakest.name)} (${extremes.weakest.score}/5)`, '');
  }
  for (const c of feedback.competencies) {
    add(`### ${oneLine(c.name)}: ${c.score}/5`, '', oneLine(c.take), '');
    if (c.evidenceQuote) add(blockquote(c.evidenceQuote), '');
  }

  add('## Strengths', '');
  for (const s of feedback.strengths) {
    add(`### ${oneLine(s.title)}`, '');
    if (s.quote) add(blockquote(s.quote), '');
    add(`**Practise:** ${oneLine(s.technique)}`, '');
  }

  add('## Development areas', '');
  for (const d of feedback.developmentAreas) {
    add(`### ${oneLine(d.title)}`, '');
    if (d.quote) add(blockquote(d.quote), '');
    add(`**Practise:** ${oneLine(d.technique)}`, '');
  }

  const rewrite = feedback.rewrittenAnswer;
  add('## One answer, rewritten', '', `**Question:** ${oneLine(rewrite.question)}`, '');
  if (rewrite.original) add('**What you said:**', '', blockquote(rewrite.original), '');
  add('**A stronger answer:**', '', blockquote(rewrite.improved), '', `**What changed:** ${oneLine(rewrite.whatChanged)}`, '');

  if (feedback.stageNotes.length > 0) {
    add('## Notes per stage', '');
    for (const n of feedback.stageNotes) add(`- **${STAGE_LABELS[n.stage]}:** ${oneLine(n.note)}`);
    add('');
  }

  add(...analyticsSection(analytics));

  add('## Practice plan', '');
  for (const d of feedback.practicePlan.days) {
    add(`### Day ${d.day}: ${oneLine(d.focus)}`, '', 'Exercises:', '');
    add(...d.exercises.map((e) => `- ${oneLine(e)}`), '', 'Questions to practise:', '');
    add(...d.practiceQuestions.map((q) => `- ${oneLine(q)}`), '');
  }

  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/** Feedback the Python original (MockFlow-AI) saved: its scores, then its own Markdown report as written. */
export function originalFeedbackToMarkdown(meta: FeedbackDocumentMeta, stored: Extract<StoredFeedback, { shape: 'mockflow-ai' }>): string {
  const out = [`# Interview feedback: ${oneLine(meta.jobRole)}`, ''];
  const facts = [meta.candidateName && `Candidate: ${oneLine(meta.candidateName)}`, meta.interviewDate && `Interview: ${day(meta.interviewDate)}`, 'Feedback by MockFlow-AI'];
  out.push(facts.filter(Boolean).join(' · '), '');
  const s = stored.scores;
  if (s) {
    if (s.overall !== null) out.push(`## Overall: ${s.overall}/5`, '');
    if (s.headline) out.push(oneLine(s.headline), '');
    if (s.topStrength) out.push(`**Top strength:** ${oneLine(s.topStrength)}`, '');
    if (s.topImprovement) out.push(`**Top improvement:** ${oneLine(s.topImprovement)}`, '');
    if (s.competencies.length > 0) {
      out.push('## Competencies', '');
      for (const c of s.competencies) out.push(`- **${oneLine(c.name)}:** ${c.score}/${c.maxScore}${c.take ? ` — ${oneLine(c.take)}` : ''}`);
      out.push('');
    }
    if (s.fillerWords !== null) out.push(`- Filler words: ${s.fillerWords}`);
    if (s.answerStructure !== null) out.push(`- Answer structure: ${s.answerStructure}/5`);
    out.push('');
  }
  if (stored.markdown) out.push('---', '', stored.markdown.trim(), '');
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/** The analytics counted by code, as a Markdown section (its own heading first). */
export function analyticsSection(a: SpeakingAnalytics): string[] {
  const f = a.fillerWords;
  const lines = [f ? '## Speaking analytics' : '## Answer analytics', '', '_Counted from the transcript by code, not by the model._', ''];
  // A text interview has no fillers or pace: they would describe typing.
  if (f) {
    const perMinute = f.perMinute === null ? '' : ` (${f.perMinute} per minute of your speech)`;
    lines.push(`- Filler words: ${f.total}${perMinute}`);
    const said = FILLERS.filter((w) => f.byWord[w] > 0).map((w) => `"${w}" ${f.byWord[w]}`);
    if (said.length > 0) lines.push(`  - ${said.join(', ')}`);
  }
  if (a.wordsPerMinute !== null) lines.push(`- Speaking pace: ${a.wordsPerMinute} words per minute`);
  if (a.talkTimeShare) {
    const basis = a.talkTimeShare.basis === 'time' ? 'speaking time' : 'words';
    lines.push(`- Talk share (by ${basis}): you ${percentText(a.talkTimeShare.candidate)}, interviewer ${percentText(a.talkTimeShare.interviewer)}`);
  }
  const ans = a.answers;
  lines.push(`- Answers: ${ans.count}; average ${ans.averageWords} words, shortest ${ans.shortestWords}, longest ${ans.longestWords}`);
  lines.push('', '| Stage | Questions | Time |', '| --- | ---: | ---: |');
  for (const stage of STAGES) {
    lines.push(`| ${STAGE_LABELS[stage]} | ${a.questionsPerStage[stage]} | ${secondsText(a.timePerStageSeconds[stage])} |`);
  }
  lines.push('');
  return lines;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function blockquote(text: string): string {
  return text
    .trim()
    .split(/\r?\n/)
    .map((line) => `> ${line.trim()}`.trimEnd())
    .join('\n');
}



function day(value: Date | string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().slice(0, 10);
}
