import { analyticsSection, feedbackToMarkdown, originalFeedbackToMarkdown, type SpeakingAnalytics, presentFeedback, UNREADABLE_FEEDBACK, type StoredFeedback } from '../feedback/index.ts';
import type { ExperienceLevel } from '../../shared/vocabulary.ts';
import { groupByStage, type PresentedInterview } from '../interviews/index.ts';
import { clock, interviewFacts } from './history-view.ts';

// "Export JSON" and "Export Markdown" on the interview page: the whole interview (its facts in
// the page's words, the transcript, the feedback and the analytics), dates in the candidate's
// time zone (the page sends it; UTC without one).

export interface ExportedInterview {
  interview: PresentedInterview;
  stored: StoredFeedback | undefined;
  analytics: SpeakingAnalytics;
  interviewerName: string;
  timeZone: string;
}

export function interviewJson({ interview, stored, analytics, timeZone }: ExportedInterview) {
  return {
    ...interview,
    facts: interviewFacts(interview, timeZone),
    timeZone,
    analytics,
    ...presentFeedback(stored, analytics),
  };
}

export function interviewMarkdown(exported: ExportedInterview): string {
  const { interview, interviewerName, timeZone } = exported;
  const f = interviewFacts(interview, timeZone);
  const lines = [
    `# ${escapeMarkdown(f.role)} interview`,
    '',
    `- Candidate: ${escapeMarkdown(f.candidate)}`,
    `- Level: ${escapeMarkdown(f.level)}`,
    `- Mode: ${f.mode}`,
    `- Date: ${f.dateText}`,
    `- Duration: ${f.duration}`,
    `- Reached: ${f.stage}`,
    `- Ending: ${f.endedBy}`,
    `- Turns: ${f.answers} yours, ${f.questions} the interviewer's`,
    ...(f.skipped ? [`- Skipped: ${f.skipped}`] : []),
    ...(f.documents ? [`- Tailored to your ${f.documents}`] : []),
    ...interview.problems.map((p) => `- Not shown: ${p}`),
    '',
    '## Transcript',
    '',
  ];
  const start = new Date(interview.startedAt).getTime();
  for (const group of groupByStage(interview.items)) {
    lines.push(`### ${group.label}`, '');
    for (const item of group.items) {
      const who = item.role === 'assistant' ? interviewerName : interview.candidateName;
      lines.push(`**[${clock(item.startedAt, start)}] ${escapeMarkdown(who)}:** ${escapeMarkdown(item.text)}`, '');
    }
  }
  if (interview.items.length === 0) lines.push('Nothing was said.', '');
  lines.push(...feedbackPart(exported));
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/** The feedback as its own download has it, one heading level down; the analytics whatever the feedback. */
function feedbackPart({ interview, stored, analytics }: ExportedInterview): string[] {
  if (stored?.shape === 'mockflow' || stored?.shape === 'mockflow-ai') {
    const meta = {
      jobRole: interview.jobRole ?? '',
      experienceLevel: (interview.experienceLevel ?? 'mid') as ExperienceLevel,
      mode: interview.mode,
      ...(stored.shape === 'mockflow' ? { generatedAt: stored.data.generatedAt, model: stored.data.model } : {}),
    };
    const document =
      stored.shape === 'mockflow' ? feedbackToMarkdown(meta, stored.data.feedback, analytics) : originalFeedbackToMarkdown(meta, stored);
    const part = demoteHeadings(document).split('\n');
    return stored.shape === 'mockflow' ? part : [...part, '', ...demoteHeadings(analyticsSection(analytics).join('\n')).split('\n')];
  }
  const why = stored?.shape === 'unreadable' ? UNREADABLE_FEEDBACK : 'No feedback yet: generate it on the interview page.';
  return ['## Feedback', '', why, '', ...demoteHeadings(analyticsSection(analytics).join('\n')).split('\n')];
}

function demoteHeadings(markdown: string): string {
  return markdown.replace(/^(#{1,5}) /gm, '#$1 ');
}

/** Keeps what a person typed or said from turning into Markdown structure (headings, links, HTML). */
function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_[\]<>#|])/g, '\\$1');
}

export function exportFileName(interview: PresentedInterview, extension: string): string {
  const role = (interview.jobRole ?? 'interview').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
  return `mockflow-${role || 'interview'}-${interview.startedAt.slice(0, 10)}.${extension}`;
}
