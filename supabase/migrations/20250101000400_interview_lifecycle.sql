-- What a live interview needs beyond the deployment guide's columns: its mode and status, the
-- stage changes and per-turn metrics as they happen, when it started and ended, and the state
-- of feedback generation.
alter table public.interviews add column if not exists mode text not null default 'voice';
alter table public.interviews add column if not exists status text not null default 'ended';
alter table public.interviews add column if not exists stage_events jsonb not null default '[]'::jsonb;
alter table public.interviews add column if not exists metrics jsonb not null default '[]'::jsonb;
alter table public.interviews add column if not exists started_at timestamptz not null default now();
alter table public.interviews add column if not exists ended_at timestamptz;
alter table public.interviews add column if not exists error_message text;
alter table public.interviews add column if not exists feedback_status text;
alter table public.interviews add column if not exists feedback_error text;

do $$
begin
  if not exists (select 1 from pg_constraint where conname = 'interviews_mode_check') then
    alter table public.interviews add constraint interviews_mode_check check (mode in ('voice', 'text'));
  end if;
  if not exists (select 1 from pg_constraint where conname = 'interviews_status_check') then
    alter table public.interviews add constraint interviews_status_check check (status in ('live', 'ended'));
  end if;
end
$$;

-- One live interview per user, enforced by the database even under concurrent starts.
create unique index if not exists interviews_one_live_per_user on public.interviews (user_id) where status = 'live';
