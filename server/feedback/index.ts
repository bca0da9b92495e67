// The feedback capability's entry: writing, storing and presenting an interview's feedback.
export type { SpeakingAnalytics } from './analytics.ts';
export { FILLERS } from './fillers.ts';
export type { FeedbackData } from './generate.ts';
export { analyticsOf } from './interview-input.ts';
export { analyticsSection, bestAndWeakest, feedbackToMarkdown, originalFeedbackToMarkdown } from './markdown.ts';
export { setFeedbackAfterInterview, wantsFeedbackAfterInterview } from './preference.ts';
export { feedbackRouter } from './routes.ts';
export { failInterruptedFeedback, loadFeedback } from './store.ts';
export { feedbackStatus, presentFeedback, scoreOf, storedScoreSql, UNREADABLE_FEEDBACK, type StoredFeedback } from './stored-feedback.ts';
export { FeedbackWriter } from './writer.ts';
