import { groupByStage, STAGE_LABELS, type PresentedInterview } from './presenter.ts';

function clock(ms: number, startMs: number): string {
  const s = Math.max(0, Math.round((ms - startMs) / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** The transcript as Markdown, grouped by stage, each line with its time into the interview. */
export function transcriptMarkdown(interview: PresentedInterview, interviewerName: string): string {
  const start = new Date(interview.startedAt).getTime();
  const lines = [
    `# Interview: ${interview.jobRole ?? 'unknown role'}${interview.experienceLevel ? ` (${interview.experienceLevel})` : ''}`,
    '',
    `- Candidate: ${interview.candidateName}`,
    `- Date: ${interview.startedAt}`,
    `- Mode: ${interview.mode}`,
    `- Duration: ${interview.durationSeconds === null ? 'unknown' : `${Math.round(interview.durationSeconds / 60)} min`}`,
    `- Ended by: ${interview.endedBy ?? (interview.status === 'live' ? 'still running' : 'unknown')}`,
    ...(interview.skippedStages.length ? [`- Skipped stages: ${interview.skippedStages.map((s) => STAGE_LABELS[s]).join(', ')}`] : []),
    ...interview.problems.map((p) => `- Not shown: ${p}`),
    '',
  ];
  for (const group of groupByStage(interview.items)) {
    lines.push(`## ${group.label}`, '');
    for (const item of group.items) {
      const who = item.role === 'assistant' ? interviewerName : interview.candidateName;
      lines.push(`**[${clock(item.startedAt, start)}] ${escapeMarkdown(who)}:** ${escapeMarkdown(item.text)}`, '');
    }
  }
  return lines.join('\n');
}

/** Keeps a transcript line from turning into Markdown structure (headings, links, HTML). */
function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_[\]<>#|])/g, '\\$1');
}

export function exportFileName(interview: PresentedInterview, extension: string): string {
  const role = (interview.jobRole ?? 'interview').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
  return `mockflow-${role || 'interview'}-${interview.startedAt.slice(0, 10)}.${extension}`;
}
