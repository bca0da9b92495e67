import { percentText, secondsText } from '../../shared/format.ts';
import { STAGES, STAGE_LABELS } from '../../shared/vocabulary.ts';
import { type SpeakingAnalytics, FILLERS, type FeedbackData, bestAndWeakest } from '../feedback/index.ts';
import { dateText, round1 } from './history-view.ts';

// The feedback report as the interview page draws it: the model's judgement (scores, quotes,
// plan) and the speaking analytics counted by code. SVG geometry is computed here so the
// template holds no arithmetic.

const RING_RADIUS = 52;
const RING_CIRCUMFERENCE = 2 * Math.PI * RING_RADIUS;



/** The overall score's ring: how much of the circle a score out of 5 fills. */
export function scoreRing(score: number) {
  return { radius: RING_RADIUS, dash: `${round1((score / 5) * RING_CIRCUMFERENCE)} ${round1(RING_CIRCUMFERENCE)}` };
}

/**
 * `analytics` are the interview's as counted now (analyticsOf), not the copy saved with the
 * feedback, so a corrected counting rule reaches reports made before it.
 */
export function reportView(data: FeedbackData, a: SpeakingAnalytics) {
  const f = data.feedback;
  const extremes = bestAndWeakest(f.competencies);

  const fillers = FILLERS.map((word) => ({ word, count: a.fillerWords?.byWord[word] ?? 0 }))
    .filter((x) => x.count > 0)
    .sort((x, y) => y.count - x.count);
  const maxFiller = Math.max(1, ...fillers.map((x) => x.count));

  const stageRows = STAGES.map((stage) => ({
    label: STAGE_LABELS[stage],
    questions: a.questionsPerStage[stage] ?? 0,
    seconds: a.timePerStageSeconds[stage] ?? 0,
  })).filter((row) => row.questions > 0 || row.seconds > 0);
  const maxSeconds = Math.max(1, ...stageRows.map((r) => r.seconds));
  const maxQuestions = Math.max(1, ...stageRows.map((r) => r.questions));

  return {
    overall: {
      score: f.overall.score,
      headline: f.overall.headline,
      ring: scoreRing(f.overall.score),
    },
    competencies: f.competencies.map((c) => ({ ...c, width: c.score * 20 })),
    // When every competency scored the same there is no best or weakest to call out.
    extremes: extremes && extremes.best.score !== extremes.weakest.score ? extremes : null,
    topStrength: f.topStrength,
    topImprovement: f.topImprovement,
    strengths: f.strengths,
    developmentAreas: f.developmentAreas,
    rewrite: f.rewrittenAnswer,
    stageNotes: f.stageNotes.map((n) => ({ label: STAGE_LABELS[n.stage], note: n.note })),
    days: f.practicePlan.days,
    analytics: {
      // Null in a text interview: fillers and pace would describe typing.
      speech: a.fillerWords
        ? {
            fillerTotal: a.fillerWords.total,
            fillerPerMinute: a.fillerWords.perMinute,
            fillers: fillers.map((x) => ({ ...x, width: round1((x.count / maxFiller) * 100) })),
            wordsPerMinute: a.wordsPerMinute,
          }
        : null,
      candidateWords: a.candidateWords,
      talk: a.talkTimeShare
        ? {
            basis: a.talkTimeShare.basis === 'time' ? 'speaking time' : 'words',
            candidate: percentText(a.talkTimeShare.candidate),
            interviewer: percentText(a.talkTimeShare.interviewer),
            split: round1(a.talkTimeShare.candidate * 100),
          }
        : null,
      answers: a.answers,
      stages: stageRows.map((r) => ({
        ...r,
        time: secondsText(r.seconds),
        timeWidth: round1((r.seconds / maxSeconds) * 100),
        questionWidth: round1((r.questions / maxQuestions) * 100),
      })),
    },
    generatedIso: data.generatedAt,
    generatedText: dateText(data.generatedAt),
    model: data.model,
    droppedQuotes: data.droppedQuotes,
  };
}

export type ReportView = ReturnType<typeof reportView>;
