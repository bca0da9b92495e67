-- The tables of the deployment guide, with row-level security: each user sees and changes
-- only their own rows; anon sees nothing. Tables and policies a database already has from
-- the deployment guide are kept or replaced, so an existing project can switch over.

create table if not exists public.user_api_keys (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null unique references auth.users (id) on delete cascade,
  -- Fernet tokens, never plaintext.
  livekit_url text,
  livekit_api_key text,
  livekit_api_secret text,
  openai_key text,
  deepgram_key text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table if not exists public.interviews (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  candidate_name text not null,
  interview_date timestamptz not null default now(),
  room_name text,
  job_role text,
  experience_level text,
  conversation jsonb not null default '[]'::jsonb,
  total_messages jsonb not null default '{}'::jsonb,
  skipped_stages text[] not null default '{}',
  final_stage text,
  ended_by text,
  has_resume boolean not null default false,
  has_jd boolean not null default false,
  created_at timestamptz not null default now()
);

create table if not exists public.feedback (
  id uuid primary key default gen_random_uuid(),
  interview_id uuid not null unique references public.interviews (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  feedback_data jsonb not null,
  created_at timestamptz not null default now()
);

create index if not exists interviews_user_id_created_at_idx on public.interviews (user_id, created_at desc);
create index if not exists interviews_room_name_idx on public.interviews (room_name);
create index if not exists feedback_user_id_idx on public.feedback (user_id);

alter table public.user_api_keys enable row level security;
alter table public.interviews enable row level security;
alter table public.feedback enable row level security;

drop policy if exists "Users can view own keys" on public.user_api_keys;
create policy "Users can view own keys" on public.user_api_keys
  for select to authenticated using (auth.uid() = user_id);
drop policy if exists "Users can insert own keys" on public.user_api_keys;
create policy "Users can insert own keys" on public.user_api_keys
  for insert to authenticated with check (auth.uid() = user_id);
drop policy if exists "Users can update own keys" on public.user_api_keys;
create policy "Users can update own keys" on public.user_api_keys
  for update to authenticated using (auth.uid() = user_id) with check (auth.uid() = user_id);
drop policy if exists "Users can delete own keys" on public.user_api_keys;
create policy "Users can delete own keys" on public.user_api_keys
  for delete to authenticated using (auth.uid() = user_id);

drop policy if exists "Users can view own interviews" on public.interviews;
create policy "Users can view own interviews" on public.interviews
  for select to authenticated using (auth.uid() = user_id);
drop policy if exists "Users can insert own interviews" on public.interviews;
create policy "Users can insert own interviews" on public.interviews
  for insert to authenticated with check (auth.uid() = user_id);
drop policy if exists "Users can update own interviews" on public.interviews;
create policy "Users can update own interviews" on public.interviews
  for update to authenticated using (auth.uid() = user_id) with check (auth.uid() = user_id);
drop policy if exists "Users can delete own interviews" on public.interviews;
create policy "Users can delete own interviews" on public.interviews
  for delete to authenticated using (auth.uid() = user_id);

drop policy if exists "Users can view own feedback" on public.feedback;
create policy "Users can view own feedback" on public.feedback
  for select to authenticated using (auth.uid() = user_id);
-- Feedback may only be attached to an interview the same user owns.
drop policy if exists "Users can insert own feedback" on public.feedback;
create policy "Users can insert own feedback" on public.feedback
  for insert to authenticated with check (
    auth.uid() = user_id
    and exists (select 1 from public.interviews i where i.id = interview_id and i.user_id = auth.uid())
  );
drop policy if exists "Users can update own feedback" on public.feedback;
create policy "Users can update own feedback" on public.feedback
  for update to authenticated using (auth.uid() = user_id) with check (
    auth.uid() = user_id
    and exists (select 1 from public.interviews i where i.id = interview_id and i.user_id = auth.uid())
  );
drop policy if exists "Users can delete own feedback" on public.feedback;
create policy "Users can delete own feedback" on public.feedback
  for delete to authenticated using (auth.uid() = user_id);

revoke all on public.user_api_keys, public.interviews, public.feedback from anon;
grant select, insert, update, delete on public.user_api_keys, public.interviews, public.feedback to authenticated;
grant all on public.user_api_keys, public.interviews, public.feedback to service_role;
