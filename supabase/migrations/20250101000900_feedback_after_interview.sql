-- Whether feedback is written as soon as an interview ends (with the user's own model key), or
-- only when they ask for it on the interview page. On unless the user turns it off in Settings.
alter table public.user_api_keys add column if not exists feedback_after_interview boolean not null default true;
