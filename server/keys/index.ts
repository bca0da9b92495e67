// The keys capability's entry: what other capabilities may ask of a user's saved keys. An
// interview gets its child's key set (or a refusal that says what to do); pages get the keys as
// presented (never a secret) and the results of their last test.
export { childKeys, keysPresent, languageModelOf, roomKeys, type ChildKeys, type ChildKeysDeps, type LiveKitKeys } from './child-keys.ts';
export type { KeyTest, KeyTests, TestedProvider } from './key-tests.ts';
export { presentKeys, unreadableKeys, type PresentedKeys } from './presenter.ts';
export { keysRouter } from './routes.ts';
export type { SecretField } from './schema.ts';
export { loadKeysRow, openEachKey, readUserKeys, UnreadableSecret, type KeysRow } from './store.ts';
