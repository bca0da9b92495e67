-- The last "Test keys" result per provider, for the keys the user has saved: the dashboard's
-- readiness and the start form's preselected mode follow it. Saving a provider's keys again
-- removes its result (what was tested is no longer what is saved).
-- { "<provider>": { "ok": bool, "message": text, "at": ISO time } }, providers: livekit, llm, deepgram, speech.
alter table public.user_api_keys add column if not exists key_tests jsonb not null default '{}'::jsonb;
