// The interviews capability's entry: starting and running interviews, their records and how they are presented.
export { InterviewEvents } from './events.ts';
export { groupByStage, presentInterview, presentSummary, type PresentedInterview } from './presenter.ts';
export { TIME_MEASURES, type ResponseTimes, type TimeMeasure } from './response-times.ts';
export { ownedInterview } from './owned.ts';
export { readerChild, readerFor, ResumeReader } from './resume-reader.ts';
export { interviewsRouter } from './routes.ts';
export { ExportQuery, ListQuery } from './schema.ts';
export { endOrphans, InterviewRunner, type EventPublisher } from './runner.ts';
export { LocalRunners, type Command, type CommandResult, type Runners, type StartJob } from './runners.ts';
export { InterviewService } from './service.ts';
export { claimStart, findLiveInterview, getInterview, saveBrief, takeBrief, withdrawStart, listInterviews, type InterviewRow } from './store.ts';
