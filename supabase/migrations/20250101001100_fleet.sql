-- Web instances and interview runners on one database (MOCKFLOW_ROLE). A lease says whether its
-- process runs interviews; a web-only one offers no slots and is not counted as a runner.
alter table public.mockflow_instances add column if not exists runs_interviews boolean not null default true;

-- What a start needs that the interview's row does not keep: handed from the web instance that
-- took the start to the runner that claims it, which deletes it on reading. It never goes through
-- the job queue (whose rows outlive the start) or a notification.
create table if not exists public.interview_briefs (
  interview_id uuid primary key references public.interviews (id) on delete cascade,
  user_id uuid not null,
  resume_text text,
  job_description text
);
alter table public.interview_briefs enable row level security;
drop policy if exists "Users can manage own interview briefs" on public.interview_briefs;
create policy "Users can manage own interview briefs" on public.interview_briefs
  for all to authenticated using (auth.uid() = user_id) with check (auth.uid() = user_id);
grant select, insert, delete on public.interview_briefs to authenticated;

-- Notifications carry at most 8000 bytes: a longer message between processes (an ended
-- interview's transcript, a long answer) waits here and the notification names its row. Only
-- the server's own connection reads it: no policy.
create table if not exists public.mockflow_messages (
  id bigserial primary key,
  body jsonb not null,
  created_at timestamptz not null default now()
);
alter table public.mockflow_messages enable row level security;
