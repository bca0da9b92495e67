// The auth capability's entry: sign-in routers, sessions, and who the request's user is.
export { DELETE_CONFIRMATION } from './account.ts';
export { googleRouter } from './google.ts';
export { isLocalBrowser, LOCAL_SIGN_IN_ELSEWHERE, LOCAL_USER_NAME } from './local.ts';
export { currentUser, requireUser, returnToAfterSignIn } from './require-user.ts';
export type { SessionUser } from './session.ts';
export { authRouter } from './routes.ts';
export { createSessions } from './session.ts';
export { createSupabaseAuth, type SupabaseAuth } from './supabase.ts';
