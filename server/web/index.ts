// The web capability's entry: the server-rendered pages.
export { historyPagesRouter } from './history-pages.ts';
export { interviewPagesRouter } from './interview-pages.ts';
export { pagesRouter } from './pages.ts';
export { pageScriptsRouter, warmPageScripts } from './page-scripts.ts';
